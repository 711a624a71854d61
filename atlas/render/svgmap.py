"""Boundary polygons -> static SVG maps for print and for pages that need no script.

The PDF cannot run Leaflet, and a district's locator map needs no interaction, so
both are drawn as inline SVG: polygons projected to a local metric CRS, simplified
to what a printed page can show, and scaled into a fixed view box. The colours come
from :mod:`atlas.classify`, so the printed map and the web map agree.
"""

from __future__ import annotations

import math
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


# Print maps ------------------------------------------------------------------------
#
# The printed atlas's maps carry everything a reader needs on paper: the colour classes
# of the web map, patterns for areas without a rate that still read when photocopied in
# grey, a legend, a scale bar and a north arrow. A district's map is cut to the district
# and its surroundings, so a small district fills the page as well as a large one.

#: Fills that are patterns, not colours, and the words of their legend entries.
PATTERNS: dict[str, str] = {
    "withheld": "rate withheld to protect student privacy (s)",
    "no_rate": "no rate shown: too few students (r), none, or missing",
}
_PATTERN_DEFS = (
    '<pattern id="withheld" patternUnits="userSpaceOnUse" width="9" height="9" '
    'patternTransform="rotate(45)"><rect width="9" height="9" fill="#fff"/>'
    '<line x1="0" y1="0" x2="0" y2="9" stroke="#555" stroke-width="3"/></pattern>'
    '<pattern id="no_rate" patternUnits="userSpaceOnUse" width="9" height="9">'
    f'<rect width="9" height="9" fill="{NO_DATA}"/>'
    '<circle cx="4.5" cy="4.5" r="1.6" fill="#555"/></pattern>'
)
#: Size of map text in view-box units (the view box is WIDTH wide).
_TEXT = 17.0
_KM = 1000.0
_MILE = 1609.344


@dataclass(frozen=True)
class Projected:
    """One layer's polygons in a local metric CRS (metres), by geo_id."""

    geoms: dict[str, shapely.Geometry]
    bounds: tuple[float, float, float, float]


def project(frame: Any) -> Projected:
    """The polygons of ``frame`` (geo_id, geometry) in their UTM zone."""
    frame = frame[frame.geometry.notna()]
    if frame.empty:
        return Projected({}, (0.0, 0.0, 1.0, 1.0))
    series = gpd.GeoSeries(frame.geometry.values, crs=frame.crs)
    series = series.to_crs(series.estimate_utm_crs())
    geoms = {str(g): geom for g, geom in zip(frame["geo_id"], series, strict=True)}
    minx, miny, maxx, maxy = (float(v) for v in series.total_bounds)
    return Projected(geoms, (minx, miny, maxx, maxy))


def _view(projected: Projected, focus: str | None, aspect: float | None) -> tuple[float, ...]:
    """The part of the map to draw: everything, or the focus area with a margin, widened
    to ``aspect`` (height / width) so every district's map has the same shape."""
    if focus is None:
        minx, miny, maxx, maxy = projected.bounds
        margin = 0.02 * max(maxx - minx, maxy - miny)
    else:
        minx, miny, maxx, maxy = projected.geoms[focus].bounds
        margin = 0.12 * max(maxx - minx, maxy - miny, 500.0)
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    if aspect is not None:
        w, h = maxx - minx, maxy - miny
        if h / w < aspect:
            grow = (w * aspect - h) / 2
            miny, maxy = miny - grow, maxy + grow
        else:
            grow = (h / aspect - w) / 2
            minx, maxx = minx - grow, maxx + grow
    return minx, miny, maxx, maxy


def _nice(target: float, steps: tuple[float, ...]) -> float:
    """The largest of ``steps`` (times a power of ten) not above ``target``."""
    power = 10.0 ** math.floor(math.log10(target))
    return max(s * power for s in steps if s * power <= target)


def _scale_bar(right: float, bottom: float, metres_per_unit: float) -> str:
    """Two bars, miles above kilometres, each at most a fifth of the map wide, on a white
    panel in the corner whose lower right is (``right``, ``bottom``)."""
    bars = []
    for unit, name in ((_MILE, "mi"), (_KM, "km")):
        length = _nice(0.2 * WIDTH * metres_per_unit / unit, (1.0, 2.0, 2.5, 5.0))
        bars.append((length * unit / metres_per_unit, f"{length:g} {name}"))
    label = max(len(text) for _, text in bars) * _TEXT * 0.62
    width = max(units for units, _ in bars) + label + _TEXT
    x, y = right - width, bottom - 4.8 * _TEXT
    parts = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{4.8 * _TEXT:.1f}" '
        f'fill="#fff" fill-opacity="0.85"/>'
    ]
    for i, (units, text) in enumerate(bars):
        top = y + 0.8 * _TEXT + i * 2.2 * _TEXT
        parts.append(
            f'<rect x="{x + 0.4 * _TEXT:.1f}" y="{top:.1f}" width="{units:.1f}" '
            f'height="{_TEXT * 0.45:.1f}" fill="#222"/><text x="{x + 0.4 * _TEXT + units + 6:.1f}" '
            f'y="{top + _TEXT * 0.55:.1f}" font-size="{_TEXT:.0f}">{text}</text>'
        )
    return "".join(parts)


def _north_arrow(x: float, y: float) -> str:
    """An arrow pointing up (north: the UTM grid is within a degree or two of it)."""
    s = _TEXT
    return (
        f'<path d="M{x:.1f},{y:.1f} l{s * 0.6:.1f},{s * 1.8:.1f} l{-s * 0.6:.1f},{-s * 0.5:.1f} '
        f'l{-s * 0.6:.1f},{s * 0.5:.1f}Z" fill="#222"/>'
        f'<text x="{x:.1f}" y="{y + s * 2.9:.1f}" font-size="{s:.0f}" font-weight="700" '
        f'text-anchor="middle">N</text>'
    )


def _legend(entries: list[tuple[str, str]], title: str, top: float) -> tuple[str, float]:
    """Legend entries (colour or pattern name, words) in two columns under a title."""
    row = _TEXT * 1.6
    parts = [
        f'<text x="0" y="{top + _TEXT:.1f}" font-size="{_TEXT:.0f}" '
        f'font-weight="700">{escape(title)}</text>'
    ]
    half = (len(entries) + 1) // 2
    for i, (fill, words) in enumerate(entries):
        x = 0.0 if i < half else WIDTH * 0.42
        y = top + row * (1 + i % half)
        paint = f"url(#{fill})" if fill in PATTERNS else fill
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{_TEXT * 1.8:.1f}" height="{_TEXT:.1f}" '
            f'fill="{paint}" stroke="#555" stroke-width="1"/>'
            f'<text x="{x + _TEXT * 2.3:.1f}" y="{y + _TEXT * 0.85:.1f}" '
            f'font-size="{_TEXT:.0f}">{escape(words)}</text>'
        )
    return "".join(parts), row * (1 + half) + _TEXT * 0.5


def print_map(
    projected: Projected,
    fills: dict[str, str],
    *,
    title: str,
    legend_title: str,
    legend: list[tuple[str, str]],
    focus: str | None = None,
    labels: dict[str, str] | None = None,
    aspect: float | None = None,
    plain: bool = False,
) -> Markup:
    """A map for print: areas filled from ``fills`` (a colour, or a name in
    :data:`PATTERNS`; absent = no rate), ``focus`` outlined and centred, area labels,
    legend, scale bar and north arrow (none of these four if ``plain``: a decoration).
    ``title`` is the map's text alternative."""
    labels = labels or {}
    minx, miny, maxx, maxy = _view(projected, focus, aspect)
    scale = WIDTH / (maxx - minx)
    height = (maxy - miny) * scale
    tolerance = 0.8 / scale  # under a unit of the view box: invisible in print
    body, names = [], []
    order = sorted(projected.geoms, key=lambda g: g == focus)  # the focus drawn last
    for geo_id in order:
        geom = projected.geoms[geo_id]
        gx0, gy0, gx1, gy1 = geom.bounds
        if gx1 < minx or gx0 > maxx or gy1 < miny or gy0 > maxy:
            continue
        shown = shapely.clip_by_rect(geom.simplify(tolerance), minx, miny, maxx, maxy)
        d = _path(shown, minx, maxy, scale)
        if not d:
            continue
        fill = fills.get(geo_id, "no_rate")
        paint = f"url(#{fill})" if fill in PATTERNS else fill
        stroke = (
            'stroke="#111" stroke-width="5"'
            if geo_id == focus
            else 'stroke="#fff" stroke-width="2"'
        )
        body.append(
            f'<path class="area-{escape(geo_id)}" d="{d}" fill="{paint}" {stroke} '
            'stroke-linejoin="round"/>'
        )
        if geo_id in labels and not plain:
            point = shown.representative_point()
            x, y = (point.x - minx) * scale, (maxy - point.y) * scale
            if not (_TEXT < x < WIDTH - _TEXT and _TEXT < y < height - _TEXT):
                continue  # a label cut by the frame: the area is mostly off the map
            weight = ' font-weight="700"' if geo_id == focus else ""
            text = (
                f'x="{x:.1f}" y="{y + _TEXT * 0.35:.1f}" font-size="{_TEXT:.0f}"'
                f' text-anchor="middle"{weight}>{escape(labels[geo_id])}</text>'
            )
            names.append(f'<text stroke="#fff" stroke-width="4" {text}<text {text}')
    legend_svg, legend_height = _legend(legend, legend_title, height + _TEXT)
    if plain:
        legend_svg, legend_height = "", -_TEXT
    furniture = (
        ""
        if plain
        else (
            _scale_bar(WIDTH, height, 1 / scale)
            + f'<rect x="{WIDTH - 3 * _TEXT:.1f}" y="0" width="{3 * _TEXT:.1f}" '
            f'height="{3.6 * _TEXT:.1f}" fill="#fff" fill-opacity="0.85"/>'
            + _north_arrow(WIDTH - 1.5 * _TEXT, 0.4 * _TEXT)
        )
    )
    total = height + _TEXT + legend_height
    border = "" if plain else ' stroke="#999"'
    return Markup(
        f'<svg class="print-map" viewBox="0 0 {WIDTH:.0f} {total:.0f}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="DejaVu Sans" fill="#222"><title>{escape(title)}</title>'
        f"<defs>{_PATTERN_DEFS}</defs>"
        f'<rect width="{WIDTH:.0f}" height="{height:.1f}" fill="#fff"'
        f"{border}/>"
        f"{''.join(body)}{''.join(names)}{furniture}{legend_svg}</svg>"
    )
