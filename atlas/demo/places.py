"""Real district polygons -> made-up schools, shelters and community resources.

Points are drawn inside the demo's own boundary layers as atlas reads them (repaired,
parks and airports excluded): a candidate is kept only inside its district, well clear
of its edges, and inside some polygon of every other layer, so that the demo's files
pass the same strict validation as a user's. Candidates are drawn in batches over the
district's bounding box and tested with ``shapely.contains_xy``.

Schools serve grade spans (every geographic district has at least one school for each
grade); the citywide districts 75 and 79 have their schools in buildings across the
city. Shelters cluster around a few centres in each district; district 9 has the most,
district 19 the next most (``calibration.SHELTERS_FIXED``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from atlas.demo import calibration as cal
from atlas.model import Geography

#: Keep points this far inside their district (degrees, about 80 m), clear of edges.
_INSET = 0.0008
#: Grade spans: code -> (lowest, highest) grade index.
SPANS = {
    "PK-5": (0, 6),
    "K-5": (1, 6),
    "PK-8": (0, 9),
    "K-8": (1, 9),
    "6-8": (7, 9),
    "6-12": (7, 13),
    "9-12": (10, 13),
    "K-12": (1, 13),
    "PK-12": (0, 13),
}
#: Spans of a district's first schools (so that every grade is served), then the odds
#: of each span for the rest.
_FIRST_SPANS = {
    "geographic": ("PK-5", "6-8", "9-12"),
    "75": ("PK-8", "6-12", "K-12"),
    "79": ("9-12", "9-12", "9-12"),
}
_MORE_SPANS = {
    "geographic": {
        "PK-5": 0.44,
        "K-5": 0.08,
        "PK-8": 0.04,
        "K-8": 0.06,
        "6-8": 0.16,
        "6-12": 0.05,
        "9-12": 0.17,
    },
    "75": {"PK-12": 0.2, "K-8": 0.3, "6-12": 0.2, "K-12": 0.3},
    "79": {"9-12": 1.0},
}
_SUBJECTS = (
    "Law and Public Service", "Health Professions", "Environmental Studies",
    "Arts and Technology", "Mathematics, Science and Engineering", "Civic Leadership",
    "Media and Communications", "Global Citizenship", "Language and Innovation",
    "Architecture and Design", "Music and Art", "Teaching Careers", "Computer Science",
    "Community Health", "International Studies", "Business and Finance", "Performing Arts",
    "Sports Management", "Urban Planning", "Journalism", "Aviation", "Culinary Arts",
    "Marine Science", "Fashion and Design", "Visual Arts", "Social Justice",
    "Energy and Technology", "Hospitality Management", "Film and Television",
    "Public Policy",
)  # fmt: skip
_PROGRAMS = (
    "Young Adult Borough Center",
    "Pathways to Graduation",
    "ReStart Academy",
    "Learning to Work Center",
    "Transfer School",
)


#: Columns of the written files (the input contract's); the frames carry more.
SCHOOL_COLUMNS = ["school_id", "school_name", "district", "longitude", "latitude", "grades"]
SHELTER_COLUMNS = ["shelter_id", "shelter_type", "capacity_units", "longitude", "latitude"]


@dataclass
class Places:
    """The generated places. Columns after those of the input contract are internal."""

    schools: pd.DataFrame  # contract columns, then low, high, borough, weight
    shelters: pd.DataFrame  # contract columns, then district, borough
    resources: pd.DataFrame
    borough_of: dict[str, str]  # geographic district -> borough name


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


def read_districts(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """districts.csv -> (district -> borough name, district -> neighbourhoods)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    borough = {r["district"]: r["borough"] for r in rows if r["borough"] in cal.BOROUGH_LETTER}
    hoods = {r["district"]: r["neighbourhoods"].split("; ") for r in rows}
    return borough, hoods


def make_places(
    rng: np.random.Generator,
    layers: dict[str, Geography],
    *,
    district_layer: str,
    districts_csv: Path,
    scale: float,
) -> Places:
    """Schools, shelters and resources for the demo city at ``scale``."""
    sampler = _Sampler(layers, district_layer)
    borough_of, hoods = read_districts(districts_csv)
    schools = _schools(rng, sampler, borough_of, hoods, scale)
    shelters = _shelters(rng, sampler, borough_of, scale)
    resources = _resources(rng, sampler)
    return Places(schools, shelters, resources, borough_of)


def school_counts(scale: float) -> dict[str, int]:
    """Schools by district at ``scale``: by enrollment, at least MIN_SCHOOLS each."""
    geographic = cal.SCHOOLS - cal.D75_SCHOOLS - cal.D79_SCHOOLS
    total = sum(cal.DISTRICTS[d].enrollment for d in cal.GEOGRAPHIC)
    counts = {
        d: round(geographic * scale * cal.DISTRICTS[d].enrollment / total) for d in cal.GEOGRAPHIC
    }
    counts |= {"75": round(cal.D75_SCHOOLS * scale), "79": round(cal.D79_SCHOOLS * scale)}
    return {d: max(cal.MIN_SCHOOLS, n) for d, n in counts.items()}


def _schools(
    rng: np.random.Generator,
    sampler: _Sampler,
    borough_of: dict[str, str],
    hoods: dict[str, list[str]],
    scale: float,
) -> pd.DataFrame:
    counts = school_counts(scale)
    enrollment = np.array([cal.DISTRICTS[d].enrollment for d in cal.GEOGRAPHIC], float)
    # School numbers are unique within a borough, as in NYC's school codes.
    numbers = {b: _numbers(rng, sum(counts.values())) for b in cal.BOROUGH_LETTER}
    rows: list[dict[str, object]] = []
    for district, n in counts.items():
        kind = district if district in cal.CITYWIDE else "geographic"
        more = _MORE_SPANS[kind]
        spans = [*_FIRST_SPANS[kind], *rng.choice(list(more), size=n - 3, p=list(more.values()))]
        if kind == "geographic":
            sites = sampler.uniform(rng, district, n)
            located_in = [district] * n
        else:  # citywide programmes sit in buildings across the city
            located_in = list(rng.choice(cal.GEOGRAPHIC, size=n, p=enrollment / enrollment.sum()))
            sites = np.vstack([sampler.uniform(rng, d, 1) for d in located_in])
        subjects = iter(rng.permutation(_SUBJECTS * (1 + n // len(_SUBJECTS))))
        for span, site, where in zip(spans, sites, located_in, strict=True):
            borough = borough_of[where]
            number = next(numbers[borough])
            hood = str(rng.choice(hoods[where]))
            rows.append(
                {
                    "school_id": f"{int(district):02d}{cal.BOROUGH_LETTER[borough]}{number:03d}",
                    "school_name": _school_name(kind, span, number, hood, str(next(subjects))),
                    "district": district,
                    "longitude": round(float(site[0]), 6),
                    "latitude": round(float(site[1]), 6),
                    "grades": span,
                    "low": SPANS[span][0],
                    "high": SPANS[span][1],
                    "borough": borough,
                    "weight": float(rng.lognormal(0, cal.SCHOOL_SIZE_SPREAD)),
                }
            )
    schools = pd.DataFrame(rows)
    schools["school_name"] = _unique(schools["school_name"])
    return schools


def _numbers(rng: np.random.Generator, most: int) -> Iterator[int]:
    """School numbers in random order: 1-999 first, more digits only when needed."""
    yield from rng.permutation(np.arange(1, 1000)).tolist()
    yield from rng.permutation(np.arange(1000, max(1000, most) + 1000)).tolist()


def _school_name(kind: str, span: str, number: int, hood: str, subject: str) -> str:
    if kind == "75":
        return f"P.S. {number} {hood} Center"
    if kind == "79":
        return f"{_PROGRAMS[number % len(_PROGRAMS)]} at {hood}"
    if span in ("PK-5", "K-5"):
        return f"P.S. {number}"
    if span in ("PK-8", "K-8"):
        return f"P.S./I.S. {number}"
    if span == "6-8":
        return f"{'I.S.' if number % 2 else 'M.S.'} {number}"
    if span == "6-12":
        return f"{hood} Secondary School for {subject}"
    return f"High School for {subject}" if number % 3 else f"{hood} High School for {subject}"


def _unique(names: pd.Series) -> list[str]:
    """Names made unique by numbering repeats (II, III, then 4, 5 ...)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        k = seen.get(name, 0) + 1
        seen[name] = k
        out.append(name if k == 1 else f"{name} {('II', 'III')[k - 2] if k <= 3 else k}")
    return out


def shelter_plan(scale: float) -> dict[str, tuple[int, int]]:
    """(shelters, units) by geographic district at ``scale``."""
    plan = {}
    for d in cal.GEOGRAPHIC:
        if d in cal.SHELTERS_FIXED:
            n, units = cal.SHELTERS_FIXED[d]
        else:
            units = cal.DISTRICTS[d].units
            n = max(1, round(units / cal.UNITS_PER_SHELTER)) if units else 0
        if n:
            n_scaled = max(1, round(n * scale))
            plan[d] = (n_scaled, max(n_scaled, round(units * scale)))
    return plan


def _shelters(
    rng: np.random.Generator, sampler: _Sampler, borough_of: dict[str, str], scale: float
) -> pd.DataFrame:
    types = list(cal.SHELTER_TYPES)
    odds = np.array([v[0] for v in cal.SHELTER_TYPES.values()])
    frames = []
    for district, (n, units) in shelter_plan(scale).items():
        kind = rng.choice(len(types), size=n, p=odds / odds.sum())
        low = np.array([cal.SHELTER_TYPES[t][1] for t in types])[kind]
        high = np.array([cal.SHELTER_TYPES[t][2] for t in types])[kind]
        sizes = _allocate(units, rng.uniform(low, high))
        sites = sampler.clustered(rng, district, n)
        frames.append(
            pd.DataFrame(
                {
                    "shelter_type": np.array(types)[kind],
                    "capacity_units": sizes,
                    "longitude": sites[:, 0].round(6),
                    "latitude": sites[:, 1].round(6),
                    "district": district,
                    "borough": borough_of[district],
                }
            )
        )
    shelters = pd.concat(frames, ignore_index=True)
    shelters.insert(0, "shelter_id", [f"SH{i:04d}" for i in range(1, len(shelters) + 1)])
    return shelters


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` units over shelters in proportion to ``weights``, at least 1 each
    (largest remainders get the leftover units)."""
    n = len(weights)
    share = (total - n) * weights / weights.sum()
    units = np.floor(share).astype(np.int64)
    leftover = total - n - int(units.sum())
    units[np.argsort(-(share - units), kind="stable")[:leftover]] += 1
    return units + 1


def _resources(rng: np.random.Generator, sampler: _Sampler) -> pd.DataFrame:
    """A few dozen resources, more where more students are homeless."""
    need = np.array(
        [cal.DISTRICTS[d].enrollment * cal.DISTRICTS[d].homeless for d in cal.GEOGRAPHIC]
    )
    rows: list[dict[str, object]] = []
    for kind, count in cal.RESOURCES.items():
        for district in rng.choice(cal.GEOGRAPHIC, size=count, p=need / need.sum()):
            lon, lat = sampler.uniform(rng, district, 1)[0]
            rows.append(
                {
                    "resource_id": f"R{len(rows) + 1:03d}",
                    "resource_type": kind,
                    "name": f"{kind} {len(rows) + 1}",
                    "longitude": round(float(lon), 6),
                    "latitude": round(float(lat), 6),
                }
            )
    return pd.DataFrame(rows)
