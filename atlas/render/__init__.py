"""The protected release -> the files of the atlas, in memory, with the ledger.

One set of page contexts (:mod:`atlas.render.context`) feeds every output: the
website (``index.html`` with the citywide heat map, one page per district under
``districts/``), and the PDF book (``atlas.pdf``, WeasyPrint). Each number a page
shows is recorded in the ledger under the file it appears in, for the audit.
Templates come from the user's ``templates/`` folder first, then ours, template by
template, so an atlas can restyle one page without copying the rest.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import weasyprint

from atlas.classify import NO_DATA, Classes, class_breaks
from atlas.model import LedgerEntry, ProtectedRelease, Rendered
from atlas.render.context import Key, build_context, numbers
from atlas.render.format import format_rate
from atlas.render.site import render_site
from atlas.render.svgmap import shapes, svg_map
from atlas.resources import data_path

PDF = "atlas.pdf"


def environment(user_templates: Path | None = None) -> jinja2.Environment:
    """Jinja with autoescaping and strict undefined names; user templates win."""
    folders = [str(p) for p in (user_templates, data_path("templates")) if p and p.is_dir()]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_release(
    release: ProtectedRelease,
    *,
    site: bool = True,
    pdf: bool = True,
    templates: Path | None = None,
) -> Rendered:
    """Render the website and the PDF book of ``release``; nothing is written to disk."""
    env = environment(templates)
    ctx = build_context(release)
    classes = class_breaks([d.share_value for d in ctx.city.districts if d.share_value is not None])
    fills = {d.geo_id: classes.colour(d.share_value) for d in ctx.city.districts}
    legend = _legend(classes, release.meta.rate_precision)
    frame = release.geographies[release.district_layer].frame
    locator_shapes = shapes(frame, tolerance_m=100.0)
    locators = {
        page.geo_id: svg_map(
            locator_shapes,
            {page.geo_id: "#e34a33"},
            title=f"Where {page.name} is in {ctx.city_name}",
            highlight=page.geo_id,
        )
        if page.geo_id in locator_shapes.paths
        else None
        for page in ctx.districts
    }
    out = Rendered()
    if site:
        render_site(out, env, ctx, release, locators=locators, with_pdf=pdf)
    if pdf:
        book = env.get_template("book.html").render(
            ctx=ctx,
            city_map=svg_map(shapes(frame), fills, title=f"Share of students homeless, {ctx.year}"),
            legend_entries=legend,
            locators=locators,
        )
        out.files[PDF] = weasyprint.HTML(string=book).write_pdf()
        _record(out, PDF, numbers(*ctx.city.facts, *ctx.city.districts, *ctx.city.sections))
        for page in ctx.districts:
            shown = numbers(*page.facts, page.sections[0], *page.print_sections)
            _record(out, PDF, shown)
    return out


def _legend(classes: Classes, precision: int) -> list[tuple[str, str]]:
    entries = [
        (
            colour,
            format_rate(hi, precision)
            if lo == hi
            else f"{format_rate(lo, precision)} to {format_rate(hi, precision)}",
        )
        for (lo, hi), colour in zip(classes.ranges(), classes.colours, strict=True)
    ]
    return [*entries, (NO_DATA, "no rate shown (see how to read the tables)")]


def _record(out: Rendered, where: str, shown: list[tuple[Key, str]]) -> None:
    out.ledger += [LedgerEntry(where, *key[:6], shown=text, category=key[6]) for key, text in shown]
