"""District polygons and protected values -> an interactive folium heat map, offline.

The map is built with folium but carries no links to the internet: no tile layer (a
choropleth of districts needs none, and the atlas must work offline), and Leaflet
itself is shipped in the release's ``assets/`` from the XStatic-Leaflet package
instead of a CDN. folium's random element ids are replaced by fixed ones, so the
same release renders to the same bytes.

Each district carries only published text (its name and the share as formatted by
:func:`atlas.render.format.format_cell`); its colour comes from the shared classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import branca.element
import folium
import geopandas as gpd
import xstatic.pkg.leaflet
from markupsafe import Markup

#: Leaflet's files, copied into the release under ``assets/``.
LEAFLET_FILES = ("leaflet.js", "leaflet.css")


@dataclass(frozen=True)
class MapParts:
    """The three pieces of a folium map to place in a page of our own."""

    header: Markup
    html: Markup
    script: Markup


def leaflet_assets() -> dict[str, bytes]:
    """Leaflet's JavaScript and CSS, by file name."""
    base = Path(xstatic.pkg.leaflet.BASE_DIR)
    return {name: (base / name).read_bytes() for name in LEAFLET_FILES}


def web_geometry(frame: Any, *, tolerance_m: float = 25.0) -> gpd.GeoSeries:
    """Polygons simplified for the screen, in WGS 84, rounded to about a metre."""
    series = gpd.GeoSeries(frame.geometry.values, crs=frame.crs)
    projected = series.to_crs(series.estimate_utm_crs()).simplify(tolerance_m)
    return projected.to_crs("EPSG:4326").set_precision(1e-5)


def heat_map(
    frame: Any, properties: list[dict[str, str]], *, name: str, label: str, value_label: str
) -> MapParts | None:
    """A choropleth of ``frame``'s areas; ``properties[i]`` holds area i's ``name``,
    ``value`` (shown text), ``fill`` (colour) and ``link`` (its page). None when no
    area has a polygon."""
    frame = frame.reset_index(drop=True)
    keep = frame.geometry.notna().to_numpy()
    if not keep.any():
        return None
    geometry = web_geometry(frame[keep])
    features = [
        {"type": "Feature", "properties": props, "geometry": geom.__geo_interface__}
        for props, geom in zip(
            [p for p, k in zip(properties, keep, strict=True) if k], geometry, strict=True
        )
    ]
    minx, miny, maxx, maxy = geometry.total_bounds
    fmap = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25)
    fmap.default_js = []
    fmap.default_css = []
    fmap._id = name
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=label,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.9,
            "color": "#ffffff",
            "weight": 1,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(["name", "value"], aliases=[label, value_label]),
        popup=folium.GeoJsonPopup(["link"], labels=False),
    )
    layer._id = f"{name}_areas"
    for child in layer._children.values():
        child._id = f"{name}_{child._name.lower()}"
    layer.add_to(fmap)
    figure = fmap.get_root()
    assert isinstance(figure, branca.element.Figure)
    figure.render()
    # Keep only the tooltip and popup styles: folium's page-level styles (a full-window
    # map, a viewport that forbids zooming) would fight the page the map sits in.
    styles = [c.render() for k, c in figure.header._children.items() if k.endswith("tablestyle")]
    return MapParts(
        header=Markup("".join(styles)),
        html=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
    )
