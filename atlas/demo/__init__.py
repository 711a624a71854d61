"""A seed, a scale and a first school year -> a synthetic New York City project folder.

The demo city has real district boundaries and made-up schools, shelters and
students, drawn so that its atlas lands near the published figures in CALIBRATION.md
(see :mod:`atlas.demo.calibration`). It writes exactly what a user would have: an
``atlas.toml``, the extracts under ``data/`` and the boundary files under
``boundaries/``, which the build then reads through the normal loaders and validation.
The same seed and scale give byte-identical files.

Modules: :mod:`~atlas.demo.places` (schools, shelters, resources in the polygons),
:mod:`~atlas.demo.students` (who is enrolled, where they slept, how high school ends),
:mod:`~atlas.demo.outcomes` (absences, tests, ELL, suspensions, transfers) and
:mod:`~atlas.demo.records` (spells and files).
"""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from atlas.boundaries import read_layers
from atlas.config import load_config
from atlas.demo.places import SCHOOL_COLUMNS, SHELTER_COLUMNS, make_places
from atlas.demo.records import cohorts_frame, school_years, student_ids, write_enrollment
from atlas.demo.students import make_panel
from atlas.resources import data_path

__all__ = ["generate_city"]


def generate_city(
    out: Path,
    *,
    scale: float = 0.05,
    seed: int = 2015,
    first_year: str = "2010-11",
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the demo project into ``out``; return the path of its ``atlas.toml``.

    ``scale`` 1 is New York City (about 1.1 million students a year); the five school
    years start with ``first_year`` (as 2010-11), and the edition is the last one's end.
    """
    say = progress or (lambda _message: None)
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "boundaries").mkdir(exist_ok=True)
    years = school_years(first_year)
    template = resources.files("atlas.demo").joinpath("atlas.toml").read_text("utf-8")
    text = template.format(edition=int(years[-1][:4]) + 1, seed=seed)
    toml = out / "atlas.toml"
    toml.write_text(text, "utf-8")
    source = data_path("boundaries")
    for name in _boundary_files(text):
        target = out / name
        shutil.copyfile(source / Path(name).name, target)
        target.chmod(0o644)
    (out / "boundaries" / "README.md").write_text(
        (source / "README.md").read_text("utf-8"), "utf-8"
    )

    rng = np.random.default_rng(seed)
    config = load_config(toml)
    layers, _ = read_layers(config)
    say("Placing schools, shelters and resources")
    places = make_places(
        rng,
        layers,
        district_layer=config.district_layer.name,
        districts_csv=out / "boundaries" / "districts.csv",
        scale=scale,
    )
    say("Drawing students and their housing histories")
    panel = make_panel(rng, scale)
    ids = student_ids(rng, len(panel.home))
    say("Writing enrollment spells")
    data = out / "data"
    write_enrollment(data / "enrollment.parquet", rng, panel, places, years, ids)
    _csv(cohorts_frame(panel, years, ids), data / "cohorts.csv")
    _csv(places.schools[SCHOOL_COLUMNS], data / "schools.csv")
    _csv(places.shelters[SHELTER_COLUMNS], data / "shelters.csv")
    _csv(places.resources, data / "resources.csv")
    return toml


def _boundary_files(toml_text: str) -> list[str]:
    """The boundary and attribute files the demo's atlas.toml names."""
    layers = tomllib.loads(toml_text)["layers"]
    files = [layer["file"] for layer in layers]
    files += [layer["attributes"] for layer in layers if layer.get("attributes")]
    return sorted(set(files))


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")
