"""``atlas table``: one indicator's table from a built release, as CSV, XLSX or JSON.

It reads only the published files (``data/atlas_long.csv`` and ``manifest.json`` of the
build folder), never the records, and lays the rows out as the wide CSVs do: a row per
year, layer, geography, grade band (and type, for places), two columns per housing
group, the number and its flag.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from openpyxl import Workbook

from atlas.errors import AtlasError
from atlas.model import CITY_LAYER, LONG_COLUMNS, SCHOOL_LAYER
from atlas.render.long_csv import PATH as LONG_CSV
from atlas.render.tables import WIDE_KEYS, wide_text

FORMATS = ("csv", "xlsx", "json")


class TableError(AtlasError):
    """The build folder, or a choice of indicator, layer, group or year, is wrong."""


def read_long(build: Path) -> pd.DataFrame:
    """The published long table, as text (exactly as the CSV holds it)."""
    path = build / LONG_CSV
    if not path.is_file():
        raise TableError(
            f"{build} holds no built atlas ({LONG_CSV} is missing): run 'atlas build' "
            "first, or give the build folder with --build"
        )
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in LONG_COLUMNS}, strings_can_be_null=False
        ),
    )
    return table.to_pandas()


def _layers(build: Path) -> list[str]:
    manifest = build / "manifest.json"
    names: list[str] = []
    if manifest.is_file():
        config = json.loads(manifest.read_text(encoding="utf-8")).get("config", {})
        names = [layer["name"] for layer in config.get("layers", [])]
    return [CITY_LAYER, *names, SCHOOL_LAYER]


def _choose(text: pd.DataFrame, column: str, value: str | None, what: str) -> pd.DataFrame:
    if value is None:
        return text
    known = sorted(set(text[column]))
    if value not in known:
        raise TableError(f"unknown {what} {value!r}; the known ones are: {', '.join(known)}")
    return text[text[column] == value]


def pull_table(
    build: Path,
    indicator: str,
    *,
    layer: str | None = None,
    group: str | None = None,
    year: str | None = None,
) -> pd.DataFrame:
    """The wide table of ``indicator``, narrowed to a layer, a housing group, a year."""
    text = read_long(build)
    known = sorted(set(text["indicator"]))
    if indicator not in known:
        raise TableError(f"unknown indicator {indicator!r}; the known ones are: {', '.join(known)}")
    text = text[text["indicator"] == indicator]
    text = _choose(text, "layer", layer, "layer")
    text = _choose(text, "group", group, f"housing group for {indicator}")
    text = _choose(text, "year", year, "year")
    return wide_text(text, indicator, _layers(build))


def _number(text: str) -> int | float | None:
    if text == "":
        return None
    return float(text) if "." in text else int(text)


def records(wide: pd.DataFrame) -> list[dict[str, object]]:
    """The wide table as JSON records: numbers as numbers, empty as null."""
    out = []
    for row in wide.to_dict(orient="records"):
        out.append(
            {
                k: v if k in WIDE_KEYS else (v or None) if k.endswith("_flag") else _number(v)
                for k, v in row.items()
            }
        )
    return out


def table_bytes(wide: pd.DataFrame, fmt: str, *, sheet: str) -> bytes:
    """The table in ``fmt``: CSV (UTF-8), XLSX (one sheet, numbers as numbers) or JSON."""
    if fmt == "csv":
        return wide.to_csv(index=False, lineterminator="\n").encode("utf-8")
    if fmt == "json":
        return json.dumps(records(wide), ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    ws.append(list(wide.columns))
    for record in records(wide):
        ws.append(list(record.values()))
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()
