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
  differ) has ids that no longer name the same places: its cells are neither carried
  nor matched, and the build says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.config import Config
from atlas.errors import InputError, Problem
from atlas.load import row_list
from atlas.model import FLAGS
from atlas.protect.complement import System, _shown_quantities
from atlas.publish import sha256

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
        "their ids may no longer name the same places, so their cells are not carried "
        "over nor compared with the previous edition"
    )


def carry(previous: PreviousEdition, cells: pd.DataFrame, changed: list[str]) -> Carry:
    """Match this edition's ``cells`` with the previous edition's by :data:`KEY`, except
    in the ``changed`` layers."""
    key = cells.reindex(columns=KEY).astype(object)
    key["category"] = key["category"].where(key["category"].notna(), "")
    key = key.astype(str)
    old = previous.table[~previous.table["layer"].isin(changed)]
    joined = key.merge(old, on=KEY, how="left", validate="many_to_one")
    joined.index = cells.index
    was_withheld = (joined["flag"] == "withheld") & ~cells["layer"].isin(changed)
    return Carry(
        withheld=was_withheld,
        numerator=joined["numerator"].astype(float),
        denominator=joined["denominator"].astype(float),
        changed_layers=list(changed),
    )


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


def summary(
    previous: PreviousEdition, carried: Carry, known: dict[str, int], primary: pd.Series
) -> dict[str, Any]:
    """The privacy report's section on the previous edition."""
    return {
        "path": str(previous.path.resolve()),
        "edition": previous.edition,
        "changed_layers": carried.changed_layers,
        "withheld_before": int(carried.withheld.sum()),
        "carried": int((carried.withheld & ~primary).sum()),
        "known_quantities": known["known"],
        "corrected_quantities": known["corrected"],
    }
