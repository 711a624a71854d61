"""A seed, a scale and a first school year -> a synthetic New York City project folder.

The demo city has real district boundaries and made-up schools, shelters and
students, drawn so that its atlas lands near the published figures in CALIBRATION.md
(see :mod:`atlas.demo.calibration`). It writes exactly what a user would have: an
``atlas.toml``, the extracts under ``data/`` and the boundary files under
``boundaries/``, which the build then reads through the normal loaders and
validation. The same seed and scale give byte-identical files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from atlas.boundaries import read_layers
from atlas.config import load_config
from atlas.demo.places import make_places
from atlas.demo.records import cohorts_table, enrollment_table, school_years, student_ids
from atlas.demo.students import make_panel
from atlas.resources import data_path

__all__ = ["generate_city"]

#: Boundary files the demo's atlas.toml names.
BOUNDARY_FILES = (
    "school_districts.geojson",
    "districts.csv",
    "boroughs.geojson",
    "community_districts.geojson",
    "city_council.geojson",
    "state_assembly.geojson",
    "state_senate.geojson",
)


def generate_city(
    out: Path,
    *,
    scale: float = 0.05,
    seed: int = 2015,
    first_year: str = "2010-11",
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the demo project into ``out``; return the path of its ``atlas.toml``."""
    say = progress or (lambda _message: None)
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "boundaries").mkdir(exist_ok=True)
    years = school_years(first_year)
    template = resources.files("atlas.demo").joinpath("atlas.toml").read_text("utf-8")
    toml = out / "atlas.toml"
    toml.write_text(template.format(edition=int(years[-1][:4]) + 1, seed=seed), "utf-8")
    source = data_path("boundaries")
    for name in BOUNDARY_FILES:
        target = out / "boundaries" / name
        shutil.copyfile(source / name, target)
        target.chmod(0o644)
    (out / "boundaries" / "README.md").write_text(
        (source / "README.md").read_text("utf-8"), "utf-8"
    )

    rng = np.random.default_rng(seed)
    config = load_config(toml)
    layers, _ = read_layers(config)
    borough_of = _boroughs(source / "districts.csv")
    say("Placing schools, shelters and resources")
    places = make_places(
        rng, layers, district_layer=config.district_layer.name, borough_of=borough_of, scale=scale
    )
    say("Drawing students and their housing histories")
    panel = make_panel(rng, scale)
    ids = student_ids(rng, len(panel.district))
    say("Writing enrollment spells")
    enrollment = enrollment_table(rng, panel, places, years, ids)
    pq.write_table(enrollment, out / "data" / "enrollment.parquet", compression="zstd")
    cohorts_table(rng, panel, years, ids).to_csv(out / "data" / "cohorts.csv", index=False)
    places.schools.drop(columns="band").to_csv(out / "data" / "schools.csv", index=False)
    places.shelters.drop(columns="district").to_csv(out / "data" / "shelters.csv", index=False)
    places.resources.to_csv(out / "data" / "resources.csv", index=False)
    return toml


def _boroughs(districts_csv: Path) -> dict[str, str]:
    """District -> BoroCode of its borough (from districts.csv's borough names)."""
    codes = {"Manhattan": "1", "Bronx": "2", "Brooklyn": "3", "Queens": "4", "Staten Island": "5"}
    import csv

    with open(districts_csv, newline="", encoding="utf-8") as handle:
        return {r["district"]: codes.get(r["borough"], "1") for r in csv.DictReader(handle)}
