"""The data files of a rendered release, read back -> what differs from the protected table.

The long CSV must be exactly :func:`atlas.render.long_csv.long_text` of the protected
table (the formatter the pages' numbers are checked against too). Every other table
and GIS file is read back as cells (year, layer, geography, group, band, indicator,
type: a number and a flag), and each cell must be a row of the long table with the same
flag and the same number, or no number; the long-form files (Parquet, the
GeoPackages' ``cells``) and the wide CSVs must also hold every row they should. The
XLSX workbook is read back by the tests (openpyxl is slow on a whole release).
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio

from atlas.audit.examples import example, match
from atlas.model import LONG_COLUMNS
from atlas.render.long_csv import PATH as LONG_CSV
from atlas.render.long_csv import long_text
from atlas.render.tables import WIDE_KEYS

KEY = ["year", "layer", "geo_id", "group", "grade_band", "indicator", "category"]
NUMBERS = ["numerator", "denominator", "value"]


def _float(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.replace("", None)).astype("float64")


def read_wide(content: bytes, indicator: str) -> pd.DataFrame:
    """A wide CSV -> its cells (KEY, value, flag), cells the release lacks left out."""
    wide = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    groups = [c for c in wide.columns if c not in WIDE_KEYS and not c.endswith("_flag")]
    parts = [
        wide[list(WIDE_KEYS)].assign(
            group=g, indicator=indicator, value=_float(wide[g]), flag=wide[f"{g}_flag"]
        )
        for g in groups
    ]
    cells = pd.concat(parts, ignore_index=True)
    return cells[(cells["flag"] != "") | cells["value"].notna()]


def read_geojson(content: bytes) -> pd.DataFrame:
    """A layer's GeoJSON -> its cells (all grades, all types)."""
    doc = json.loads(content)
    name = doc["name"]
    layer = name[: name.index("-")]
    rows = []
    for feature in doc["features"]:
        props = feature["properties"]
        for key, value in props.items():
            if key in ("geo_id", "geo_name", "year", "indicator") or key.endswith("_flag"):
                continue
            flag = props[f"{key}_flag"]
            if value is None and flag is None:
                continue
            rows.append(
                (
                    props["year"],
                    layer,
                    props["geo_id"],
                    key,
                    "all",
                    props["indicator"],
                    "",
                    np.nan if value is None else float(value),
                    flag or "",
                )
            )
    return pd.DataFrame(rows, columns=[*KEY, "value", "flag"])


def read_datawrapper(content: bytes, path: str, year: str) -> pd.DataFrame:
    """A Datawrapper CSV (``<layer>-<indicator>-<group>.csv``) -> its cells."""
    layer, indicator, group = path.rsplit("/", 1)[1].removesuffix(".csv").split("-")
    frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    cells = pd.DataFrame(
        {
            "year": year,
            "layer": layer,
            "geo_id": frame["geo_id"],
            "group": group,
            "grade_band": "all",
            "indicator": indicator,
            "category": "",
            "value": _float(frame["value"]),
            "flag": frame["flag"],
        }
    )
    return cells[(cells["flag"] != "") | cells["value"].notna()]


def read_long(content: bytes, path: str) -> pd.DataFrame:
    """The Parquet long table, or a GeoPackage's ``cells`` table -> its rows."""
    if path.endswith(".parquet"):
        frame = pq.read_table(io.BytesIO(content)).to_pandas()
    else:
        with tempfile.TemporaryDirectory(prefix="atlas-audit-") as folder:
            copy = Path(folder) / "cells.gpkg"  # GDAL wants the extension
            copy.write_bytes(content)
            frame = pyogrio.read_dataframe(copy, layer="cells", use_arrow=True)
    frame = pd.DataFrame(frame)[list(LONG_COLUMNS)]
    for name in NUMBERS:
        frame[name] = pd.to_numeric(frame[name]).astype("float64")
    for name in set(LONG_COLUMNS) - set(NUMBERS):
        frame[name] = frame[name].fillna("").astype(str)
    return frame


def _differences(
    what: str, got: pd.DataFrame, expected: pd.DataFrame, *, complete: bool
) -> list[str]:
    found, failures = match(
        got,
        expected,
        KEY,
        lambda n, row: (
            f"{what}: {n} cell(s) not in the long table, for example {row[KEY].to_dict()}"
        ),
    )
    for column in (*NUMBERS, "flag", "geo_name", "note"):
        if column in got.columns:
            failures += _column_differs(what, found, column)
    if len(got) != len(got.drop_duplicates(KEY)):
        failures.append(f"{what}: a cell appears more than once")
    if complete and len(found) != len(expected):
        failures.append(f"{what}: holds {len(found)} of the long table's {len(expected)} rows")
    return failures


def _column_differs(what: str, found: pd.DataFrame, column: str) -> list[str]:
    """The cells of ``found`` whose ``column`` is not the long table's (numbers: NaN = NaN)."""
    a, b = found[column], found[f"{column}_expected"]
    differ = ~((a == b) | (a.isna() & b.isna())) if column in NUMBERS else a != b
    return example(
        found[differ],
        lambda n, row: (
            f"{what}: {n} cell(s) whose {column} differs from the long table, for "
            f"example {row[column]!r} instead of {row[f'{column}_expected']!r} "
            f"for {row[KEY].to_dict()}"
        ),
    )


def _like(pieces: dict[tuple[str, str, str], pd.DataFrame], got: pd.DataFrame) -> pd.DataFrame:
    """The long rows a map file should hold: those of the same year, layer, indicator,
    group(s), band and type as the cells read from it (``pieces``: the long rows by year,
    layer and indicator)."""
    if got.empty:
        return pd.DataFrame(columns=got.columns)
    wanted = got[["year", "layer", "indicator"]].drop_duplicates().itertuples(index=False)
    found = [pieces[tuple(k)] for k in wanted if tuple(k) in pieces]  # type: ignore[index]
    if not found:
        return pd.DataFrame(columns=got.columns)
    rows = pd.concat(found)
    keep = pd.Series(True, index=rows.index)
    for column in ("grade_band", "category", "group"):
        keep &= rows[column].isin(set(got[column]))
    return rows[keep]


def check_downloads(files: dict[str, bytes], table: pd.DataFrame, precision: int) -> list[str]:
    """Every data file of ``files`` against the protected ``table``; [] when all agree."""
    if LONG_CSV not in files:
        return []
    text = long_text(table, precision=precision)
    failures = []
    written = pd.read_csv(io.BytesIO(files[LONG_CSV]), dtype=str, keep_default_na=False)
    if list(written.columns) != list(LONG_COLUMNS) or not written.equals(
        text.reset_index(drop=True)
    ):
        failures.append(f"{LONG_CSV} differs from the protected table")
    expected = text.copy()
    for name in NUMBERS:
        expected[name] = _float(expected[name])
    latest = max(text["year"]) if len(text) else ""
    by_indicator = dict(tuple(expected.groupby("indicator", sort=False)))
    by_layer = dict(tuple(expected.groupby("layer", sort=False)))
    pieces = dict(tuple(expected.groupby(["year", "layer", "indicator"], sort=False)))
    for path, content in files.items():
        if not path.startswith("data/") or path == LONG_CSV:
            continue
        parts = path.split("/")
        if path.endswith(".parquet"):
            failures += _differences(path, read_long(content, path), expected, complete=True)
        elif path.endswith(".gpkg"):
            layer = parts[-1].removesuffix(".gpkg")
            failures += _differences(
                path, read_long(content, path), by_layer.get(layer, expected[:0]), complete=True
            )
        elif parts[1] == "wide":
            indicator = parts[2].removesuffix(".csv")
            failures += _differences(
                path,
                read_wide(content, indicator),
                by_indicator.get(indicator, expected[:0]),
                complete=True,
            )
        elif parts[1] == "datawrapper":
            got = read_datawrapper(content, path, latest)
            failures += _differences(path, got, _like(pieces, got), complete=True)
        elif path.endswith(".geojson"):
            got = read_geojson(content)
            failures += _differences(path, got, _like(pieces, got), complete=True)
    return failures
