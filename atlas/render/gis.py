"""The protected long table and the boundaries -> files for GIS users, in WGS 84.

* ``data/gis/<layer>/<indicator>.geojson``: a feature per geography of the layer (the
  simplified web copy of its boundary), with the latest year's values of the indicator
  for all grades by housing group, ``<group>`` (the number, null where none may be
  shown) and ``<group>_flag``, as properties. Places count all types together.
* ``data/gis/<layer>.gpkg``: a GeoPackage with the layer's boundaries at full resolution
  (table ``<layer>``) and simplified for the web (``<layer>_web``), and every long-table
  row of the layer, all years, grade bands and types, as the table ``cells``, joinable
  on ``geo_id``. Long, not wide, so that no file needs thousands of columns.

Numbers are those of :func:`atlas.render.long_csv.long_text`, parsed; nothing else is
read. The city (no boundary of its own) and schools (points, not areas) are in the
tables, not here.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from atlas.model import GROUPS, INDICATOR_INFO, LONG_COLUMNS, Geography, ProtectedRelease
from atlas.render.tables import Download, indicators_in, sort_rows
from atlas.render.webmap import web_geometry

WEB_TOLERANCE_M = 25.0
#: Decimal places of the full-resolution coordinates (about 1 cm).
FULL_DECIMALS = 7
#: GeoPackage 1.2, which every GDAL since 2.2 reads without a warning (newer GDALs write
#: 1.4 by default, which Debian 12's GDAL 3.6 warns about).
GPKG_OPTIONS = {"VERSION": "1.2"}


def geojson_path(layer: str, indicator: str) -> str:
    return f"data/gis/{layer}/{indicator}.geojson"


def geopackage_path(layer: str) -> str:
    return f"data/gis/{layer}.gpkg"


def _parse(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.replace("", None))


def typed_long(text: pd.DataFrame) -> pd.DataFrame:
    """The long table's text with numbers parsed: numerator and denominator as nullable
    integers, value as float (NaN where empty)."""
    out = text[list(LONG_COLUMNS)].copy()
    for name in ("numerator", "denominator"):
        out[name] = _parse(out[name]).astype("Int64")
    out["value"] = _parse(out["value"]).astype("float64")
    return out


def _json_number(text: str) -> int | float | None:
    if text == "":
        return None
    return float(text) if "." in text else int(text)


def _web(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    has = frame.geometry.notna().to_numpy()
    out = gpd.GeoSeries([None] * len(frame), crs="EPSG:4326", index=frame.index)
    if has.any():
        out[has] = web_geometry(frame[has], tolerance_m=WEB_TOLERANCE_M).to_numpy()
    return out


@dataclass(frozen=True)
class _Shapes:
    """A layer's geographies in reading order, each with its web geometry as JSON text."""

    layer: str
    ids: list[str]
    names: list[str]
    geometry: list[str]


def _shapes(geo: Geography, web: gpd.GeoSeries) -> _Shapes:
    frame = geo.frame.reset_index(drop=True)
    ids = frame["geo_id"].astype(str)
    order = sort_rows(
        pd.DataFrame(
            {
                "year": "",
                "layer": geo.layer,
                "geo_id": ids,
                "grade_band": "all",
                "category": "",
                "i": range(len(frame)),
            }
        ),
        [geo.layer],
    )["i"].tolist()
    shapes = web.reset_index(drop=True)
    return _Shapes(
        geo.layer,
        [ids[i] for i in order],
        [str(frame["geo_name"].iloc[i]) for i in order],
        [
            "null"
            if shapes.iloc[i] is None
            else json.dumps(shapes.iloc[i].__geo_interface__, separators=(",", ":"))
            for i in order
        ],
    )


def layer_geojson(rows: pd.DataFrame, shapes: _Shapes, indicator: str, year: str) -> bytes:
    """One GeoJSON: the layer's geographies with ``rows`` (the indicator's cells of the
    layer in ``year``, all grades, all types) as properties."""
    by_key = {
        (g, group): (v, f)
        for g, group, v, f in zip(
            rows["geo_id"], rows["group"], rows["value"], rows["flag"], strict=True
        )
    }
    present = set(rows["group"])
    groups = [g for g in GROUPS if g in present]
    features = []
    for geo_id, name, geometry in zip(shapes.ids, shapes.names, shapes.geometry, strict=True):
        props: dict[str, object] = {
            "geo_id": geo_id,
            "geo_name": name,
            "year": year,
            "indicator": indicator,
        }
        for group in groups:
            value, flag = by_key.get((geo_id, group), ("", ""))
            props[group] = _json_number(value)
            props[f"{group}_flag"] = flag or None
        features.append(
            '{"type":"Feature","properties":'
            + json.dumps(props, ensure_ascii=False, separators=(",", ":"))
            + ',"geometry":'
            + geometry
            + "}"
        )
    name = json.dumps(f"{shapes.layer}-{indicator}")
    return (
        f'{{"type":"FeatureCollection","name":{name},"features":[' + ",\n".join(features) + "]}"
    ).encode("utf-8")


def geopackage(text: pd.DataFrame, geo: Geography, web: gpd.GeoSeries) -> bytes:
    """The layer's boundaries (full and web) and its long-table rows, as one GeoPackage."""
    columns = ["geo_id", "geo_name", "parent_id"]
    full = gpd.GeoDataFrame(
        geo.frame[columns].astype(object).reset_index(drop=True),
        geometry=geo.frame.geometry.set_precision(10**-FULL_DECIMALS).to_numpy(),
        crs="EPSG:4326",
    )
    simple = gpd.GeoDataFrame(full[columns], geometry=web.to_numpy(), crs="EPSG:4326")
    cells = typed_long(text[text["layer"] == geo.layer]).reset_index(drop=True)
    with tempfile.TemporaryDirectory(prefix="atlas-gpkg-") as folder:
        path = Path(folder) / "layer.gpkg"
        pyogrio.write_dataframe(
            full,
            path,
            driver="GPKG",
            layer=geo.layer,
            promote_to_multi=True,
            dataset_options=GPKG_OPTIONS,
        )
        pyogrio.write_dataframe(
            simple,
            path,
            driver="GPKG",
            layer=f"{geo.layer}_web",
            promote_to_multi=True,
            append=True,
        )
        pyogrio.write_dataframe(
            cells, path, driver="GPKG", layer="cells", append=True, use_arrow=True
        )
        return path.read_bytes()


def gis_files(release: ProtectedRelease, text: pd.DataFrame) -> dict[str, bytes]:
    """Every GIS download (paths relative to the release) of every boundary layer."""
    files = {}
    indicators = indicators_in(text)
    latest = text[
        (text["year"] == release.latest_year)
        & (text["grade_band"] == "all")
        & (text["category"] == "")
    ]
    pieces = dict(tuple(latest.groupby(["layer", "indicator"], sort=False)))
    by_layer = dict(tuple(text.groupby("layer", sort=False)))
    for name, geo in release.geographies.items():
        web = _web(geo.frame.reset_index(drop=True))
        shapes = _shapes(geo, web)
        for indicator in indicators:
            if (name, indicator) in pieces:
                files[geojson_path(name, indicator)] = layer_geojson(
                    pieces[(name, indicator)], shapes, indicator, release.latest_year
                )
        files[geopackage_path(name)] = geopackage(by_layer.get(name, text[:0]), geo, web)
    return files


def gis_downloads(release: ProtectedRelease, indicators: list[str]) -> tuple[Download, ...]:
    """The district layer's GIS downloads for a page showing ``indicators``."""
    layer = release.district_layer
    label = release.geographies[layer].label
    return (
        Download(geopackage_path(layer), f"{label} boundaries with every cell", "GeoPackage"),
        *(
            Download(
                geojson_path(layer, i), f"{INDICATOR_INFO[i].label} by {label.lower()}", "GeoJSON"
            )
            for i in indicators
            if i in INDICATOR_INFO
        ),
    )
