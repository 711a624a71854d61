"""A built atlas -> its ProtectedRelease again, without recomputing or re-protecting.

The release's long table is the build's ``data/atlas_long.csv`` (every protected cell,
withheld ones included), and its boundaries are read from the project's config, so
render-only benchmarks and print checks can start in seconds instead of minutes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from atlas.boundaries import read_layers
from atlas.config import load_config
from atlas.model import LONG_COLUMNS, ProtectedRelease
from atlas.pipeline import _meta


def release_from_build(config_path: Path, build: Path) -> ProtectedRelease:
    """The release of the atlas that ``config_path`` describes, as built into ``build``."""
    config = load_config(config_path)
    layers, _ = read_layers(config)
    numeric = ("numerator", "denominator", "value")
    text = {c: str for c in LONG_COLUMNS if c not in numeric}
    table = pd.read_csv(build / "data" / "atlas_long.csv", dtype=text, keep_default_na=False)
    for column in numeric:
        table[column] = pd.to_numeric(table[column].replace("", np.nan))
    years = tuple(sorted(table["year"].unique()))
    return ProtectedRelease(
        table=table[list(LONG_COLUMNS)],
        geographies=layers,
        district_layer=config.district_layer.name,
        years=years,
        meta=_meta(config),
    )
