"""Real district polygons -> made-up schools, shelters and community resources.

Points are drawn inside the demo's own boundary layers as atlas reads them (repaired,
parks and airports excluded), and kept only where every layer has a polygon, so that
the demo's files pass the same strict validation as a user's. Shelters cluster around
a few centres in each district, more and larger in the districts CALIBRATION.md names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from atlas.demo import calibration as cal
from atlas.model import Geography

#: Keep points this far inside their district (degrees, about 80 m), clear of edges.
_INSET = 0.0008
BANDS = ("elementary", "middle", "high")
_SPANS = {"elementary": "PK-5", "middle": "6-8", "high": "9-12"}
SHELTER_TYPES = ("Tier II", "Hotel", "Cluster site")
RESOURCE_TYPES = ("Homebase office", "Health centre", "Youth shelter")


@dataclass
class Places:
    """The generated places and the lookups students are drawn from."""

    schools: pd.DataFrame  # school_id, school_name, district, longitude, latitude, grades, band
    shelters: (
        pd.DataFrame
    )  # shelter_id, shelter_type, capacity_units, longitude, latitude, district
    resources: pd.DataFrame


class _Sampler:
    """Draws points inside a district and inside some polygon of every other layer."""

    def __init__(self, layers: dict[str, Geography], district_layer: str) -> None:
        frame = layers[district_layer].frame
        self.districts = {
            gid: shapely.buffer(geom, -_INSET)
            for gid, geom in zip(frame["geo_id"], frame.geometry, strict=True)
            if geom is not None
        }
        self.others = [
            shapely.union_all([g for g in geo.frame.geometry if g is not None])
            for name, geo in layers.items()
            if name != district_layer
        ]
        for geom in (*self.districts.values(), *self.others):
            shapely.prepare(geom)

    def inside(self, district: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ok = shapely.contains_xy(self.districts[district], x, y)
        for other in self.others:
            ok &= shapely.contains_xy(other, x, y)
        return ok

    def uniform(self, rng: np.random.Generator, district: str, n: int) -> np.ndarray:
        """``n`` points spread over the district, as an (n, 2) array of lon, lat."""
        minx, miny, maxx, maxy = self.districts[district].bounds
        found = np.empty((0, 2))
        while len(found) < n:
            x = rng.uniform(minx, maxx, 4 * n + 16)
            y = rng.uniform(miny, maxy, 4 * n + 16)
            keep = self.inside(district, x, y)
            found = np.vstack([found, np.column_stack([x[keep], y[keep]])])
        return found[:n]

    def clustered(self, rng: np.random.Generator, district: str, n: int) -> np.ndarray:
        """``n`` points around two or three centres in the district (about 600 m apart)."""
        centres = self.uniform(rng, district, int(rng.integers(2, 4)))
        found = np.empty((0, 2))
        while len(found) < n:
            pick = centres[rng.integers(0, len(centres), 4 * n + 16)]
            x = pick[:, 0] + rng.normal(0, 0.006, len(pick))
            y = pick[:, 1] + rng.normal(0, 0.0045, len(pick))
            keep = self.inside(district, x, y)
            found = np.vstack([found, np.column_stack([x[keep], y[keep]])])
        return found[:n]


def make_places(
    rng: np.random.Generator,
    layers: dict[str, Geography],
    *,
    district_layer: str,
    borough_of: dict[str, str],
    scale: float,
) -> Places:
    """Schools, shelters and resources for the demo city at ``scale``."""
    sampler = _Sampler(layers, district_layer)
    schools = _schools(rng, sampler, borough_of, scale)
    shelters = _shelters(rng, sampler, scale)
    resources = _resources(rng, sampler, scale)
    return Places(schools, shelters, resources)


def _school_counts(scale: float) -> dict[str, int]:
    total = sum(cal.ENROLLMENT_WEIGHT.values())
    return {
        d: max(3 if d in cal.GEOGRAPHIC_DISTRICTS else 1, round(cal.SCHOOLS * scale * w / total))
        for d, w in cal.ENROLLMENT_WEIGHT.items()
    }


def _schools(
    rng: np.random.Generator, sampler: _Sampler, borough_of: dict[str, str], scale: float
) -> pd.DataFrame:
    frames = []
    geographic = list(cal.GEOGRAPHIC_DISTRICTS)
    for district, n in _school_counts(scale).items():
        if district == "75":
            bands = np.array(["all"] * n)
        elif district == "79":
            bands = np.array(["high"] * n)
        else:  # one of each band, then elementary schools most often
            extra = rng.choice(BANDS, size=n - 3, p=[0.55, 0.2, 0.25])
            bands = np.concatenate([np.array(BANDS), extra])
        if district in sampler.districts:
            sites = sampler.uniform(rng, district, n)
            located_in = [district] * n
        else:  # citywide programmes sit in buildings across the city
            located_in = list(rng.choice(geographic, size=n))
            sites = np.vstack([sampler.uniform(rng, d, 1) for d in located_in])
        numbers = rng.choice(np.arange(1, 1000), size=n, replace=False)
        letters = [cal.BOROUGH_LETTER[borough_of[d]] for d in located_in]
        ids = [f"{int(district):02d}{b}{k:03d}" for b, k in zip(letters, numbers, strict=True)]
        frames.append(
            pd.DataFrame(
                {
                    "school_id": ids,
                    "school_name": [
                        _school_name(b, k) for b, k in zip(bands, numbers, strict=True)
                    ],
                    "district": district,
                    "longitude": sites[:, 0].round(6),
                    "latitude": sites[:, 1].round(6),
                    "grades": [_SPANS.get(b, "PK-12") for b in bands],
                    "band": bands,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _school_name(band: str, number: int) -> str:
    return {
        "elementary": f"P.S. {number}",
        "middle": f"I.S. {number}",
        "high": f"High School {number}",
    }.get(band, f"P{number} Citywide Program")


def _shelter_counts(scale: float) -> dict[str, tuple[int, int]]:
    """(shelters, mean units per shelter) by district at ``scale``."""
    plan = {}
    for d in cal.GEOGRAPHIC_DISTRICTS:
        if d == "9":
            n, units = cal.SHELTERS_9
        elif d == "19":
            n, units = cal.SHELTERS_19
        elif d in cal.SHELTER_HEAVY:
            n, units = 26, 26 * 31
        else:
            n, units = 4, 4 * 24
        plan[d] = (max(1, round(n * scale)), round(units / n))
    return plan


def _shelters(rng: np.random.Generator, sampler: _Sampler, scale: float) -> pd.DataFrame:
    frames = []
    for district, (n, mean_units) in _shelter_counts(scale).items():
        sites = sampler.clustered(rng, district, n)
        units = np.maximum(5, rng.poisson(mean_units, n))
        frames.append(
            pd.DataFrame(
                {
                    "shelter_type": rng.choice(SHELTER_TYPES, size=n, p=[0.55, 0.2, 0.25]),
                    "capacity_units": units,
                    "longitude": sites[:, 0].round(6),
                    "latitude": sites[:, 1].round(6),
                    "district": district,
                }
            )
        )
    shelters = pd.concat(frames, ignore_index=True)
    shelters.insert(0, "shelter_id", [f"SH{i:04d}" for i in range(1, len(shelters) + 1)])
    return shelters


def _resources(rng: np.random.Generator, sampler: _Sampler, scale: float) -> pd.DataFrame:
    n = max(6, round(60 * scale))
    districts = rng.choice(list(cal.GEOGRAPHIC_DISTRICTS), size=n)
    sites = np.vstack([sampler.uniform(rng, d, 1) for d in districts])
    kinds = rng.choice(RESOURCE_TYPES, size=n, p=[0.5, 0.35, 0.15])
    return pd.DataFrame(
        {
            "resource_id": [f"R{i:03d}" for i in range(1, n + 1)],
            "resource_type": kinds,
            "name": [f"{k} {i}" for i, k in enumerate(kinds, start=1)],
            "longitude": sites[:, 0].round(6),
            "latitude": sites[:, 1].round(6),
        }
    )
