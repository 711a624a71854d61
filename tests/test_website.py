"""The website's structure, its template contract, its maps' legends and weight.

Pages come from the hand-made release of :mod:`tests.test_render`, whose numbers are
known by hand; the weight test uses the real NYC school districts shipped in
``boundaries/``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from urllib.parse import urldefrag

import geopandas as gpd
import jinja2
import jinja2.meta
import jinja2.nodes
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from atlas.classify import PALETTE
from atlas.model import ProtectedRelease
from atlas.render import environment, render_release
from atlas.render.context import SiteContext, build_context
from atlas.render.site import NAV, Pages
from atlas.render.webmap import areas_script

from .test_render import SD, _cell, _release

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
#: The PDF book's template belongs to the book (its variables are listed in the same doc).
#: Files the build adds beside the rendered pages (and the PDF, not rendered here).
ADDED_BY_THE_BUILD = {"atlas.pdf", "data/atlas_long.csv", "manifest.json"}
PRINT_TEMPLATES = {"book.html", "district_print.html"}  # documented in docs/website.md's last part
WEBSITE_TEMPLATES = sorted(
    p.name for p in TEMPLATES.glob("*.html") if p.name not in PRINT_TEMPLATES
)


#: Schools of the hand-made city: id, name, district, longitude, latitude, then their
#: homeless students and share homeless as (flag, numerator, denominator, value).
P, W = "published", ("withheld",)
SCHOOLS = [
    ("01A", "Alder School", "1", -74.015, 40.705, (P, 12, None, 12), (P, 12, 60, 20.0)),
    ("01B", "Birch School", "1", -74.012, 40.703, W, W),
    ("01C", "Cedar School", "1", -74.018, 40.708, (P, 25, None, 25), W),
    ("02D", "Dogwood School", "2", -74.005, 40.705, (P, 40, None, 40), (P, 40, 80, 50.0)),
    ("02E", "Elm School", "2", -74.003, 40.702, (P, 0, None, 0), (P, 0, 90, 0.0)),
]


def release_with_schools() -> ProtectedRelease:
    """The hand-made release with five schools: Alder (12 homeless, 20.0%) and Cedar (25,
    share withheld) are drawn on district 1's map, Dogwood (40, 50.0%) on district 2's;
    Birch (withheld) and Elm (no homeless student) are not drawn."""
    release = _release()
    cells = []
    for sid, _, _, _, _, homeless, share in SCHOOLS:
        cells.append(_cell("students", "school", sid, "homeless", *homeless))
        cells.append(_cell("share_of_students", "school", sid, "homeless", *share))
    table = pd.concat([release.table, pd.DataFrame(cells)], ignore_index=True)
    schools = pd.DataFrame(
        [s[:5] for s in SCHOOLS],
        columns=["school_id", "school_name", SD, "longitude", "latitude"],
    )
    return dataclasses.replace(release, table=table, schools=schools)


@pytest.fixture(scope="module")
def site(site_with_schools) -> dict[str, bytes]:
    return site_with_schools.files


def _pages(site: dict[str, bytes]) -> dict[str, BeautifulSoup]:
    return {
        path: BeautifulSoup(content.decode("utf-8"), "html.parser")
        for path, content in site.items()
        if path.endswith(".html")
    }


# --- template contract ---------------------------------------------------------------


def _documented() -> tuple[set[str], set[str]]:
    """Names documented in docs/website.md: template variables, and fields of ``pages``."""
    text = (REPO / "docs" / "website.md").read_text(encoding="utf-8")
    contract = text.split("## Template variables", 1)[1]
    variables = set(re.findall(r"^- `(\w+)`:", contract, flags=re.M))
    fields = set(re.findall(r"^  - `(\w+)`:", contract, flags=re.M))
    return variables, fields


def _used(name: str) -> set[str]:
    """The names a template reads from its context (macros it imports are its own)."""
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    tree = jinja2.Environment().parse(source)
    imported = {
        n if isinstance(n, str) else n[1]
        for node in tree.find_all(jinja2.nodes.FromImport)
        for n in node.names
    }
    return jinja2.meta.find_undeclared_variables(tree) - imported


@pytest.mark.parametrize("name", WEBSITE_TEMPLATES)
def test_every_variable_a_template_uses_is_documented(name):
    variables, _ = _documented()
    assert _used(name) <= variables, name


def test_every_field_of_pages_and_ctx_the_templates_use_exists_and_is_documented():
    _, documented_fields = _documented()
    pages_fields = {f.name for f in dataclasses.fields(Pages)}
    ctx_fields = {f.name for f in dataclasses.fields(SiteContext)}
    assert pages_fields == documented_fields
    for name in WEBSITE_TEMPLATES:
        source = (TEMPLATES / name).read_text(encoding="utf-8")
        assert set(re.findall(r"\bpages\.(\w+)", source)) <= pages_fields, name
        assert set(re.findall(r"\bctx\.(\w+)", source)) <= ctx_fields, name


def test_the_documented_variables_are_the_ones_the_website_passes():
    """docs/website.md lists exactly what the templates get: nothing more, nothing less."""
    variables, _ = _documented()
    used = set().union(*(_used(n) for n in WEBSITE_TEMPLATES))
    assert used == variables


def test_undefined_names_stop_the_build():
    env = environment()
    assert env.undefined is jinja2.StrictUndefined
    ctx = build_context(_release())
    with pytest.raises(jinja2.UndefinedError, match="'pages' is undefined"):
        env.get_template("downloads.html").render(ctx=ctx, root="", here="downloads.html")


# --- structure of every page ---------------------------------------------------------


def test_the_site_has_every_page(site):
    expected = {path for path, _ in NAV} | {
        "districts/1.html",
        "districts/2.html",
        "districts/75.html",
    }
    assert {p for p in site if p.endswith(".html")} == expected


def test_every_page_is_one_document_with_a_title_language_and_headings_in_order(site):
    for path, page in _pages(site).items():
        assert page.html["lang"] == "en", path
        assert page.title.get_text(strip=True), path
        assert page.find("meta", attrs={"name": "viewport"}), path
        assert len(page.find_all("h1")) == 1, path
        levels = [int(h.name[1]) for h in page.find_all(re.compile(r"^h[1-6]$"))]
        assert levels[0] == 1, path
        skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        assert skips == [], f"{path} skips a heading level"
        ids = [t["id"] for t in page.find_all(id=True)]
        assert len(ids) == len(set(ids)), f"{path} repeats an id"


def test_the_navigation_marks_the_page_it_is_on(site):
    for path, page in _pages(site).items():
        nav = page.find("nav", class_="pages")
        root = "../" * path.count("/")
        assert [a["href"] for a in nav.find_all("a")] == [root + p for p, _ in NAV]
        current = [a["href"] for a in nav.find_all("a", attrs={"aria-current": "page"})]
        assert current == ([path] if path in dict(NAV) else []), path


def test_every_link_inside_the_site_leads_to_a_file_and_an_anchor_that_exist(site):
    from atlas.render.downloads import render_downloads

    # The data files are written by the build's downloads stage, beside the pages.
    site = {**render_downloads(release_with_schools()), **site}
    pages = _pages(site)
    for path, page in pages.items():
        folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        for a in page.find_all("a", href=True):
            href = a["href"]
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            target, fragment = urldefrag(href)
            target = (folder + target).replace("districts/../", "") if target else path
            if target in ADDED_BY_THE_BUILD:
                continue
            assert target in site, f"{path} links to missing {href}"
            if fragment:
                assert pages[target].find(id=fragment), f"{path} links to missing #{fragment}"


def test_every_table_has_headers_for_its_rows_and_columns_and_can_be_scrolled_by_keyboard(site):
    for path, page in _pages(site).items():
        for table in page.find_all("table"):
            heads = table.find_all("th")
            assert heads and all(th.get("scope") in ("col", "row") for th in heads), path
            box = table.find_parent("div", class_="scroll")
            assert box is not None and box["tabindex"] == "0" and box["aria-label"], path


def test_every_map_has_a_text_alternative_a_legend_and_a_table_with_its_numbers(site):
    maps = {}
    for path, page in _pages(site).items():
        for figure in page.select("figure.heatmap"):
            maps.setdefault(path, []).append(figure["id"])
            title = figure.figcaption.get_text(strip=True)
            assert title, path
            assert figure.select(".legend li"), path
            link = figure.select_one(".legend a[href^='#']")
            assert link and page.find(id=link["href"][1:]).find("table"), path
            # The map's own label names what it shows, for screen readers.
            assert f'"label": "{title}"' in site[path].decode("utf-8"), path
    # The home page's, one per outcome the release has (chronic absence alone), and the
    # schools of the districts with a polygon and a school drawn; no shelter map, as the
    # release has no shelters.
    assert maps == {
        "index.html": ["map-home"],
        "outcomes.html": ["map-chronic_absence_nyc"],
        "districts/1.html": ["map-schools"],
        "districts/2.html": ["map-schools"],
    }


def test_home_legend_gives_each_class_its_values_and_count_of_areas_drawn(site):
    """District 1's 25.0% and district 2's 12.3% make two classes; district 75 (its share
    omitted as unreliable) has no polygon: it is neither drawn nor counted."""
    page = BeautifulSoup(site["index.html"].decode("utf-8"), "html.parser")
    legend = page.select("#map-home .legend li")
    entries = [(li.rect["fill"], " ".join(li.get_text(" ", strip=True).split())) for li in legend]
    assert entries == [
        (PALETTE[0], "12.3% (1)"),
        (PALETTE[-1], "25.0% (1)"),
    ]


def test_key_findings_are_sentences_of_published_numbers_with_a_link_each(site):
    page = BeautifulSoup(site["index.html"].decode("utf-8"), "html.parser")
    findings = [" ".join(li.get_text().split()) for li in page.select("#findings li")]
    # District 1's 25.0% is the highest shown share, 12.3% (district 2) the lowest;
    # 25% is one in four, in words.
    assert (
        "In District 1, 25.0% of students were homeless (about one in four): the highest "
        "share of any school district whose share is shown; the lowest was 12.3%, in "
        "District 2. More"
    ) in findings
    # The city's homeless count is not in the release: the sentence needing it is left out.
    assert not [f for f in findings if f.startswith("Tiny City")]
    assert all(li.a["href"] for li in page.select("#findings li"))


# --- palettes and patterns -----------------------------------------------------------


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_palette_darkens_class_by_class_so_it_reads_in_grayscale():
    lum = [_luminance(c) for c in PALETTE]
    assert lum == sorted(lum, reverse=True)
    # Neighbouring classes differ enough to tell apart in grayscale (contrast >= 1.2:1),
    # and the darkest is dark enough for a white outline (>= 3:1, WCAG's non-text ratio).
    ratios = [(a + 0.05) / (b + 0.05) for a, b in zip(lum, lum[1:], strict=False)]
    assert min(ratios) >= 1.2
    assert (1.05) / (lum[-1] + 0.05) >= 3


def test_the_marks_are_patterns_that_differ_from_each_other_and_from_the_classes(site):
    page = BeautifulSoup(site["index.html"].decode("utf-8"), "html.parser")
    patterns = {p["id"]: str(p.decode_contents()) for p in page.find_all("pattern")}
    assert set(patterns) == {"mark-withheld", "mark-omitted", "mark-missing", "mark-none"}
    assert len(set(patterns.values())) == 4
    for body in patterns.values():  # each draws something on its white ground
        assert re.search(r"<(line|circle|path)\b", body)


# --- weight ----------------------------------------------------------------------------


def test_nyc_school_district_polygons_for_the_web_weigh_under_300_kb():
    frame = gpd.read_file(REPO / "boundaries" / "school_districts.geojson")
    frame["geo_id"] = frame["SchoolDist"].astype(int).astype(str)
    frame = frame[["geo_id", "geometry"]].dissolve("geo_id").reset_index()  # 10 is in 2 parts
    frame["geo_name"] = "District " + frame["geo_id"]
    areas = areas_script(frame, "school_district", {})
    assert len(areas.script) < 300_000
    # Simplified, yet every district is still there and still a valid polygon.
    text = areas.script.decode("utf-8").split(" = ", 2)[-1].rstrip().rstrip(";")
    drawn = gpd.GeoDataFrame.from_features(json.loads(text)["features"])
    assert sorted(drawn["id"], key=int) == [str(i) for i in range(1, 33)]
    assert drawn.geometry.is_valid.all()
    south, west, north, east = areas.bounds
    assert 40.4 < south < north < 41.0 and -74.3 < west < east < -73.6


# --- district maps of schools ----------------------------------------------------------


def _dots(html: str) -> list[list]:
    found = re.search(r"atlasAreas\(map_\w+, (\{.*?\})\);", html)
    assert found, "no map on the page"
    return json.loads(found.group(1))["dots"]


def test_a_district_map_draws_only_schools_with_ten_or_more_homeless_students(site):
    html = site["districts/1.html"].decode("utf-8")
    # Shares 20.0% and 50.0% are the city's shown school shares: two classes.
    assert _dots(html) == [
        [40.705, -74.015, PALETTE[0], "Alder School: 12 homeless students, 20.0%"],
        [40.708, -74.018, "url(#mark-withheld)", "Cedar School: 25 homeless students, s"],
    ]
    page = BeautifulSoup(html, "html.parser")
    rows = page.select("section#schools tbody tr")
    assert [[c.get_text(strip=True) for c in r.find_all(["th", "td"])] for r in rows] == [
        ["Alder School", "12", "20.0%"],
        ["Cedar School", "25", "s"],
    ]
    legend = [
        " ".join(li.get_text(" ", strip=True).split())
        for li in page.select("#map-schools .legend li")
    ]
    assert legend == [
        "20.0% (1)",
        "50.0% (0)",  # the class of Dogwood School's 50.0%, in district 2
        "s: withheld to protect student privacy (1)",
    ]
    assert "Birch" not in html and "Elm School" not in html
    other = site["districts/2.html"].decode("utf-8")
    assert _dots(other) == [
        [40.705, -74.005, PALETTE[-1], "Dogwood School: 40 homeless students, 50.0%"]
    ]
    assert "atlasAreas" not in site["districts/75.html"].decode("utf-8")  # no polygon


def test_the_schools_shown_are_in_the_ledger_and_no_other_school(site_with_schools):
    shown = {
        (e.where, e.geo_id, e.indicator, e.shown)
        for e in site_with_schools.ledger
        if e.layer == "school"
    }
    assert shown == {
        ("districts/1.html", "01A", "students", "12"),
        ("districts/1.html", "01A", "share_of_students", "20.0%"),
        ("districts/1.html", "01C", "students", "25"),
        ("districts/2.html", "02D", "students", "40"),
        ("districts/2.html", "02D", "share_of_students", "50.0%"),
    }


def test_downloads_page_lists_the_files_of_the_release_and_those_added(monkeypatch):
    import atlas.render.site as site_module

    monkeypatch.setattr(site_module, "DOWNLOADS", list(site_module.DOWNLOADS))
    table = site_module.Download("data/tables/students.csv", "Students", "CSV", "One table.")
    site_module.add_download(table)
    site_module.add_download(table)  # once only

    def links(pdf: bool) -> list[str]:
        files = render_release(_release(), pdf=pdf).files
        page = BeautifulSoup(files["downloads.html"].decode("utf-8"), "html.parser")
        return [a["href"] for a in page.select("main ul.downloads a")]

    assert links(pdf=False) == ["data/atlas_long.csv", "manifest.json", "data/tables/students.csv"]
    assert links(pdf=True) == [
        "data/atlas_long.csv",
        "atlas.pdf",
        "manifest.json",
        "data/tables/students.csv",
    ]
