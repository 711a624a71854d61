"""The printed atlas: the book and the district PDFs, read back as a reader's tools would.

The release is the hand-made one of ``test_render`` (every number known by hand), with
shelters and resources added for District 1 and, in one test, District 2's share
withheld. The PDFs are read with pypdf (text, outline, tags) and drawn with pdftoppm.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from atlas.config import load_config
from atlas.model import LONG_COLUMNS
from atlas.render import render_release
from atlas.render.svgmap import print_map, project

from .test_render import SD, _cell, _release, _table

DISTRICT_PDFS = {"districts/1.pdf", "districts/2.pdf", "districts/75.pdf"}


def _places(indicator: str, value: float, category: str = "") -> dict:
    row = _cell(indicator, SD, "1", "all", "published", value, None, value)
    return {**row, "category": category}


def _with_places() -> pd.DataFrame:
    rows = [
        _places("shelters", 3),
        _places("shelters", 3, "Hotel"),
        _places("shelter_capacity", 41),
        _places("shelter_capacity", 41, "Hotel"),
        _places("resources", 2),
        _places("resources", 2, "Food pantry"),
    ]
    extra = pd.DataFrame(rows, columns=list(LONG_COLUMNS))
    return pd.concat([_table(), extra], ignore_index=True)


@pytest.fixture(scope="module")
def printed():
    return render_release(_release(_with_places()))


def _reader(printed, path: str) -> PdfReader:
    return PdfReader(io.BytesIO(printed.files[path]))


def _pages(printed, path: str) -> list[str]:
    return [p.extract_text() for p in _reader(printed, path).pages]


def _first(pages: list[str], pattern: str) -> int:
    """The 0-based index of the first page whose text matches ``pattern``."""
    for i, text in enumerate(pages):
        if re.search(pattern, text):
            return i
    raise AssertionError(f"no page matches {pattern!r}")


def test_book_has_cover_contents_chapters_appendix_methodology_and_glossary(printed):
    pages = _pages(printed, "atlas.pdf")
    assert "Tiny Atlas" in pages[0] and "2015 edition" in pages[0]
    contents = _first(pages, r"^Contents")
    chapters = {
        "How to use this atlas": r"^How to use this atlas",
        "Tiny City": r"^Tiny City\n",
        "School district profiles": r"^School district profiles",
        "Appendix: tables by other boundaries": r"^Appendix: tables by other boundaries",
        "Methodology": r"^Methodology",
        "Glossary": r"^Glossary",
    }
    for title, heading in chapters.items():
        listed = re.search(re.escape(title) + r"[ .]*?(\d+)\s*$", pages[contents], re.M)
        assert listed, f"{title} is not in the contents"
        # Past the contents page, the chapter opens on the page the contents give.
        start = _first(pages[contents + 1 :], heading) + contents + 1
        assert int(listed.group(1)) == start + 1, title
        assert (start + 1) % 2 == 1, f"{title} opens on a left-hand page"
    # The appendix lists the borough layer's area with its published share.
    appendix = _first(pages, r"^Appendix: tables by other boundaries")
    assert re.search(r"By borough.*Testboro\D+13\.4%", pages[appendix], re.S)


def test_each_district_profile_is_a_spread_that_opens_on_a_left_hand_page(printed):
    pages = _pages(printed, "atlas.pdf")
    for name in ("District 1", "District 2", "District 75"):
        first = _first(pages, rf"^{name}\b.*\n")
        assert (first + 1) % 2 == 0, f"{name} starts on page {first + 1}, a right-hand page"
        assert pages[first + 1].startswith(f"{name}") and "the numbers" in pages[first + 1]
        if name != "District 75":
            assert pages[first + 2].strip() == "" or not pages[first + 2].startswith(name)
    d1 = _first(pages, r"^District 1 Testboro")
    left, right = pages[d1], pages[d1 + 1]
    # Left page: the headline numbers, the map's legend, shelters and resources.
    assert "Westside" in left
    assert re.search(r"Students\s*120", left) and re.search(r"Homeless students\s*30", left)
    assert re.search(r"Share of students homeless\s*25\.0%", left)
    assert "Share of students homeless, 2014-15" in left  # the map's legend
    assert re.search(r"Shelters, all types\s*3\s*41", left)
    assert re.search(r"Shelters: Hotel\s*3\s*41", left)
    assert re.search(r"Community resources, all types\s*2", left)
    assert re.search(r"Food pantry\s*2", left)
    # Right page: the students table beside the borough and the city.
    assert re.search(r"Homeless\s+30\s+25\.0%\s+13\.4%\s+14\.0%", right)
    assert "50.0%" not in "".join(pages)  # the earlier year


def test_district_pdfs_are_the_same_two_pages_with_the_websites_numbers(printed):
    assert DISTRICT_PDFS <= set(printed.files)
    book = _pages(printed, "atlas.pdf")
    for path in sorted(DISTRICT_PDFS):
        geo_id = path.removeprefix("districts/").removesuffix(".pdf")
        pages = _pages(printed, path)
        assert len(pages) == 2, path
        assert pages[0].startswith(f"District {geo_id}")
        # Every headline number of the district's web page is printed on its map page.
        web = BeautifulSoup(printed.files[f"districts/{geo_id}.html"], "html.parser")
        for fact in web.select(".fact"):
            label = fact.dt.get_text(strip=True)
            shown = fact.dd.get_text(strip=True)
            assert re.search(re.escape(label) + r"\s*" + re.escape(shown), pages[0]), (
                path,
                label,
                shown,
            )
        # ... and the book's spread shows the same, page for page.
        start = _first(book, rf"^District {geo_id}\b.*\n")
        for mine, theirs in zip(pages, book[start : start + 2], strict=True):
            running = f"District {geo_id}" + (", Testboro" if geo_id != "75" else "")
            heads = {"School district profiles", running, f"Tiny Atlas {running}", "Tiny Atlas"}
            # (the district's own file adds a colophon: citation, licence and marks)
            assert _body(mine, heads).startswith(_body(theirs, heads)), path
    # The ledger lists what each district PDF shows, and it is in the PDF's text.
    shown = [e for e in printed.ledger if e.where == "districts/1.pdf"]
    assert {(e.indicator, e.layer, e.geo_id, e.group, e.shown) for e in shown} >= {
        ("students", SD, "1", "all", "120"),
        ("students", SD, "1", "homeless", "30"),
        ("share_of_students", SD, "1", "homeless", "25.0%"),
        ("share_of_students", "borough", "1", "homeless", "13.4%"),
        ("share_of_students", "city", "city", "homeless", "14.0%"),
        ("shelter_capacity", SD, "1", "all", "41"),
    }
    text = "".join(_pages(printed, "districts/1.pdf"))
    assert all(e.shown in text for e in shown)
    assert not [e for e in shown if e.group == "shelter"]  # withheld: never shown


def _body(page: str, heads: set[str]) -> str:
    """A page's text without its running head and foot, which differ by document."""
    lines = [line.strip() for line in page.strip().splitlines()]
    foot = r"^Page \d of \d|^\d+$"
    return "\n".join(line for line in lines if line not in heads and not re.search(foot, line))


def test_outline_has_the_chapters_and_every_district(printed):
    reader = _reader(printed, "atlas.pdf")

    def titles(items) -> list:
        return [titles(i) if isinstance(i, list) else i.title for i in items]

    outline = titles(reader.outline)
    flat = [t for t in outline if isinstance(t, str)]
    assert flat == [
        "Contents",
        "How to use this atlas",
        "Tiny City",
        "Tiny City: tables by housing group",
        "School district profiles",
        "Attendance: one set of students, six definitions",
        "Appendix: tables by other boundaries",
        "Methodology",
        "Glossary",
    ]
    districts = outline[outline.index("School district profiles") + 1]
    assert districts == ["District 1, Testboro", "District 2, Testboro", "District 75"]


def test_pdfs_are_tagged_with_language_title_alt_text_and_table_headers(printed):
    for path in ("atlas.pdf", "districts/1.pdf"):
        reader = _reader(printed, path)
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "en"
        assert root["/MarkInfo"]["/Marked"].value is True  # (a BooleanObject is always truthy)
        assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
        assert reader.metadata.title.startswith(
            "Tiny Atlas" if path == "atlas.pdf" else "District 1, Testboro"
        )
        kinds: dict[str, list] = {}
        stack = [root["/StructTreeRoot"]]
        while stack:
            node = stack.pop().get_object()
            if isinstance(node, list):
                stack += node
                continue
            if not hasattr(node, "get") or "/K" not in node and "/S" not in node:
                continue
            if "/S" in node:
                kinds.setdefault(str(node["/S"]), []).append(node)
            kids = node.get("/K")
            if kids is not None:
                stack += kids if isinstance(kids, list) else [kids]
        assert {"/Table", "/TH", "/TD", "/H1", "/Figure"} <= set(kinds), path
        alts = [str(f.get("/Alt", "")) for f in kinds["/Figure"]]
        assert any(a.startswith("Map of District 1 and its neighbours") for a in alts), path
        assert all(alts), f"a figure without alternative text in {path}"


def test_pdftoppm_draws_every_page(printed, tmp_path):
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is needed: run ./setup.sh test"
    for path in ("atlas.pdf", "districts/2.pdf"):
        pdf = tmp_path / path.replace("/", "_")
        pdf.write_bytes(printed.files[path])
        out = tmp_path / pdf.stem
        subprocess.run(["pdftoppm", "-r", "20", "-png", pdf, out], check=True, timeout=120)
        drawn = sorted(tmp_path.glob(f"{pdf.stem}-*.png"))
        assert len(drawn) == len(_reader(printed, path).pages)
        assert all(p.stat().st_size > 100 for p in drawn)


def test_same_release_gives_identical_bytes(printed):
    again = render_release(_release(_with_places()), site=False)
    for path in ("atlas.pdf", *DISTRICT_PDFS):
        assert again.files[path] == printed.files[path], path


def test_a4_by_config(hand_made_rendered):
    out = render_release(_release(), site=False, page_size="a4")
    for path in ("atlas.pdf", "districts/1.pdf"):
        box = _reader(out, path).pages[0].mediabox
        # A4 is 210 x 297 mm: 595.28 x 841.89 points.
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    letter = _reader(hand_made_rendered, "districts/1.pdf").pages[0]  # the default
    assert (float(letter.mediabox.width), float(letter.mediabox.height)) == (612, 792)


def test_page_size_is_a_checked_config_key(tmp_path):
    from .conftest import write_project

    project = write_project(tmp_path, [])
    toml = project.read_text(encoding="utf-8")
    project.write_text(toml + '\n[outputs]\npage_size = "a4"\n', encoding="utf-8")
    assert load_config(project).outputs.page_size == "a4"
    project.write_text(toml + '\n[outputs]\npage_size = "a5"\n', encoding="utf-8")
    with pytest.raises(Exception, match="a5"):
        load_config(project)


def test_print_map_patterns_scale_bar_and_north_arrow():
    table = _table()
    share = (table["indicator"] == "share_of_students") & (table["geo_id"] == "2")
    share &= table["layer"] == SD
    table.loc[share, ["numerator", "value"]] = np.nan
    table.loc[share, "flag"] = "withheld"
    out = render_release(_release(table), site=False)
    text = _pages(out, "districts/1.pdf")[0]
    # District 2's share is withheld: hatched on District 1's map, named in the legend.
    assert "rate withheld to protect student privacy (s)" in text
    release = _release(table)
    frame = release.geographies[SD].frame
    projected = project(frame)
    svg = print_map(
        projected,
        {"1": "#b30000", "2": "withheld"},
        title="Map of District 1",
        legend_title="Share",
        legend=[("#b30000", "25.0%"), ("withheld", "withheld")],
        focus="1",
        aspect=0.58,
    )
    soup = BeautifulSoup(str(svg), "html.parser")
    assert soup.select_one("path.area-2")["fill"] == "url(#withheld)"
    assert soup.select_one("path.area-1")["fill"] == "#b30000"
    assert soup.select_one("pattern#withheld") is not None
    assert soup.title.get_text() == "Map of District 1"
    # District 1 is 0.01 degrees square at 40.7 N: about 844 m by 1,110 m. With a 12%
    # margin the view is 1,376 m high and, at 0.58 height/width, 2,373 m wide, so a
    # fifth of it is 475 m: the bars are 0.25 mi (402 m) and 0.25 km.
    texts = [t.get_text() for t in soup.find_all("text")]
    assert "0.25 mi" in texts and "0.25 km" in texts and "N" in texts
    bars = [r for r in soup.find_all("rect") if r.get("fill") == "#222"]
    widths = [float(r["width"]) for r in bars]
    assert widths[0] / widths[1] == pytest.approx(1.609344, rel=1e-3)  # a mile in km
