"""The protected release -> every file under ``data/``: the long table (CSV, Parquet),
the wide tables and workbook (:mod:`atlas.render.tables`), the GIS files
(:mod:`atlas.render.gis`) and the data package that describes them all
(:mod:`atlas.render.datapackage`). All are made from one text of the long table,
:func:`atlas.render.long_csv.long_text`; the audit reads them back
(:mod:`atlas.audit.downloads`).
"""

from __future__ import annotations

import datetime as dt

from atlas.model import GROUP_LABELS, INDICATOR_INFO, ProtectedRelease
from atlas.render.datapackage import PATH as DATAPACKAGE
from atlas.render.datapackage import datapackage
from atlas.render.gis import geojson_path, geopackage_path, gis_downloads, gis_files
from atlas.render.long_csv import PATH as LONG_CSV
from atlas.render.long_csv import csv_bytes, long_text
from atlas.render.tables import (
    CITYWIDE_MAPS,
    Download,
    citation,
    datawrapper_path,
    table_downloads,
    table_files,
)


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


def release_downloads(release: ProtectedRelease) -> tuple[Download, ...]:
    """Every data file of the release a reader would download, for a downloads page:
    the tables, the Datawrapper CSVs, each layer's GeoPackage and GeoJSON files."""
    table = release.table
    present = set(table["indicator"].unique())
    indicators = [i for i in INDICATOR_INFO if i in present]
    latest = table[table["year"] == release.latest_year]
    on_layer = latest.groupby("layer")["indicator"].agg(set).to_dict()
    gis = []
    for name, geo in release.geographies.items():
        gis.append(
            Download(geopackage_path(name), f"{geo.label} boundaries with every cell", "GeoPackage")
        )
        gis += [
            Download(
                geojson_path(name, i),
                f"{INDICATOR_INFO[i].label} by {geo.label.lower()}",
                "GeoJSON",
            )
            for i in indicators
            if i in on_layer.get(name, set())
        ]
    maps = [
        Download(
            datawrapper_path(release.district_layer, i, g),
            f"{INDICATOR_INFO[i].label}, {GROUP_LABELS[g].lower()}, by "
            f"{release.geographies[release.district_layer].label.lower()}, for Datawrapper",
            "CSV",
        )
        for i, g in CITYWIDE_MAPS
        if i in on_layer.get(release.district_layer, set())
    ]
    return (
        *table_downloads(indicators),
        *maps,
        *gis,
        Download(DATAPACKAGE, "Description of every data file (Frictionless)", "JSON"),
    )


__all__ = [
    "Download",
    "citation",
    "page_downloads",
    "published_on",
    "release_downloads",
    "render_downloads",
]
