"""The protected long table -> the downloads journalists read: the long table as Parquet,
a wide CSV per indicator, one XLSX workbook, and a Datawrapper CSV per citywide map.

Every file here is a reshaping of :func:`atlas.render.long_csv.long_text`, the text of
the audited long table, and of nothing else: a number reads in each file exactly as it
reads in ``data/atlas_long.csv`` (the tests read each file back and compare), and a
cell that may not show a number is empty, with its flag beside it.

Choices, documented in the workbook's "Data notes" sheet and in docs/downloads.md:

* Wide CSVs are UTF-8 with a byte-order mark, so that spreadsheet programs read names
  with accents correctly; the long CSV and the Datawrapper CSVs are plain UTF-8, as
  programs expect. Rates are percent (12.3 is 12.3%), counts whole numbers.
* A wide table has a row per year, layer, geography, grade band (and type, for places)
  and two columns per housing group: ``<group>`` (the number, empty where none may be
  shown) and ``<group>_flag``. A cell the release does not hold (a group not computed
  for that year) has an empty number and an empty flag.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from atlas.model import (
    BAND_LABELS,
    CITY_LAYER,
    FLAG_LABELS,
    FLAGS,
    GRADE_BANDS,
    GROUP_LABELS,
    GROUPS,
    INDICATOR_INFO,
    LONG_COLUMNS,
    SCHOOL_LAYER,
    ProtectedRelease,
    ReleaseMeta,
)
from atlas.render.format import MARKS
from atlas.render.long_csv import PATH as LONG_CSV

LONG_PARQUET = "data/atlas_long.parquet"
WORKBOOK = "data/atlas_tables.xlsx"
BOM = "\ufeff"

#: The citywide maps of the site, as (indicator, housing group) on the district layer
#: in the latest year: each gets a CSV ready for Datawrapper.
CITYWIDE_MAPS: tuple[tuple[str, str], ...] = (("share_of_students", "homeless"),)

#: Columns that identify a row of a wide table, in order.
WIDE_KEYS: tuple[str, ...] = ("year", "layer", "geo_id", "geo_name", "grade_band", "category")
DATAWRAPPER_COLUMNS: tuple[str, ...] = ("geo_id", "name", "value", "flag")
SHOWN_FLAGS = ("published", "top_coded", "bottom_coded")


def wide_path(indicator: str) -> str:
    return f"data/wide/{indicator}.csv"


def datawrapper_path(layer: str, indicator: str, group: str) -> str:
    return f"data/datawrapper/{layer}-{indicator}-{group}.csv"


@dataclass(frozen=True)
class Download:
    """One file readers can download: a data file in the downloads list of a page (by
    format), or a file on the downloads page (with its description)."""

    path: str  # relative to the release's root, for example "data/wide/students.csv"
    label: str
    format: str  # "CSV", "XLSX", "Parquet", "GeoJSON", "GeoPackage", "JSON", "PDF"
    description: str = ""  # what the downloads page says of it


def citation(meta: ReleaseMeta, date: dt.date) -> str:
    """How to cite the release: the configured citation (or one made of the publisher,
    title and edition), the date it was published, and where (config ``url``)."""
    text = meta.citation or f"{meta.publisher}. {meta.title}, {meta.edition} edition."
    text = text.rstrip()
    if not text.endswith("."):
        text += "."
    text += f" Published {date.isoformat()}."
    if meta.url:
        text += f" {meta.url}"
    return text


def layer_order(release: ProtectedRelease) -> list[str]:
    """Layers from the city down: city, the configured layers in order, schools."""
    return [CITY_LAYER, *release.geographies, SCHOOL_LAYER]


def _natural(ids: pd.Series) -> pd.Series:
    text = ids.astype(str)
    digits = text.str.fullmatch(r"\d+")
    number = pd.to_numeric(text.where(digits), errors="coerce").fillna(-1)
    return pd.Series(list(zip((~digits).astype(int), number, text, strict=True)), index=ids.index)


def sort_rows(frame: pd.DataFrame, layers: list[str]) -> pd.DataFrame:
    """Rows in reading order: year, layer (city first), geography (2 before 10), band."""
    rank = {name: i for i, name in enumerate(layers)}
    band = {b: i for i, b in enumerate(GRADE_BANDS)}
    keys = pd.DataFrame(
        {
            "year": frame["year"],
            "layer": frame["layer"].map(lambda x: rank.get(x, len(rank))),
            "geo": _natural(frame["geo_id"]),
            "band": frame["grade_band"].map(lambda x: band.get(x, len(band))),
            "category": frame["category"],
        }
    )
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def wide_text(text: pd.DataFrame, indicator: str, layers: list[str]) -> pd.DataFrame:
    """One indicator's long rows (text) -> geographies by housing group, two columns a
    group (number, flag), in the order of :data:`GROUPS`."""
    rows = text[text["indicator"] == indicator]
    present = set(rows["group"])
    groups = [g for g in GROUPS if g in present]
    keys = list(WIDE_KEYS)
    base = sort_rows(rows[keys].drop_duplicates(), layers)
    indexed = rows.set_index([*keys, "group"])[["value", "flag"]]
    out = base.copy()
    for group in groups:
        part = indexed.xs(group, level="group")
        joined = base.join(part, on=keys)
        out[group] = joined["value"].fillna("").to_numpy()
        out[f"{group}_flag"] = joined["flag"].fillna("").to_numpy()
    return out


def wide_csv(wide: pd.DataFrame) -> bytes:
    return (BOM + wide.to_csv(index=False, lineterminator="\n")).encode("utf-8")


def parquet(text: pd.DataFrame) -> bytes:
    """The long table, typed: counts as 64-bit integers, values as doubles, empty as null.
    The numbers are parsed from the long CSV's text, so the two files cannot differ."""
    columns = {}
    for name in LONG_COLUMNS:
        column = text[name]
        if name in ("numerator", "denominator"):
            columns[name] = pa.array(
                pd.to_numeric(column.replace("", None)).astype("Int64"), type=pa.int64()
            )
        elif name == "value":
            columns[name] = pa.array(
                pd.to_numeric(column.replace("", None)).astype("float64"),
                type=pa.float64(),
                from_pandas=True,
            )
        else:
            columns[name] = pa.array(column.to_numpy(dtype=object), type=pa.string())
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink, compression="zstd")
    return sink.getvalue()


def datawrapper(text: pd.DataFrame, release: ProtectedRelease) -> dict[str, bytes]:
    """Per citywide map: the district layer's latest values (geo id, name, value, flag)."""
    layer = release.district_layer
    geo = release.geographies[layer].frame
    files = {}
    for indicator, group in CITYWIDE_MAPS:
        rows = text[
            (text["year"] == release.latest_year)
            & (text["layer"] == layer)
            & (text["indicator"] == indicator)
            & (text["group"] == group)
            & (text["grade_band"] == "all")
            & (text["category"] == "")
        ].set_index("geo_id")
        if rows.empty:
            continue
        ids = sort_rows(
            pd.DataFrame(
                {
                    "year": "",
                    "layer": layer,
                    "geo_id": geo["geo_id"].astype(str),
                    "grade_band": "all",
                    "category": "",
                }
            ),
            [layer],
        )["geo_id"]
        names = dict(zip(geo["geo_id"].astype(str), geo["geo_name"], strict=True))
        out = pd.DataFrame(
            {
                "geo_id": ids,
                "name": ids.map(names),
                "value": ids.map(rows["value"]).fillna(""),
                "flag": ids.map(rows["flag"]).fillna(""),
            }
        )
        files[datawrapper_path(layer, indicator, group)] = out.to_csv(
            index=False, lineterminator="\n"
        ).encode("utf-8")
    return files


def _number(text: str) -> int | float | None:
    if text == "":
        return None
    return float(text) if "." in text else int(text)


def workbook(wides: dict[str, pd.DataFrame], release: ProtectedRelease, date: dt.date) -> bytes:
    """One XLSX workbook: a sheet per indicator (numbers as numbers), "Data notes" and
    "How to cite"."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def header(sheet, names):  # type: ignore[no-untyped-def]
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    for name, lines in (
        ("How to cite", _cite_lines(release, date)),
        ("Data notes", _notes(release, wides)),
    ):
        sheet = book.create_sheet(name)
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["B"].width = 110
        for line in lines:
            if len(line) == 1:
                cell = WriteOnlyCell(sheet, value=line[0])
                cell.font = bold
                sheet.append([cell])
            else:
                cells = [WriteOnlyCell(sheet, value=v) for v in line]
                for c in cells:
                    c.alignment = wrap
                sheet.append(cells)
    for indicator, wide in wides.items():
        sheet = book.create_sheet(indicator[:31])
        sheet.freeze_panes = "G2"
        for letter, width in zip("ABCDEF", (9, 18, 10, 26, 11, 14), strict=True):
            sheet.column_dimensions[letter].width = width
        header(sheet, list(wide.columns))
        flags = [c.endswith("_flag") for c in wide.columns]
        keys = len(WIDE_KEYS)
        for row in wide.itertuples(index=False, name=None):
            sheet.append([v if i < keys or flags[i] else _number(v) for i, v in enumerate(row)])
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def _cite_lines(release: ProtectedRelease, date: dt.date) -> list[tuple[str, ...]]:
    meta = release.meta
    return [
        ("How to cite",),
        ("Citation", citation(meta, date)),
        ("Title", meta.title),
        ("Edition", str(meta.edition)),
        ("Publisher", meta.publisher),
        ("Date published", date.isoformat()),
        ("URL", meta.url or "(not set: the url key of atlas.toml)"),
        ("Licence", meta.licence),
        *(("Attribution", a) for a in meta.attribution),
    ]


def _notes(release: ProtectedRelease, wides: dict[str, pd.DataFrame]) -> list[tuple[str, ...]]:
    meta = release.meta
    rule = meta.chronic_absence_rule
    rule_info = INDICATOR_INFO.get(f"chronic_absence_{rule}")
    lines: list[tuple[str, ...]] = [
        ("Data notes",),
        (
            "Release",
            f"{meta.title}, {meta.edition} edition; school years "
            f"{release.years[0]} to {release.latest_year}.",
        ),
        (
            "Sheets",
            "One sheet per indicator: a row per school year, layer, geography, grade "
            "band and type (places only), two columns per housing group: the number "
            "and its flag. Rates are percent (12.3 means 12.3%); counts are whole "
            "numbers. A cell with no number has its flag beside it; an empty number "
            "with an empty flag is a cell not computed for that group or year.",
        ),
        (
            "Files",
            "The same numbers are in data/atlas_long.csv (one row per cell, every "
            "cell), data/atlas_long.parquet, data/wide/<indicator>.csv and the GIS "
            "files under data/gis/; data/datapackage.json describes every file. Wide "
            "CSVs are UTF-8 with a byte-order mark (for spreadsheets); the long CSV "
            "and the Datawrapper CSVs are plain UTF-8.",
        ),
        ("Chronic absence rule",),
        ("Rule in use", f"{rule}: {rule_info.description}" if rule_info else rule),
        ("Privacy rules",),
        (
            "Small counts",
            f"Counts of 1 to {meta.min_count - 1} students are withheld, and "
            f"so is any rate that would reveal 1 to {meta.min_count - 1} "
            "students on either side (its numerator, or its denominator minus "
            "its numerator).",
        ),
        (
            "Reliability",
            f"Rates on fewer than {meta.min_denominator} students are omitted as unreliable.",
        ),
        (
            "Complementary suppression",
            "More cells are withheld so that no withheld number can "
            "be worked out by subtraction (housing groups, grade "
            "bands, districts in their borough, layers in the "
            "city, schools in their district, a rate's "
            "denominator), and no count of 1 to "
            f"{meta.min_count - 1} students either: the schools of one "
            "area outside another, or the students outside a rate's "
            "population.",
        ),
        (
            "Places",
            "Counts of shelters, shelter units and community resources are places, "
            "not students, and are published as counted.",
        ),
        ("Flags",),
        *(
            (f, FLAG_LABELS[f] + (f" (mark on pages: {MARKS[f][0]})" if f in MARKS else ""))
            for f in FLAGS
        ),
        ("Indicators",),
        *((i, f"{INDICATOR_INFO[i].label}: {INDICATOR_INFO[i].description}.") for i in wides),
        ("Housing groups",),
        *((g, GROUP_LABELS[g]) for g in GROUPS),
        ("Grade bands",),
        *((b, BAND_LABELS[b]) for b in GRADE_BANDS),
        ("Layers",),
        ("city", meta.city_name),
        *((name, geo.label) for name, geo in release.geographies.items()),
        ("school", "Schools (geo_id is the school id)"),
    ]
    return lines


def indicators_in(text: pd.DataFrame) -> list[str]:
    """The release's indicators, in the order of :data:`INDICATOR_INFO`."""
    present = set(text["indicator"])
    return [i for i in INDICATOR_INFO if i in present]


def table_files(
    release: ProtectedRelease, text: pd.DataFrame, *, date: dt.date
) -> dict[str, bytes]:
    """Every table download (paths relative to the release) from the long table's text."""
    layers = layer_order(release)
    files = {LONG_PARQUET: parquet(text)}
    wides = {i: wide_text(text, i, layers) for i in indicators_in(text)}
    for indicator, wide in wides.items():
        files[wide_path(indicator)] = wide_csv(wide)
    files[WORKBOOK] = workbook(wides, release, date)
    files |= datawrapper(text, release)
    return files


def table_downloads(indicators: list[str]) -> tuple[Download, ...]:
    """The downloads of a page showing ``indicators``: the workbook, the long table, and
    each indicator's wide CSV."""
    return (
        Download(WORKBOOK, "All tables, one sheet per indicator, with notes", "XLSX"),
        Download(LONG_CSV, "Every cell, one row each (long table)", "CSV"),
        Download(LONG_PARQUET, "Every cell, one row each (long table)", "Parquet"),
        *(
            Download(wide_path(i), INDICATOR_INFO[i].label, "CSV")
            for i in indicators
            if i in INDICATOR_INFO
        ),
    )
