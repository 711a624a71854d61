"""The protected release -> every file under ``data/``: the long table (CSV, Parquet),
the wide tables and workbook (:mod:`atlas.render.tables`), the GIS files
(:mod:`atlas.render.gis`) and the data package that describes them all
(:mod:`atlas.render.datapackage`). All are made from one text of the long table,
:func:`atlas.render.long_csv.long_text`; the audit reads them back
(:mod:`atlas.audit.downloads`).
"""

from __future__ import annotations

import datetime as dt

from atlas.model import ProtectedRelease
from atlas.render.datapackage import PATH as DATAPACKAGE
from atlas.render.datapackage import datapackage
from atlas.render.gis import gis_downloads, gis_files
from atlas.render.long_csv import PATH as LONG_CSV
from atlas.render.long_csv import csv_bytes, long_text
from atlas.render.tables import Download, citation, table_downloads, table_files


def render_downloads(
    release: ProtectedRelease, *, date: dt.date | None = None, gis: bool = True
) -> dict[str, bytes]:
    """Every data file of the release, by path relative to the release's root."""
    text = long_text(release.table, precision=release.meta.rate_precision)
    files = {LONG_CSV: csv_bytes(text)}
    files |= table_files(release, text, date=date or published_on())
    if gis:
        files |= gis_files(release, text)
    files[DATAPACKAGE] = datapackage(files, release, text)
    return files


def published_on() -> dt.date:
    """The release's date: today, in UTC."""
    return dt.datetime.now(dt.UTC).date()


def page_downloads(release: ProtectedRelease, indicators: list[str]) -> tuple[Download, ...]:
    """What a page showing ``indicators`` links to: tables, then GIS, then the package."""
    return (
        *table_downloads(indicators),
        *gis_downloads(release, indicators),
        Download(DATAPACKAGE, "Description of every data file (Frictionless)", "JSON"),
    )


__all__ = ["Download", "citation", "page_downloads", "published_on", "render_downloads"]
