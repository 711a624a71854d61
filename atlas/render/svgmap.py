"""Boundary polygons -> static SVG maps for print and for pages that need no script.

The PDF cannot run Leaflet, and a district's locator map needs no interaction, so
both are drawn as inline SVG: polygons projected to a local metric CRS, simplified
to what a printed page can show, and scaled into a fixed view box. The colours come
from :mod:`atlas.classify`, so the printed map and the web map agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import shapely
from markupsafe import Markup, escape

from atlas.classify import NO_DATA

#: Width of the view box in SVG units; heights follow the geography's shape.
WIDTH = 1000.0


@dataclass(frozen=True)
class Shapes:
    """One layer's outlines as SVG path data, by geo_id."""

    width: float
    height: float
    paths: dict[str, str]


def shapes(frame: Any, *, tolerance_m: float = 60.0) -> Shapes:
    """Project, simplify and scale the polygons of ``frame`` (geo_id, geometry)."""
    frame = frame[frame.geometry.notna()]
    if frame.empty:
        return Shapes(WIDTH, WIDTH / 2, {})
    projected = gpd.GeoSeries(frame.geometry.values, crs=frame.crs)
    projected = projected.to_crs(projected.estimate_utm_crs())
    simple = projected.simplify(tolerance_m)
    minx, miny, maxx, maxy = simple.total_bounds
    scale = WIDTH / max(maxx - minx, 1.0)
    height = (maxy - miny) * scale
    paths = {}
    for geo_id, geom in zip(frame["geo_id"], simple, strict=True):
        paths[str(geo_id)] = _path(geom, minx, maxy, scale)
    return Shapes(WIDTH, round(height, 1), paths)


def _path(geom: shapely.Geometry, minx: float, maxy: float, scale: float) -> str:
    parts = []
    for polygon in getattr(geom, "geoms", [geom]):
        if not isinstance(polygon, shapely.Polygon):
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            coords = shapely.get_coordinates(ring)
            xs = (coords[:, 0] - minx) * scale
            ys = (maxy - coords[:, 1]) * scale
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
            parts.append(f"M{points}Z")
    return "".join(parts)


def svg_map(
    shapes: Shapes,
    fills: dict[str, str],
    *,
    title: str,
    highlight: str | None = None,
    links: dict[str, str] | None = None,
) -> Markup:
    """An SVG map: each area filled from ``fills`` (missing = no data), one outlined."""
    links = links or {}
    body = []
    for geo_id, d in shapes.paths.items():
        fill = fills.get(geo_id, NO_DATA)
        stroke = 'stroke="#222" stroke-width="4"' if geo_id == highlight else 'stroke="#fff"'
        path = f'<path d="{d}" fill="{fill}" {stroke} stroke-linejoin="round"/>'
        if geo_id in links:
            path = f'<a href="{escape(links[geo_id])}">{path}</a>'
        body.append(path)
    if highlight in shapes.paths:  # draw the outlined area last, so its outline is on top
        i = list(shapes.paths).index(highlight)
        body.append(body.pop(i))
    return Markup(
        f'<svg class="map" viewBox="0 0 {shapes.width:.0f} {shapes.height:.0f}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )
