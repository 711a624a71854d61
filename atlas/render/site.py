"""The protected release -> the website's pages, maps and scripts, with their ledger.

:func:`render_site` writes every page of the website into a :class:`Rendered`:

- ``index.html``: key findings as sentences, the heat map of the share homeless, every
  district;
- ``overview.html``, ``geography.html``, ``outcomes.html`` (a heat map and a table of
  districts by housing group for each indicator), ``areas.html`` (tables for the other
  layers), ``compare.html``, ``methodology.html``, ``glossary.html``, ``guide.html``,
  ``downloads.html``;
- ``districts/<id>.html``, one per district, with its five-year trend;
- ``assets/``: the stylesheet, Leaflet, the map script, the district polygons once
  (``areas-<layer>.js``) and the list of places for the jump box (``places.js``).

Every number comes from a protected cell (:class:`~atlas.render.context.Cell`) and is
recorded in the ledger under the page that shows it. Map colours come from
Fisher-Jenks classes of published values only; maps that readers compare share breaks;
the darkest colour is the worst outcome.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markupsafe import Markup, escape

from atlas.classify import Classes, class_breaks
from atlas.model import (
    BAND_LABELS,
    CITY_LAYER,
    GROUP_LABELS,
    INDICATOR_INFO,
    SCHOOL_LAYER,
    LedgerEntry,
    ProtectedRelease,
    Rendered,
)
from atlas.render.context import (
    COHORT_OUTCOMES,
    OUTCOMES,
    Cell,
    Fact,
    Row,
    Section,
    SiteContext,
    _Cells,
    _natural,
    numbers,
)
from atlas.render.format import ABSENT, MARKS, format_rate
from atlas.render.tables import Download
from atlas.render.webmap import Areas, MapParts, areas_script, heat_map, leaflet_assets

#: Indicators where a higher rate is a better outcome: their darkest shade is the lowest.
HIGHER_IS_BETTER: frozenset[str] = frozenset(
    {"ela_proficiency", "math_proficiency", "graduation_4yr"}
)
#: Housing groups in the outcome tables of districts, in reading order.
OUTCOME_GROUPS: tuple[str, ...] = ("all", "homeless", "shelter", "doubled_up", "housed")
#: The cohort outcomes' groups: housing during high school.
COHORT_TABLE_GROUPS: tuple[str, ...] = (
    "all",
    "homeless",
    "ever_in_shelter",
    "never_in_shelter",
    "housed",
)
#: How a map and its legend draw a cell that shows no number: an SVG pattern (see
#: ``_patterns.html``), distinct from each other and from every class in grayscale.
MARK_FILLS: dict[str, str] = {
    "withheld": "url(#mark-withheld)",
    "omitted_reliability": "url(#mark-omitted)",
    "not_applicable": "url(#mark-none)",
    "missing": "url(#mark-missing)",
    "absent": "url(#mark-none)",
}
#: Pages of the website, in the order of the navigation bar: (path, short title).
NAV: tuple[tuple[str, str], ...] = (
    ("index.html", "Home"),
    ("overview.html", "Overview"),
    ("geography.html", "Geography"),
    ("outcomes.html", "Outcomes"),
    ("areas.html", "Other areas"),
    ("compare.html", "Compare"),
    ("rules.html", "Attendance rules"),  # atlas.render.rules_page
    ("methodology.html", "Methodology"),
    ("glossary.html", "Glossary"),
    ("guide.html", "User's guide"),
    ("downloads.html", "Downloads"),
)


#: The downloads page's list. Other parts of the atlas (the tables of ``atlas table``)
#: add their files with :func:`add_download` before the site is rendered (when their
#: module is imported, say), for files every build writes.
DOWNLOADS: list[Download] = [
    Download(
        "data/atlas_long.csv",
        "Every published number (CSV)",
        "CSV",
        "The long table: one row per cell, withheld ones included with their flag and no "
        "number. Columns are described in the methodology.",
    ),
    Download(
        "atlas.pdf", "The atlas as a PDF book", "PDF", "Every page of the website, for print."
    ),
    Download(
        "manifest.json",
        "Manifest (JSON)",
        "JSON",
        "Tool version, settings, checksums of the inputs and boundaries, licence and "
        "citation: what made this release.",
    ),
]


def add_download(download: Download) -> None:
    """List one more file on the downloads page (once)."""
    if all(d.path != download.path for d in DOWNLOADS):
        DOWNLOADS.append(download)


@dataclass(frozen=True)
class LegendEntry:
    fill: str  # a colour, or url(#pattern) for a mark
    words: str
    count: int  # how many areas the map draws with it


@dataclass(frozen=True)
class HeatMap:
    """One map: the folium parts, its title and legend, and the cells it shows."""

    id: str
    title: str
    parts: MapParts | None
    legend: tuple[LegendEntry, ...]
    cells: tuple[Cell, ...]
    unit: str = "areas"  # what the legend counts


@dataclass(frozen=True)
class Finding:
    """A key-finding sentence: its text (numbers already in it) and the chapter it opens."""

    text: Markup
    link: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class OutcomeSection:
    indicator: str
    title: str
    description: str
    better: str  # "higher" or "lower": which way is better
    map: HeatMap
    table: Section


@dataclass(frozen=True)
class Trend:
    """A district's (or the city's) share homeless and homeless count, year by year."""

    table: Section
    chart: Markup  # an SVG line of the published shares; the table gives the numbers


#: A school is drawn on its district's map only with this many homeless students or more.
MIN_SCHOOL_HOMELESS = 10


@dataclass(frozen=True)
class SchoolMap:
    """A district's map of its schools, and the table of the schools drawn (the map's
    numbers, for those who cannot see it)."""

    map: HeatMap
    table: Section


@dataclass
class Pages:
    """What the website's templates get besides ``ctx`` (documented in docs/website.md)."""

    nav: tuple[tuple[str, str], ...] = NAV
    findings: tuple[Finding, ...] = ()
    home_map: HeatMap | None = None
    overview: tuple[Section, ...] = ()
    city_trend: Trend | None = None
    geography: tuple[Section, ...] = ()
    shelter_map: HeatMap | None = None
    outcomes: tuple[OutcomeSection, ...] = ()
    areas: tuple[Section, ...] = ()
    compare: Section | None = None
    trends: dict[str, Trend] = field(default_factory=dict)
    pre_k: dict[str, Section] = field(default_factory=dict)
    downloads: tuple[Download, ...] = ()
    areas_script: str = ""
    school_maps: dict[str, SchoolMap] = field(default_factory=dict)


def render_site(
    out: Rendered,
    env: jinja2.Environment,
    ctx: SiteContext,
    release: ProtectedRelease,
    *,
    locators: dict[str, Markup | None],
    with_pdf: bool = True,
) -> None:
    """Every page and asset of the website into ``out``, each shown number in its ledger;
    the downloads page lists the PDF book only ``with_pdf``."""
    layer = release.district_layer
    frame = release.geographies[layer].frame
    paths = {d.geo_id: d.path for d in ctx.districts}
    areas = areas_script(frame, layer, paths)
    cells = _Cells(release.table, release.latest_year, release.meta.rate_precision)
    by_year = {
        y: cells if y == release.latest_year else _Cells(release.table, y, cells.precision)
        for y in release.years
    }
    ids = [d.geo_id for d in ctx.city.districts]
    names = {d.geo_id: d.name for d in ctx.city.districts}
    pages = Pages(areas_script=areas.path if areas.bounds else "")
    pages.home_map = _map(
        "home",
        f"Share of students homeless, by {ctx.district_label.lower()}, {ctx.year}",
        areas,
        {d.geo_id: d.share_homeless for d in ctx.city.districts},
        {d.geo_id: d.share_value for d in ctx.city.districts},
        higher_is_better=False,
        precision=cells.precision,
    )
    pages.findings = _findings(ctx, cells, by_year, layer)
    pages.outcomes = tuple(_outcomes(cells, areas, layer, ids, names, ctx.district_label))
    pages.overview = _overview(cells, by_year)
    pages.city_trend = _trend(by_year, CITY_LAYER, CITY_LAYER)
    pages.geography, pages.shelter_map = _geography(cells, areas, layer, ids, names, ctx)
    pages.areas = _areas(cells, release, ctx.district_label)
    pages.compare = _compare(cells, layer, ids, names)
    pages.trends = {gid: t for gid in ids if (t := _trend(by_year, layer, gid)) is not None}
    pages.pre_k = {gid: s for gid in ids if (s := _pre_k(cells, layer, gid)) is not None}
    pages.school_maps = _school_maps(cells, release, areas, ctx)
    pages.downloads = tuple(d for d in DOWNLOADS if with_pdf or d.path != "atlas.pdf")

    def page(path: str, template: str, parts: Iterable[object], **extra: object) -> None:
        root = "../" * path.count("/")
        html = env.get_template(template).render(
            ctx=ctx, pages=pages, root=root, here=path, **extra
        )
        out.files[path] = html.encode("utf-8")
        _record(out, path, parts)

    home = [*ctx.city.facts, *ctx.city.districts]
    page("index.html", "index.html", [*home, *_map_facts(pages.home_map), *_finding_facts(pages)])
    page(
        "overview.html",
        "overview.html",
        [
            *pages.overview,
            *([pages.city_trend.table] if pages.city_trend else []),
            *ctx.city.sections,
        ],
    )
    page(
        "geography.html",
        "geography.html",
        [*pages.geography, *_map_facts(pages.shelter_map)],
    )
    page(
        "outcomes.html",
        "outcomes.html",
        [p for o in pages.outcomes for p in (o.table, *_map_facts(o.map))],
    )
    page("areas.html", "areas.html", pages.areas)
    page("compare.html", "compare.html", [pages.compare] if pages.compare else [])
    for name in ("methodology", "glossary", "guide", "downloads"):
        page(f"{name}.html", f"{name}.html", [])
    for d in ctx.districts:
        extra: list[object] = [t.table for t in (pages.trends.get(d.geo_id),) if t]
        extra += [s for s in (pages.pre_k.get(d.geo_id),) if s]
        school_map = pages.school_maps.get(d.geo_id)
        if school_map:
            extra += [school_map.table, *_map_facts(school_map.map)]
        page(
            d.path,
            "district.html",
            [*d.facts, *d.sections, *d.places, *extra],
            page=d,
            locator=locators.get(d.geo_id),
            school_map=school_map,
        )
    css, _, _ = env.loader.get_source(env, "static/atlas.css")  # type: ignore[union-attr]
    script, _, _ = env.loader.get_source(env, "static/atlas-map.js")  # type: ignore[union-attr]
    out.files["assets/atlas.css"] = css.encode("utf-8")
    out.files["assets/atlas-map.js"] = script.encode("utf-8")
    if areas.bounds:
        out.files[areas.path] = areas.script
    out.files["assets/places.js"] = _places_script(ctx)
    for name, content in leaflet_assets().items():
        out.files[f"assets/{name}"] = content


def _record(out: Rendered, where: str, parts: Iterable[object]) -> None:
    shown = numbers(*parts)  # type: ignore[arg-type]
    out.ledger += [LedgerEntry(where, *key[:6], shown=text, category=key[6]) for key, text in shown]


def _map_facts(view: HeatMap | None) -> list[Fact]:
    return [] if view is None or view.parts is None else [Fact("", c) for c in view.cells]


def _finding_facts(pages: Pages) -> list[Fact]:
    return [Fact("", c) for f in pages.findings for c in f.cells]


def _places_script(ctx: SiteContext) -> bytes:
    places = [
        {
            "id": d.geo_id,
            "name": d.name,
            "label": f"{d.name}{', ' + d.borough if d.borough else ''}",
            "neighbourhoods": d.neighbourhoods.replace(";", ","),
            "path": d.path,
        }
        for d in ctx.districts
    ]
    return f"window.ATLAS_PLACES = {json.dumps(places, ensure_ascii=False)};\n".encode()


# --- maps -------------------------------------------------------------------------


def _classes(values: Iterable[float | None], *, higher_is_better: bool) -> Classes:
    classes = class_breaks([v for v in values if v is not None])
    if higher_is_better:  # the darkest shade is the worst outcome: the lowest rate
        return Classes(classes.lowest, classes.bounds, classes.colours[::-1])
    return classes


def _map(
    name: str,
    title: str,
    areas: Areas,
    shown: dict[str, Cell],
    values: dict[str, float | None],
    *,
    higher_is_better: bool,
    precision: int,
    basis: Sequence[float | None] | None = None,
    counts: bool = False,
) -> HeatMap:
    """A heat map of ``shown`` cells (by geo_id); ``values`` are their published values.
    Only areas with a polygon are drawn and counted in the legend. The classes come from
    ``basis`` (the published values of every map that shares them) or else from the
    values drawn."""
    shown = {gid: cell for gid, cell in shown.items() if gid in areas.each}
    values = {gid: values[gid] for gid in shown}
    basis = list(values.values()) if basis is None else basis
    classes = _classes(basis, higher_is_better=higher_is_better)
    fills = {
        gid: classes.colour(values[gid]) if cell.shows_number else MARK_FILLS[cell.flag]
        for gid, cell in shown.items()
    }
    legend = _legend(classes, basis, fills, shown, precision, counts=counts)
    drawn = tuple(shown.values())
    parts = heat_map(
        areas,
        {gid: (fills[gid], cell.text) for gid, cell in shown.items()},
        name=f"{name}_map",
        label=title,
        root="",
    )
    return HeatMap(name, title, parts, legend, drawn)


def _legend(
    classes: Classes,
    basis: Sequence[float | None],
    fills: dict[str, str],
    shown: dict[str, Cell],
    precision: int,
    *,
    counts: bool,
) -> tuple[LegendEntry, ...]:
    """Each class with its range and how many areas of this map fall in it, then each
    mark used. A class reads as the smallest and largest of the published values it was
    made from (Fisher-Jenks classes are clusters), the same on every map sharing it."""

    def text(v: float) -> str:
        return f"{round(v):,}" if counts else format_rate(v, precision)

    entries: list[LegendEntry] = []
    for (lo, hi), colour in zip(classes.ranges(), classes.colours, strict=True):
        inside = [v for v in basis if v is not None and classes.colour(v) == colour]
        low, high = (min(inside), max(inside)) if inside else (lo, hi)
        words = text(high) if low == high else f"{text(low)} to {text(high)}"
        n = sum(1 for gid, fill in fills.items() if fill == colour and shown[gid].shows_number)
        entries.append(LegendEntry(colour, words, n))
    marks: dict[str, int] = {}
    for cell in shown.values():
        if not cell.shows_number:
            marks[cell.flag] = marks.get(cell.flag, 0) + 1
    for flag, n in marks.items():
        mark, words = MARKS.get(flag, ABSENT)
        entries.append(LegendEntry(MARK_FILLS[flag], f"{mark}: {words}", n))
    return tuple(entries)


# --- home: key findings ------------------------------------------------------------


def _findings(
    ctx: SiteContext, cells: _Cells, by_year: dict[str, _Cells], layer: str
) -> tuple[Finding, ...]:
    """Sentences from published cells only; a sentence whose number is hidden is left out."""
    found: list[Finding] = []

    def add(link: str, template: str, *parts: Cell) -> None:
        if all(c.shows_number for c in parts):
            text = Markup(template).format(*(Markup("<b>{}</b>").format(c.text) for c in parts))
            found.append(Finding(text, link, parts))

    city = ctx.city_name
    year = ctx.year
    homeless = cells.get("students", CITY_LAYER, CITY_LAYER, "homeless")[0]
    students = cells.get("students", CITY_LAYER, CITY_LAYER, "all")[0]
    share = cells.get("share_of_students", CITY_LAYER, CITY_LAYER, "homeless")
    one_in = f" (about one in {_number(round(100 / share[1]))})" if share[1] else ""
    add(
        "overview.html",
        f"{escape(city)}: {{}} of {{}} students were homeless at some time in {year}, "
        f"{{}}{one_in}.",
        homeless,
        students,
        share[0],
    )
    shown = [d for d in ctx.city.districts if d.share_value is not None]
    if len(shown) >= 2:
        top = max(shown, key=lambda d: d.share_value or 0.0)
        low = min(shown, key=lambda d: d.share_value or 0.0)
        top_one_in = (
            f" (about one in {_number(round(100 / top.share_value))})" if top.share_value else ""
        )
        add(
            top.path,
            f"In {escape(top.name)}, {{}} of students were homeless{top_one_in}: the "
            f"highest share of any {escape(ctx.district_label.lower())} whose share is "
            f"shown; the lowest was {{}}, in {escape(low.name)}.",
            top.share_homeless,
            low.share_homeless,
        )
    years = list(by_year)
    if len(years) >= 2:
        first = by_year[years[0]].get("students", CITY_LAYER, CITY_LAYER, "homeless")[0]
        add(
            "overview.html#trend",
            f"The number of homeless students went from {{}} in {years[0]} to {{}} in {year}.",
            first,
            homeless,
        )
    for indicator, words in (
        ("chronic_absence_nyc", "were chronically absent"),
        ("ela_proficiency", "were proficient in English language arts"),
        ("graduation_4yr", "graduated within four years"),
    ):
        if cells.has(indicator):
            add(
                f"outcomes.html#{indicator}",
                f"{{}} of homeless students {words}, against {{}} of housed students.",
                cells.get(indicator, CITY_LAYER, CITY_LAYER, "homeless")[0],
                cells.get(indicator, CITY_LAYER, CITY_LAYER, "housed")[0],
            )
    if cells.has("shelters"):
        add(
            "geography.html",
            f"{{}} shelters in {escape(city)} had room for {{}} families.",
            cells.get("shelters", CITY_LAYER, CITY_LAYER, "all")[0],
            cells.get("shelter_capacity", CITY_LAYER, CITY_LAYER, "all")[0],
        )
    return tuple(found)


NUMBER_WORDS = ("zero one two three four five six seven eight nine ten").split()


def _number(n: int) -> str:
    """Small whole numbers in words, as in running text; larger ones in figures."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


# --- outcomes ----------------------------------------------------------------------


def _district_table(
    cells: _Cells,
    indicator: str,
    layer: str,
    ids: Sequence[str],
    names: dict[str, str],
    groups: Sequence[str],
    label: str,
    description: str,
) -> Section:
    info = INDICATOR_INFO[indicator]
    return Section(
        f"{indicator}-districts",
        info.label,
        description,
        tuple(GROUP_LABELS[g] for g in groups),
        tuple(
            Row(names[gid], tuple(cells.get(indicator, layer, gid, g)[0] for g in groups))
            for gid in ids
        ),
        row_header=label,
    )


def _outcomes(
    cells: _Cells,
    areas: Areas,
    layer: str,
    ids: Sequence[str],
    names: dict[str, str],
    label: str,
) -> Iterable[OutcomeSection]:
    for indicator in (*OUTCOMES, *COHORT_OUTCOMES):
        if not cells.has(indicator):
            continue
        info = INDICATOR_INFO[indicator]
        groups = COHORT_TABLE_GROUPS if indicator in COHORT_OUTCOMES else OUTCOME_GROUPS
        table = _district_table(
            cells, indicator, layer, ids, names, groups, label, f"{info.description}, percent."
        )
        better = indicator in HIGHER_IS_BETTER
        # One set of breaks for every group in the table, so the homeless map and any
        # other group's map compare; classes from published values only.
        every = [cells.get(indicator, layer, gid, g)[1] for gid in ids for g in groups]
        shown = {gid: cells.get(indicator, layer, gid, "homeless") for gid in ids}
        view = _map(
            indicator,
            f"{info.label}, homeless students, by {label.lower()}",
            areas,
            {gid: c for gid, (c, _) in shown.items()},
            {gid: v for gid, (_, v) in shown.items()},
            higher_is_better=better,
            precision=cells.precision,
            basis=every,
        )
        yield OutcomeSection(
            indicator,
            info.label,
            info.description,
            "higher" if better else "lower",
            view,
            table,
        )


# --- overview, trends, geography, other layers, compare ------------------------------------


TREND_GROUPS: tuple[str, ...] = ("all", "homeless", "shelter", "doubled_up", "unsheltered")


def _overview(cells: _Cells, by_year: dict[str, _Cells]) -> tuple[Section, ...]:
    """Counts over the years, the five-year history, and grades by housing status."""
    counts = Section(
        "counts_by_year",
        "Students by housing status, year by year",
        "Students enrolled at any time in each year, by their housing status in the year.",
        tuple(GROUP_LABELS[g] for g in TREND_GROUPS),
        tuple(
            Row(y, tuple(c.get("students", CITY_LAYER, CITY_LAYER, g)[0] for g in TREND_GROUPS))
            for y, c in by_year.items()
        ),
        row_header="School year",
    )
    history = tuple(
        g for g in ("ever_homeless", "always_housed", "formerly_homeless") if g in GROUP_LABELS
    )
    ever = Section(
        "history",
        "Five years of housing",
        "Students of this year by their housing over the five years up to it.",
        ("Students", "Share of all students"),
        tuple(
            Row(
                GROUP_LABELS[g],
                (
                    cells.get("students", CITY_LAYER, CITY_LAYER, g)[0],
                    cells.get("share_of_students", CITY_LAYER, CITY_LAYER, g)[0],
                ),
            )
            for g in history
        ),
    )
    bands = [b for b in BAND_LABELS if b != "all"]
    groups = ("all", "homeless", "shelter", "doubled_up", "housed")
    grades = Section(
        "grades",
        "Students by grade band and housing status",
        "Students enrolled at any time in the year, by grade band.",
        tuple(BAND_LABELS[b] for b in bands),
        tuple(
            Row(
                GROUP_LABELS[g],
                tuple(cells.get("students", CITY_LAYER, CITY_LAYER, g, b)[0] for b in bands),
            )
            for g in groups
        ),
    )
    return (counts, ever, grades)


def _trend(by_year: dict[str, _Cells], layer: str, geo_id: str) -> Trend | None:
    shares = [
        (y, *c.get("share_of_students", layer, geo_id, "homeless")) for y, c in by_year.items()
    ]
    if len(shares) < 2:
        return None
    table = Section(
        "five_years",
        "Homeless students, year by year",
        "Homeless students and their share of all students, year by year.",
        ("Homeless students", "Share homeless"),
        tuple(
            Row(y, (by_year[y].get("students", layer, geo_id, "homeless")[0], cell))
            for y, cell, _ in shares
        ),
        row_header="School year",
    )
    return Trend(table, _sparkline([(y, v) for y, _, v in shares]))


def _sparkline(points: list[tuple[str, float | None]]) -> Markup:
    """A small SVG line chart of published shares (a gap where a share is not shown)."""
    values = [v for _, v in points if v is not None]
    if not values:
        return Markup("")
    width, height, pad = 240.0, 80.0, 14.0
    top = max(values) * 1.1 or 1.0
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, height - pad - (v / top) * (height - 2 * pad)

    runs: list[list[tuple[float, float]]] = [[]]
    dots = []
    for i, (_, v) in enumerate(points):
        if v is None:
            runs.append([])
            continue
        runs[-1].append(xy(i, v))
        dots.append(xy(i, v))
    lines = "".join(
        '<polyline fill="none" stroke="#b30000" stroke-width="2" points="{}"/>'.format(
            " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        )
        for run in runs
        if len(run) > 1
    )
    circles = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#b30000"/>' for x, y in dots)
    first, last = escape(points[0][0]), escape(points[-1][0])
    axis = (
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#767676"/>'
        f'<text x="{pad}" y="{height - 2}" font-size="10" fill="#555">{first}</text>'
        f'<text x="{width - pad}" y="{height - 2}" font-size="10" fill="#555" '
        f'text-anchor="end">{last}</text>'
    )
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="Share homeless from {first} to {last}; the table gives each year">'
        f"{axis}{lines}{circles}</svg>"
    )


def _pre_k(cells: _Cells, layer: str, geo_id: str) -> Section | None:
    groups = ("all", "homeless", "shelter", "housed")
    rows = [cells.get("students", layer, geo_id, g, "pre_k")[0] for g in groups]
    if all(c.flag == "absent" for c in rows):
        return None
    return Section(
        "pre_k",
        "Pre-K reach",
        "Children enrolled in pre-kindergarten, by housing status.",
        tuple(GROUP_LABELS[g] for g in groups),
        (Row("Pre-K students", tuple(rows)),),
        row_header="",
    )


def _geography(
    cells: _Cells,
    areas: Areas,
    layer: str,
    ids: Sequence[str],
    names: dict[str, str],
    ctx: SiteContext,
) -> tuple[tuple[Section, ...], HeatMap | None]:
    """Where homeless students go to school, shelters, mid-year moves and late entry."""
    label = ctx.district_label
    columns = [
        ("students", "homeless", "Homeless students"),
        ("students", "shelter", "In shelter"),
        ("students", "doubled_up", "Doubled up"),
        ("students", "unsheltered", "Unsheltered"),
        ("share_of_students", "homeless", "Share homeless"),
    ]
    where = Section(
        "where",
        f"Homeless students by type and {label.lower()}",
        "Students homeless at some time in the year, counted at the schools they attended.",
        tuple(c[2] for c in columns),
        tuple(
            Row(names[g], tuple(cells.get(i, layer, g, grp)[0] for i, grp, _ in columns))
            for g in ids
        ),
        row_header=label,
    )
    sections = [where]
    moves = [i for i in ("midyear_transfer", "late_entry") if cells.has(i)]
    if moves:
        sections.append(
            Section(
                "moves",
                "Mid-year transfers and late enrollment",
                "Percent of homeless and of housed students who changed school during the "
                "year, and who entered the school system late.",
                tuple(
                    f"{INDICATOR_INFO[i].label}: {GROUP_LABELS[g].lower()}"
                    for i in moves
                    for g in ("homeless", "housed")
                ),
                tuple(
                    Row(
                        names[gid],
                        tuple(
                            cells.get(i, layer, gid, g)[0]
                            for i in moves
                            for g in ("homeless", "housed")
                        ),
                    )
                    for gid in ids
                ),
                row_header=label,
            )
        )
    shelter_map = None
    if cells.has("shelters"):
        place_cols = [
            (i, INDICATOR_INFO[i].label)
            for i in ("shelters", "shelter_capacity", "resources")
            if cells.has(i)
        ]
        sections.append(
            Section(
                "shelters",
                f"Shelters and resources by {label.lower()}",
                "Shelters, their capacity in family units, and community resources located "
                "in each area (places, not students).",
                tuple(t for _, t in place_cols),
                tuple(
                    Row(
                        names[gid], tuple(cells.get(i, layer, gid, "all")[0] for i, _ in place_cols)
                    )
                    for gid in ids
                ),
                row_header=label,
            )
        )
        shown = {gid: cells.get("shelters", layer, gid, "all") for gid in ids}
        shelter_map = _map(
            "shelters",
            f"Shelters by {label.lower()}",
            areas,
            {g: c for g, (c, _) in shown.items()},
            {g: v for g, (_, v) in shown.items()},
            higher_is_better=False,
            precision=cells.precision,
            counts=True,
        )
    return tuple(sections), shelter_map


def _areas(cells: _Cells, release: ProtectedRelease, district_label: str) -> tuple[Section, ...]:
    """A table for every layer other than the districts and the city."""
    columns = [
        ("students", "all", "Students"),
        ("students", "homeless", "Homeless"),
        ("share_of_students", "homeless", "Share homeless"),
        ("students", "shelter", "In shelter"),
    ]
    sections = []
    for name, geo in release.geographies.items():
        if name in (release.district_layer, CITY_LAYER):
            continue
        frame = geo.frame.sort_values("geo_id", key=_natural)
        sections.append(
            Section(
                f"layer-{name}",
                f"{geo.label}s" if not geo.label.endswith("s") else geo.label,
                f"Students by housing status in each {geo.label.lower()}, counted where they "
                "went to school.",
                tuple(c[2] for c in columns),
                tuple(
                    Row(
                        str(r.geo_name),
                        tuple(cells.get(i, name, r.geo_id, g)[0] for i, g, _ in columns),
                    )
                    for r in frame.itertuples(index=False)
                ),
                row_header=geo.label,
            )
        )
    return tuple(sections)


COMPARED: tuple[tuple[str, str, str], ...] = (
    ("students", "all", "Students"),
    ("students", "homeless", "Homeless students"),
    ("share_of_students", "homeless", "Share homeless"),
    ("students", "shelter", "Students in shelter"),
    ("rank_share_homeless_city", "homeless", "Rank in the city by share homeless"),
    *(
        (i, g, f"{INDICATOR_INFO[i].label}: {GROUP_LABELS[g].lower()}")
        for i in OUTCOMES
        for g in ("homeless", "housed")
    ),
)


def _compare(
    cells: _Cells, layer: str, ids: Sequence[str], names: dict[str, str]
) -> Section | None:
    rows = [(i, g, t) for i, g, t in COMPARED if cells.has(i)]
    if not ids:
        return None
    return Section(
        "compare",
        "Districts side by side",
        "Each district's headline numbers and its homeless and housed students' outcomes.",
        tuple(names[g] for g in ids),
        tuple(Row(t, tuple(cells.get(i, layer, gid, g)[0] for gid in ids)) for i, g, t in rows),
        row_header="",
    )


# --- district maps: schools -----------------------------------------------------------


def _school_maps(
    cells: _Cells, release: ProtectedRelease, areas: Areas, ctx: SiteContext
) -> dict[str, SchoolMap]:
    """Each district's schools with at least :data:`MIN_SCHOOL_HOMELESS` homeless students
    (or the release's smallest shown count, if larger) as a published count, coloured by
    their published share homeless. Every district's map shares one set of classes, from
    the shares of every school drawn in the city."""
    layer = release.district_layer
    schools = release.schools
    if schools is None or layer not in schools.columns or areas.bounds is None:
        return {}
    least = max(MIN_SCHOOL_HOMELESS, release.meta.min_count)
    drawn: dict[str, list[tuple[Any, Cell, Cell, float | None]]] = {}
    for school in schools.sort_values("school_name").itertuples(index=False):
        sid = str(school.school_id)
        homeless, count = cells.get("students", SCHOOL_LAYER, sid, "homeless")
        if count is None or count < least:
            continue
        share, value = cells.get("share_of_students", SCHOOL_LAYER, sid, "homeless")
        drawn.setdefault(str(getattr(school, layer)), []).append((school, homeless, share, value))
    basis = [v for found in drawn.values() for *_, v in found]
    classes = _classes(basis, higher_is_better=False)
    out: dict[str, SchoolMap] = {}
    for d in ctx.districts:
        found = drawn.get(d.geo_id)
        if not found or d.geo_id not in areas.each:
            continue
        shares = {str(s.school_id): share for s, _, share, _ in found}
        values = {str(s.school_id): v for s, _, _, v in found}
        fills = {
            sid: classes.colour(values[sid]) if c.shows_number else MARK_FILLS[c.flag]
            for sid, c in shares.items()
        }
        title = f"Schools in {d.name} by share of students homeless, {ctx.year}"
        parts = heat_map(
            areas,
            {gid: ("#ffffff" if gid == d.geo_id else "#e0e0e0", "") for gid in areas.each},
            name="schools_map",
            label=title,
            root="../",
            bounds=areas.each[d.geo_id],
            dots=[
                (
                    float(s.latitude),
                    float(s.longitude),
                    fills[str(s.school_id)],
                    f"{s.school_name}: {homeless.text} homeless students, {share.text}",
                )
                for s, homeless, share, _ in found
            ],
        )
        legend = _legend(classes, basis, fills, shares, cells.precision, counts=False)
        view = HeatMap(
            "schools",
            title,
            parts,
            legend,
            tuple(c for _, homeless, share, _ in found for c in (homeless, share)),
            unit="schools",
        )
        table = Section(
            "schools",
            f"Schools with {least} or more homeless students",
            "Schools on the map, with their homeless students and their share of all the "
            f"school's students; schools with fewer than {least} homeless "
            "students, or whose number is withheld, are not shown.",
            ("Homeless students", "Share homeless"),
            tuple(Row(str(s.school_name), (homeless, share)) for s, homeless, share, _ in found),
            row_header="School",
        )
        out[d.geo_id] = SchoolMap(view, table)
    return out
