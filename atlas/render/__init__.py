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

from atlas.classify import NO_DATA, Classes, class_breaks
from atlas.model import LedgerEntry, ProtectedRelease, Rendered
from atlas.render.context import DistrictPage, Key, Section, build_context, numbers
from atlas.render.format import format_rate
from atlas.render.pdf import PDF, area_tables, print_maps, render_documents
from atlas.render.rules_page import rules_page
from atlas.render.site import Pages, render_site
from atlas.render.svgmap import shapes, svg_map
from atlas.resources import data_path


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
    page_size: str = "letter",
) -> Rendered:
    """Render the website, the PDF book and the district PDFs of ``release`` (on
    ``page_size`` paper: letter or a4); nothing is written to disk."""
    env = environment(templates)
    ctx = build_context(release)
    classes = class_breaks([d.share_value for d in ctx.city.districts if d.share_value is not None])
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
    rules = rules_page(release)
    if site:
        render_site(out, env, ctx, release, locators=locators, with_pdf=pdf)
        # The attendance rules page (atlas.render.rules_page), in the site's frame.
        html = env.get_template("rules.html").render(
            ctx=ctx, rules=rules, pages=Pages(), root="", here=rules.path
        )
        out.files[rules.path] = html.encode("utf-8")
        _record(out, rules.path, numbers(*rules.sections))
    if pdf:
        appendix = area_tables(release)
        maps = print_maps(ctx, frame, classes, legend)
        pdfs = render_documents(
            env,
            ctx,
            maps=maps,
            locators=locators,
            appendix=appendix,
            rules=rules,
            page_size=page_size,
        )
        out.files.update(pdfs)
        _record(out, PDF, numbers(*ctx.city.facts, *ctx.city.districts, *ctx.city.sections))
        _record(out, PDF, numbers(*(a for t in appendix for a in t.areas)))
        for page in ctx.districts:
            shown = numbers(*page.facts, *_print_parts(page))
            _record(out, PDF, shown)
            _record(out, f"districts/{page.geo_id}.pdf", shown)
        _record(out, PDF, numbers(*rules.sections))
    return out


def _print_parts(page: DistrictPage) -> tuple[Section, ...]:
    """The tables of a district's printed profile (book and district PDF alike)."""
    return (page.sections[0], *page.print_sections, *page.places)


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
