"""Shelters and community resources (points) -> counts of places per geography and type.

These count places, not students: ``shelters`` (how many), ``shelter_capacity`` (their
family units) and ``resources`` (how many community resources), for the city and every
layer but ``school``, with housing group and grade band ``all``. The type is in the
long table's ``category`` column, as the source writes it (``shelter_type``,
``resource_type``); the row with an empty ``category`` is every type together.

A place counts in the geography its point lies in (``atlas.join.locate``); one in no
polygon of a layer counts in the city only. A table with a ``school_year`` column is
counted year by year; without one it describes the latest year alone. Every geography
with a polygon gets a row for every type, zero when it has none of that type (a true
zero); districts without geography (NYC's 75 and 79) get no rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from atlas.model import CITY_LAYER, Geography

#: (indicator, table, type column, summed column or None for a count of rows)
PLACE_MEASURES: tuple[tuple[str, str, str, str | None], ...] = (
    ("shelters", "shelters", "shelter_type", None),
    ("shelter_capacity", "shelters", "shelter_type", "capacity_units"),
    ("resources", "resources", "resource_type", None),
)
_KEYS = ["year", "layer", "geo_id", "category"]


def place_cells(
    tables: dict[str, pd.DataFrame | None],
    layers: dict[str, Geography],
    years: Sequence[str],
) -> pd.DataFrame:
    """Cells (CELL_COLUMNS plus ``category``) of every place indicator whose table is given.

    ``tables`` maps ``shelters`` and ``resources`` to their located frames (one column
    per layer with the geo_id each place lies in).
    """
    parts = []
    for indicator, name, type_column, measure in PLACE_MEASURES:
        frame = tables.get(name)
        if frame is None:
            continue
        frame = _dated(frame, years)
        kinds = sorted(set(frame[type_column].dropna().astype(str).str.strip()) - {""})
        dated = "school_year" in tables[name].columns  # type: ignore[union-attr]
        counted_years = list(years) if dated else list(years[-1:])
        amount = frame[measure].astype(float) if measure else pd.Series(1.0, index=frame.index)
        places = pd.DataFrame(
            {
                "year": frame["year"],
                "category": frame[type_column].astype(str).str.strip(),
                "amount": amount,
            }
        )
        for layer, ids in _geographies(layers).items():
            where = (
                pd.Series(CITY_LAYER, index=frame.index) if layer == CITY_LAYER else frame[layer]
            )
            located = places.assign(layer=layer, geo_id=where).dropna(subset=["geo_id"])
            located["geo_id"] = located["geo_id"].astype(str)
            by_type = located.groupby(_KEYS)["amount"].sum()
            total = located.assign(category="").groupby(_KEYS)["amount"].sum()
            sums = pd.concat([by_type, total])
            grid = pd.MultiIndex.from_product(
                [counted_years, [layer], ids, ["", *kinds]], names=_KEYS
            )
            counted = sums.reindex(grid, fill_value=0.0).reset_index()
            parts.append(
                counted.rename(columns={"amount": "numerator"}).assign(
                    indicator=indicator, group="all", grade_band="all", denominator=np.nan
                )
            )
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def _dated(frame: pd.DataFrame, years: Sequence[str]) -> pd.DataFrame:
    """The rows that count, with the year they count in."""
    if "school_year" in frame.columns:
        return frame[frame["school_year"].isin(years)].assign(year=lambda f: f["school_year"])
    return frame.assign(year=years[-1])


def _geographies(layers: dict[str, Geography]) -> dict[str, list[str]]:
    """The city and, per layer, the ids of the geographies that have a polygon."""
    out = {CITY_LAYER: [CITY_LAYER]}
    for name, geo in layers.items():
        frame = geo.frame
        out[name] = [str(g) for g in frame.loc[frame.geometry.notna(), "geo_id"]]
    return out
