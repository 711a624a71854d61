"""Editions: next year's atlas, built beside the previous edition's release.

A new edition republishes earlier years. A reader can lay the two editions side by
side, so protection must hold for both together (``atlas build --previous PATH``,
PATH the previous release folder with ``data/atlas_long.csv`` and ``manifest.json``):

* every cell the previous edition withheld (same indicator, layer, geography, group,
  grade band, year and category) stays withheld; these cells enter the complement
  search as fixed hidden cells, and the privacy report counts them under their own
  reason, "previous edition";
* a quantity the previous edition published with the same value as today's is known
  to the reader, even when this edition withholds it: the complement rounds do not
  pick it (hiding it would hide nothing) and the audit treats it as published
  (:attr:`atlas.protect.complement.System.known`);
* a quantity published before with a different value (data corrected since) is not
  the same quantity: it is counted in the report, and not matched;
* a layer whose boundary file changed (the manifests' ``boundaries.<layer>.sha256``
  differ) has ids that no longer name the same places, and the build says so. Its
  cells are not matched by id. The previous edition's geographies are related to this
  edition through the schools in each instead. Their boundaries are read back from
  the previous release (``data/gis/<layer>.gpkg``) and today's schools placed in them.
  One that holds exactly the schools of one of today's is the same place, whatever its
  id, and its cells are matched with that one's. Every one of them, matched or not, is
  also computed for every indicator as for any layer, under an internal name
  (:func:`redrawn_name`) that is never published. Those cells join the protection stage
  as cells of this edition that nobody may see: the ones the previous edition withheld
  stay hidden (complements protect them against today's schools and districts), and
  the ones it published with today's numbers are known. A geography whose numbers
  differ now (a correction, or a school on the old boundary's edge) is left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyogrio.errors import DataLayerError, DataSourceError

from atlas.config import Config
from atlas.errors import InputError, Problem
from atlas.join import locate
from atlas.load import row_list
from atlas.model import FLAGS, Geography
from atlas.protect.complement import System, _shown_quantities, school_sets
from atlas.publish import sha256
from atlas.render.gis import geopackage_path

REASON = "previous edition"
#: The columns that name a cell in both editions.
KEY = ["indicator", "layer", "geo_id", "group", "grade_band", "year", "category"]
LONG = "data/atlas_long.csv"
MANIFEST = "manifest.json"
_TODO = (
    "pass --previous the folder of the previous edition's release (its build/ folder, "
    f"holding {LONG} and {MANIFEST}), as atlas wrote it"
)


@dataclass(frozen=True)
class PreviousEdition:
    """The previous release: its long table (numbers as floats) and its manifest."""

    path: Path
    table: pd.DataFrame
    boundaries: dict[str, str]  # layer -> sha256 of its boundary file
    edition: Any = None


@dataclass
class Carry:
    """What the previous edition says about this edition's cells (aligned with them)."""

    withheld: pd.Series  # withheld there, so withheld here
    numerator: pd.Series  # as published there (NaN where not published or not matched)
    denominator: pd.Series
    changed_layers: list[str] = field(default_factory=list)

    def subset(self, rows: pd.Series) -> Carry:
        """The cells where ``rows`` is true, numbered from 0 as ``cells[rows]``."""

        def pick(s: pd.Series) -> pd.Series:
            return s[rows].reset_index(drop=True)

        return Carry(
            pick(self.withheld),
            pick(self.numerator),
            pick(self.denominator),
            self.changed_layers,
        )


def load_previous(path: Path) -> PreviousEdition:
    """Read and check the previous release folder; an :class:`InputError` names the
    file, what is wrong and what to do."""
    path = Path(path)
    if not path.is_dir():
        raise InputError([Problem(str(path), "is not a folder", _TODO)])
    problems: list[Problem] = []
    boundaries, edition = _read_manifest(path / MANIFEST, problems)
    table = _read_long(path / LONG, problems)
    if problems or table is None:
        raise InputError(problems)
    return PreviousEdition(path=path, table=table, boundaries=boundaries, edition=edition)


def _read_manifest(file: Path, problems: list[Problem]) -> tuple[dict[str, str], Any]:
    if not file.is_file():
        problems.append(Problem(str(file), "no such file", _TODO))
        return {}, None
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(str(file), f"is not valid JSON ({exc})", _TODO))
        return {}, None
    layers = doc.get("boundaries") if isinstance(doc, dict) else None
    bad = not isinstance(layers, dict) or any(
        not isinstance(v, dict) or not isinstance(v.get("sha256"), str) for v in layers.values()
    )
    if bad:
        problems.append(
            Problem(
                str(file),
                "has no 'boundaries' with a sha256 for each layer",
                _TODO,
            )
        )
        return {}, None
    assert isinstance(layers, dict) and isinstance(doc, dict)
    return {str(k): v["sha256"] for k, v in layers.items()}, doc.get("edition")


def _read_long(file: Path, problems: list[Problem]) -> pd.DataFrame | None:
    if not file.is_file():
        problems.append(Problem(str(file), "no such file", _TODO))
        return None
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(str(file), f"cannot be read as CSV ({exc})", _TODO))
        return None
    missing = [c for c in [*KEY, "numerator", "denominator", "flag"] if c not in raw.columns]
    if missing:
        problems.append(Problem(str(file), f"has no column {', '.join(missing)}", _TODO))
        return None
    name = str(file)
    before = len(problems)
    table = raw[KEY].copy()
    for column in ("numerator", "denominator"):
        text = raw[column].str.strip()
        number = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = (text != "") & (number.isna() | (number < 0) | (number % 1 != 0))
        if bad.any():
            rows = row_list(np.flatnonzero(bad.to_numpy()))
            problems.append(
                Problem(f"{name} {rows}", f"{column} is not a whole number of zero or more", _TODO)
            )
        table[column] = number
    flag = raw["flag"]
    unknown = ~flag.isin(FLAGS)
    if unknown.any():
        rows = row_list(np.flatnonzero(unknown.to_numpy()))
        problems.append(Problem(f"{name} {rows}", "flag is not one atlas writes", _TODO))
    table["flag"] = flag
    numbers = table[["numerator", "denominator"]].notna().any(axis=1)
    leaked = (flag == "withheld") & numbers
    if leaked.any():
        rows = row_list(np.flatnonzero(leaked.to_numpy()))
        problems.append(Problem(f"{name} {rows}", "a withheld cell carries a number", _TODO))
    twice = table.duplicated(KEY, keep="first")
    if twice.any():
        rows = row_list(np.flatnonzero(twice.to_numpy()))
        problems.append(Problem(f"{name} {rows}", "the same cell appears twice", _TODO))
    return table if len(problems) == before else None


def checksums(config: Config) -> dict[str, str]:
    """Each layer's boundary file checksum, as the manifest records it."""
    return {layer.name: sha256(config.path(layer.file)) for layer in config.layers}


def changed_layers(previous: PreviousEdition, current: dict[str, str]) -> list[str]:
    """Layers of this edition whose boundary file differs from the previous edition's,
    or whose cells it published without listing the file's checksum. (A layer new in
    this edition has no cells to compare.)"""
    published = set(previous.table["layer"])
    return sorted(
        layer
        for layer, sha in current.items()
        if previous.boundaries.get(layer, sha if layer not in published else None) != sha
    )


def changed_message(changed: list[str]) -> str:
    return (
        f"boundary file changed since the previous edition for {', '.join(changed)}: "
        "their ids may no longer name the same places, so their cells are compared with "
        "the previous edition's through the schools in each geography, not by id"
    )


def redrawn_name(layer: str) -> str:
    """The internal name of a redrawn layer's previous geographies (never published)."""
    return f"{layer}@previous"


@dataclass
class Redrawn:
    """A redrawn layer's previous geographies, as this edition relates them."""

    layers: dict[str, Geography]  # by redrawn_name
    schools: pd.DataFrame  # the schools, with a column for each layer of ``layers``
    #: Per changed layer, previous id -> today's id of the geographies holding exactly
    #: the same schools: the same place, whatever its id.
    same: dict[str, dict[str, str]]


def redrawn_layers(
    previous: PreviousEdition, changed: list[str], schools: pd.DataFrame, config: Config
) -> Redrawn:
    """The previous edition's geographies of each ``changed`` layer, read from its
    release, by :func:`redrawn_name`; ``schools`` with a column for each, naming the
    geography the school lies in (or, for the district layer, the district the school
    names, as atlas assigns schools to districts); and which of them hold the same
    schools as one of today's."""
    problems: list[Problem] = []
    layers: dict[str, Geography] = {}
    for layer in changed:
        file = previous.path / geopackage_path(layer)
        try:
            frame = gpd.read_file(file, layer=layer)
        except (DataSourceError, DataLayerError) as exc:  # no such file, layer, or a GPKG
            problems.append(
                Problem(
                    str(file),
                    f"cannot be read as the previous edition's {layer} boundaries ({exc})",
                    f"{_TODO}; its data/gis folder holds the boundaries of each layer",
                )
            )
            continue
        missing = {"geo_id", "geo_name"} - set(frame.columns)
        if missing:
            problems.append(
                Problem(str(file), f"has no column {', '.join(sorted(missing))}", _TODO)
            )
            continue
        frame["geo_id"] = frame["geo_id"].astype(str)
        frame["parent_id"] = None
        layers[redrawn_name(layer)] = Geography(redrawn_name(layer), layer, frame.to_crs(4326))
    if problems:
        raise InputError(problems)
    # Warnings about schools outside the old boundaries are not the reader's concern:
    # such a school counted in no old geography, and is left out of them here too.
    located, _ = locate(schools, layers, config=config, fname="schools", what="schools")
    district = config.district_layer.name
    if district in changed:
        located[redrawn_name(district)] = located[district]
    same = {layer: _same_schools(located, layer) for layer in changed}
    return Redrawn(layers, located, same)


def _same_schools(schools: pd.DataFrame, layer: str) -> dict[str, str]:
    """Previous id -> today's id of ``layer``'s geographies with the same schools."""
    today = {found: geo for geo, found in school_sets(schools, layer).items()}
    before = school_sets(schools, redrawn_name(layer))
    return {str(old): str(today[found]) for old, found in before.items() if found in today}


def carry(
    previous: PreviousEdition,
    cells: pd.DataFrame,
    changed: list[str],
    same: Mapping[str, Mapping[str, str]] | None = None,
) -> Carry:
    """Match this edition's ``cells`` with the previous edition's by :data:`KEY`. The
    ``changed`` layers' previous cells match the cells of :func:`redrawn_name`, and
    also, where ``same`` maps a previous geography to today's with the same schools,
    today's cells of that geography."""
    key = cells.reindex(columns=KEY).astype(object)
    key["category"] = key["category"].where(key["category"].notna(), "")
    key = key.astype(str)
    table = previous.table
    moved = table["layer"].isin(changed)
    parts = [table[~moved], table[moved].assign(layer=table.loc[moved, "layer"].map(redrawn_name))]
    for layer, ids in (same or {}).items():
        rows = table[(table["layer"] == layer) & table["geo_id"].isin(list(ids))]
        parts.append(rows.assign(geo_id=rows["geo_id"].map(ids)))
    old = pd.concat(parts, ignore_index=True)
    joined = key.merge(old, on=KEY, how="left", validate="many_to_one")
    joined.index = cells.index
    numerator = joined["numerator"].astype(float)
    denominator = joined["denominator"].astype(float)
    # A coded rate showed its denominator and a bound, not its numerator. The audit
    # grants a reader its counts all the same (a stronger reader, so passing is still a
    # proof): where the denominator is today's, so is the numerator it stood for.
    coded = joined["flag"].isin(["top_coded", "bottom_coded"]) & (
        denominator == cells["denominator"].astype(float)
    )
    return Carry(
        withheld=joined["flag"] == "withheld",
        numerator=numerator.where(~coded, cells["numerator"].astype(float)),
        denominator=denominator,
        changed_layers=list(changed),
    )


def comparable(cells: pd.DataFrame, carried: Carry, internal: pd.Series) -> pd.Series:
    """The cells to protect: all of this edition's, and those of the ``internal``
    (redrawn) layers that the previous edition withheld or published with the same
    numbers; a geography published with other numbers is not the same quantity."""

    def same(now: pd.Series, was: pd.Series) -> pd.Series:
        return (now.astype(float) == was) | (now.isna() & was.isna())

    published_same = same(cells["numerator"], carried.numerator) & same(
        cells["denominator"], carried.denominator
    )
    return ~internal | carried.withheld | (published_same & carried.numerator.notna())


def know_published(
    system: System, cells: pd.DataFrame, carried: Carry, count_indicators: set[str]
) -> dict[str, int]:
    """Mark in ``system.known`` the quantities the previous edition published with the
    value they have now; ``cells`` are the cells ``system`` was built from, ``carried``
    aligned with them by position. Returns how
    many quantities are known, and how many were published with another value."""
    before = cells.reset_index(drop=True)
    before = before.assign(
        numerator=carried.numerator.to_numpy(), denominator=carried.denominator.to_numpy()
    )
    was = _shown_quantities(before, count_indicators)
    on = ["cell", "family", "measure", "group"]
    now = system.shown[[*on, "q"]].drop_duplicates()
    both = was[[*on, "value"]].merge(now, on=on)
    same = both["value"].to_numpy() == system.value[both["q"].to_numpy()]
    system.known[both.loc[same, "q"].to_numpy()] = True
    corrected = np.setdiff1d(both.loc[~same, "q"].unique(), np.flatnonzero(system.known))
    return {"known": int(system.known.sum()), "corrected": int(len(corrected))}


def through_schools(carried: Carry | None, internal: pd.Series, redrawn: Redrawn) -> dict[str, Any]:
    """How many cells of the redrawn layers' previous geographies were protected, how
    many of them the previous edition withheld, and how many of those geographies hold
    the same schools as one of today's (per layer)."""
    withheld = carried.withheld if carried is not None else internal & False
    return {
        "cells": int(internal.sum()),
        "withheld_before": int((withheld & internal).sum()),
        "same_schools": {
            layer: {
                "geographies": int(len(redrawn.layers[redrawn_name(layer)].frame)),
                "same_schools_as_today": len(ids),
            }
            for layer, ids in redrawn.same.items()
        },
    }


def summary(
    previous: PreviousEdition,
    carried: Carry,
    known: dict[str, int],
    primary: pd.Series,
    redrawn: dict[str, Any],
) -> dict[str, Any]:
    """The privacy report's section on the previous edition; ``redrawn`` says what
    :func:`through_schools` found."""
    return {
        "path": str(previous.path.resolve()),
        "edition": previous.edition,
        "changed_layers": carried.changed_layers,
        "redrawn_geography_cells": redrawn,
        "withheld_before": int(carried.withheld.sum()),
        "carried": int((carried.withheld & ~primary).sum()),
        "known_quantities": known["known"],
        "corrected_quantities": known["corrected"],
    }
