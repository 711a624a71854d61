"""The page contexts -> the printed atlas: the book and one PDF per district.

The book (``atlas.pdf``) and each district's two-page profile
(``districts/<id>.pdf``) are HTML documents rendered by WeasyPrint, from the same
page contexts as the website, so print and web cannot show different numbers. Maps
are vector SVG drawn by :func:`atlas.render.svgmap.print_map` in the web map's
classes and colours.

The PDFs are tagged (PDF/UA-1): the document language and title are set, headings
give the outline (bookmarks), maps carry their title as alternative text, and tables
mark their header cells. They are rendered in parallel worker processes, one document
at a time each, and the same release renders to the same bytes: WeasyPrint writes no
date or random identifier unless asked to, and the font (DejaVu, a Debian package
installed by ``setup.sh``) is embedded as a subset.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import jinja2
import weasyprint
from markupsafe import Markup

from atlas.classify import Classes
from atlas.model import CITY_LAYER, ProtectedRelease
from atlas.render.context import DistrictSummary, SiteContext, _Cells, _natural
from atlas.render.svgmap import PATTERNS, Projected, print_map, project

PDF = "atlas.pdf"
#: Paper sizes by config name (``outputs.page_size``), as CSS ``@page`` sizes.
PAGE_SIZES: dict[str, str] = {"letter": "letter", "a4": "A4"}
#: Height / width of every district map, so all profiles share one layout.
DISTRICT_MAP_ASPECT = 0.58


@dataclass(frozen=True)
class AreaTable:
    """One boundary layer's areas, for the appendix: the headline numbers of each."""

    layer: str
    label: str
    areas: tuple[DistrictSummary, ...]


def area_tables(release: ProtectedRelease) -> tuple[AreaTable, ...]:
    """Students, homeless students, their share and students in shelter, in every area of
    each layer other than the district layer (whose table is in the first chapter)."""
    cells = _Cells(release.table, release.latest_year, release.meta.rate_precision)
    tables = []
    for name, geo in release.geographies.items():
        if name in (release.district_layer, CITY_LAYER):
            continue
        parents: dict[str, str] = {}
        if geo.parent and geo.parent in release.geographies:
            frame = release.geographies[geo.parent].frame
            parents = dict(zip(frame["geo_id"], frame["geo_name"], strict=True))
        frame = geo.frame.sort_values("geo_id", key=_natural)
        areas = []
        for row in frame.itertuples(index=False):
            share, value = cells.get("share_of_students", name, row.geo_id, "homeless")
            areas.append(
                DistrictSummary(
                    geo_id=row.geo_id,
                    name=row.geo_name,
                    borough=parents.get(row.parent_id, "") if row.parent_id else "",
                    path="",
                    students=cells.get("students", name, row.geo_id, "all")[0],
                    homeless=cells.get("students", name, row.geo_id, "homeless")[0],
                    share_homeless=share,
                    shelter=cells.get("students", name, row.geo_id, "shelter")[0],
                    share_value=value,
                )
            )
        tables.append(AreaTable(name, geo.label, tuple(areas)))
    return tuple(tables)


def map_fills(districts: Iterable[DistrictSummary], classes: Classes) -> dict[str, str]:
    """Each area's fill on a print map: its class colour, or the pattern that says why it
    has no rate (withheld, or any other reason)."""
    fills = {}
    for d in districts:
        if d.share_value is not None:
            fills[d.geo_id] = classes.colour(d.share_value)
        elif d.share_homeless.flag == "withheld":
            fills[d.geo_id] = "withheld"
        else:
            fills[d.geo_id] = "no_rate"
    return fills


@dataclass(frozen=True)
class PrintMaps:
    """The print maps of the release: the city's, and each district's by geo_id."""

    city: Markup | None
    cover: Markup | None
    districts: dict[str, Markup | None]


def print_maps(
    ctx: SiteContext, frame: object, classes: Classes, legend: list[tuple[str, str]]
) -> PrintMaps:
    """The citywide map and one map per district, cut to the district."""
    projected: Projected = project(frame)
    fills = map_fills(ctx.city.districts, classes)
    entries = [*legend[:-1], *PATTERNS.items()]  # the web's classes, then the patterns
    legend_title = f"Share of students homeless, {ctx.year}"
    labels = {d.geo_id: d.geo_id for d in ctx.city.districts}
    title = (
        f"Map of the share of students homeless by {ctx.district_label.lower()}, "
        f"{ctx.city_name}, {ctx.year}"
    )
    city = cover = None
    if projected.geoms:
        city = print_map(
            projected,
            fills,
            title=title,
            legend_title=legend_title,
            legend=entries,
            labels=labels,
        )
        cover = print_map(projected, fills, title=title, legend_title="", legend=[], plain=True)
    districts = {
        page.geo_id: print_map(
            projected,
            fills,
            title=f"Map of {page.name} and its neighbours, shaded by the share of "
            f"students homeless, {ctx.year}",
            legend_title=legend_title,
            legend=entries,
            focus=page.geo_id,
            labels=labels,
            aspect=DISTRICT_MAP_ASPECT,
        )
        if page.geo_id in projected.geoms
        else None
        for page in ctx.districts
    }
    return PrintMaps(city, cover, districts)


def render_documents(
    env: jinja2.Environment,
    ctx: SiteContext,
    *,
    maps: PrintMaps,
    locators: dict[str, Markup | None],
    appendix: tuple[AreaTable, ...],
    rules: Any,
    page_size: str = "letter",
    processes: int | None = None,
) -> dict[str, bytes]:
    """The book (with ``rules``, the attendance rules chapter's
    :class:`atlas.render.rules_page.RulesPage`) and every district's PDF, by path."""
    common = {"ctx": ctx, "maps": maps, "locators": locators, "page_size": PAGE_SIZES[page_size]}
    book = env.get_template("book.html").render(appendix=appendix, rules=rules, **common)
    documents = {PDF: book}
    profile = env.get_template("district_print.html")
    for page in ctx.districts:
        documents[f"districts/{page.geo_id}.pdf"] = profile.render(page=page, **common)
    return write_pdfs(documents, processes=processes)


def write_pdf(html: str) -> bytes:
    """One HTML document -> tagged PDF/UA-1 bytes."""
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")  # type: ignore[no-any-return]


def write_pdfs(documents: dict[str, str], *, processes: int | None = None) -> dict[str, bytes]:
    """Render HTML documents to PDF in worker processes (default: one per core), the
    largest first so that no worker is left with it at the end."""
    workers = min(processes or os.cpu_count() or 1, len(documents))
    order = sorted(documents, key=lambda p: -len(documents[p]))
    if workers <= 1:
        return {path: write_pdf(documents[path]) for path in documents}
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pdfs = dict(zip(order, pool.map(write_pdf, [documents[p] for p in order]), strict=True))
    return {path: pdfs[path] for path in documents}
