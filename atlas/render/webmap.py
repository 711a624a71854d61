"""District polygons and protected values -> interactive folium/Leaflet heat maps, offline.

The polygons of a layer are written once, simplified for the screen, into a script of
their own (``assets/areas-<layer>.js``, loaded by a ``<script>`` tag, so pages work from
``file://`` where a fetch would fail). Each map on a page is a folium map without tiles
whose one layer draws those shared polygons with the page's own colours and texts, so
a page with several maps carries the geometry once and every page shares it.

folium's default assets (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers) all
come from CDNs: every one is dropped. Leaflet itself is shipped in the release's
``assets/`` from the XStatic-Leaflet package. folium's random element ids are replaced
by fixed ones, so the same release renders to the same bytes.

Each area carries only published text (as formatted by
:func:`atlas.render.format.format_cell`); its colour comes from the shared classes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import branca.element
import folium
import geopandas as gpd
import jinja2
import xstatic.pkg.leaflet
from markupsafe import Markup

#: Leaflet's files, copied into the release under ``assets/``.
LEAFLET_FILES = ("leaflet.js", "leaflet.css")


@dataclass(frozen=True)
class MapParts:
    """The pieces of a folium map to place in a page of our own."""

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


@dataclass(frozen=True)
class Areas:
    """A layer's polygons for the web: the script that defines them, and their bounds."""

    layer: str
    script: bytes
    bounds: tuple[float, float, float, float] | None  # south, west, north, east
    #: Each area's own bounds, by geo_id (a district map zooms to its district).
    each: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"assets/areas-{self.layer}.js"


def areas_script(frame: Any, layer: str, paths: dict[str, str]) -> Areas:
    """The polygons of ``frame`` (with ``geo_id`` and ``geo_name``) as
    ``window.ATLAS_AREAS``, each with its id, name and page (``paths[geo_id]``, if any)."""
    frame = frame[frame.geometry.notna()].reset_index(drop=True)
    if frame.empty:
        return Areas(layer, b"window.ATLAS_AREAS = {};\n", None)
    geometry = web_geometry(frame)
    features = [
        {
            "type": "Feature",
            "properties": {"id": gid, "name": name, "path": paths.get(gid, "")},
            "geometry": geom.__geo_interface__,
        }
        for gid, name, geom in zip(frame["geo_id"], frame["geo_name"], geometry, strict=True)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    minx, miny, maxx, maxy = (float(v) for v in geometry.total_bounds)
    script = (
        "window.ATLAS_AREAS = window.ATLAS_AREAS || {};\n"
        f"ATLAS_AREAS[{json.dumps(layer)}] = {text};\n"
    )
    each = {
        str(gid): (float(b[1]), float(b[0]), float(b[3]), float(b[2]))
        for gid, b in zip(frame["geo_id"], geometry.bounds.to_numpy(), strict=True)
    }
    return Areas(layer, script.encode("utf-8"), (miny, minx, maxy, maxx), each)


class _SharedAreas(branca.element.MacroElement):
    """A Leaflet layer of the shared polygons, coloured and labelled by this map's values
    (drawn by ``atlasAreas`` in ``assets/atlas-map.js``)."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = atlasAreas({{ this._parent.get_name() }}, "
        "{{ this.options | tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "SharedAreas"
        self._id = name
        self.options = options


def heat_map(
    areas: Areas,
    values: dict[str, tuple[str, str]],
    *,
    name: str,
    label: str,
    root: str,
    bounds: tuple[float, float, float, float] | None = None,
    dots: list[tuple[float, float, str, str]] | None = None,
) -> MapParts | None:
    """A choropleth of ``areas``: ``values[geo_id]`` is (fill, shown text); ``label`` names
    the map for screen readers. ``bounds`` (south, west, north, east) zooms in; ``dots``
    are (latitude, longitude, fill, shown text) drawn over the areas. None when the layer
    has no polygon."""
    if areas.bounds is None:
        return None
    south, west, north, east = bounds or areas.bounds
    fmap = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25)
    fmap.default_js = []
    fmap.default_css = []
    fmap._id = name
    fmap.fit_bounds([[south, west], [north, east]])
    options = {
        "layer": areas.layer,
        "values": values,
        "root": root,
        "label": label,
        "dots": dots or [],
    }
    _SharedAreas(f"{name}_areas", options).add_to(fmap)
    figure = fmap.get_root()
    assert isinstance(figure, branca.element.Figure)
    figure.render()
    html = figure.html.render().strip()
    return MapParts(html=Markup(html), script=Markup(figure.script.render()))
