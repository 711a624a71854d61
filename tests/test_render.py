"""Render: a hand-made protected release -> pages, map, PDF and ledger.

The release is written by hand below, so every number a page should show is known
without running the pipeline: counts read '1,234', rates '25.0%', a withheld cell
reads 's', and the earlier year's numbers never appear.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from shapely.geometry import Polygon

from atlas.audit import audit
from atlas.classify import NO_DATA, PALETTE, class_breaks
from atlas.config import load_config
from atlas.errors import ProtectionError
from atlas.model import LONG_COLUMNS, Geography, LedgerEntry, ProtectedRelease, ReleaseMeta
from atlas.render import render_release
from atlas.render.format import format_cell

from .conftest import BOTH, EAST, WEST, write_project

YEAR = "2014-15"
SD = "school_district"


def _cell(indicator, layer, geo_id, group, flag, num=None, den=None, value=None, year=YEAR):
    return {
        "year": year,
        "layer": layer,
        "geo_id": geo_id,
        "geo_name": "",
        "group": group,
        "grade_band": "all",
        "indicator": indicator,
        "numerator": np.nan if num is None else float(num),
        "denominator": np.nan if den is None else float(den),
        "value": np.nan if value is None else float(value),
        "category": "",
        "flag": flag,
        "note": "",
    }


def _table() -> pd.DataFrame:
    rows = [
        _cell("students", SD, "1", "all", "published", 120, None, 120),
        _cell("students", SD, "1", "homeless", "published", 30, None, 30),
        _cell("share_of_students", SD, "1", "homeless", "published", 30, 120, 25.0),
        _cell("students", SD, "1", "shelter", "withheld"),
        _cell("share_of_students", SD, "1", "shelter", "withheld"),
        _cell("chronic_absence_nyc", SD, "1", "homeless", "published", 12, 30, 40.0),
        _cell("students", SD, "2", "all", "published", 1234, None, 1234),
        _cell("share_of_students", SD, "2", "homeless", "published", 152, 1234, 12.3),
        _cell("students", SD, "75", "all", "published", 20, None, 20),
        _cell("share_of_students", SD, "75", "homeless", "omitted_reliability", 10, 20),
        _cell("share_of_students", "borough", "1", "homeless", "published", 182, 1354, 13.4),
        _cell("share_of_students", "city", "city", "homeless", "published", 192, 1374, 14.0),
        _cell("chronic_absence_nyc", "city", "city", "homeless", "published", 60, 192, 31.3),
        # An earlier year: never shown on pages, which show the latest year.
        _cell("share_of_students", SD, "1", "homeless", "published", 500, 1000, 50.0, "2013-14"),
    ]
    return pd.DataFrame(rows, columns=list(LONG_COLUMNS))


def _release(table: pd.DataFrame | None = None) -> ProtectedRelease:
    districts = gpd.GeoDataFrame(
        {
            "geo_id": ["1", "2", "75"],
            "geo_name": ["District 1", "District 2", "District 75"],
            "parent_id": ["1", "1", None],
            "neighbourhoods": ["Westside", "Eastside", ""],
        },
        geometry=[Polygon(WEST), Polygon(EAST), None],
        crs="EPSG:4326",
    )
    boroughs = gpd.GeoDataFrame(
        {"geo_id": ["1"], "geo_name": ["Testboro"], "parent_id": [None], "neighbourhoods": [""]},
        geometry=[Polygon(BOTH)],
        crs="EPSG:4326",
    )
    meta = ReleaseMeta(
        title="Tiny Atlas",
        edition=2015,
        publisher="Tests",
        licence="CC BY 4.0",
        citation="Tiny Atlas, 2015 edition.",
        url="",
        chronic_absence_rule="nyc",
        min_count=10,
        min_denominator=30,
        rate_precision=1,
        city_name="Tiny City",
    )
    return ProtectedRelease(
        table=_table() if table is None else table,
        geographies={
            SD: Geography(SD, "School district", districts, parent="borough"),
            "borough": Geography("borough", "Borough", boroughs),
        },
        district_layer=SD,
        years=("2013-14", YEAR),
        meta=meta,
    )


@pytest.fixture(scope="module")
def rendered(hand_made_rendered):
    return hand_made_rendered


def _soup(rendered, path: str) -> BeautifulSoup:
    return BeautifulSoup(rendered.files[path].decode("utf-8"), "html.parser")


def _row(section, label: str) -> list:
    for tr in section.select("tbody tr"):
        if tr.th.get_text(strip=True) == label:
            return tr.select("td")
    raise AssertionError(f"no row {label!r}")


def test_district_page_shows_the_latest_protected_cells_beside_borough_and_city(rendered):
    page = _soup(rendered, "districts/1.html")
    assert page.h1.get_text(strip=True) == "District 1"
    students = page.select_one("section#students")
    headers = [th.get_text(strip=True) for th in students.select("thead th")]
    assert headers == [
        "Housing group",
        "Students",
        "Share, District 1",
        "Share, Testboro",
        "Share, Tiny City",
    ]
    assert [td.get_text(strip=True) for td in _row(students, "Homeless")] == [
        "30",
        "25.0%",
        "13.4%",
        "14.0%",
    ]
    shelter = _row(students, "In shelter")
    assert shelter[0].get_text(strip=True) == "s"
    assert "withheld" in shelter[0]["title"]
    assert "50.0%" not in students.get_text()  # the earlier year's value...
    trend = page.select_one("section#trend")  # ...shows only in the five-year trend
    assert [td.get_text(strip=True) for td in _row(trend, "2013-14")] == ["\u2013", "50.0%"]
    assert [td.get_text(strip=True) for td in _row(trend, "2014-15")] == ["30", "25.0%"]


def test_every_district_has_a_page_even_without_a_polygon(rendered):
    assert {p for p in rendered.files if p.startswith("districts/")} == {
        "districts/1.html",
        "districts/2.html",
        "districts/75.html",
        "districts/1.pdf",
        "districts/2.pdf",
        "districts/75.pdf",
    }
    page = _soup(rendered, "districts/75.html")
    assert page.select_one(".locator") is None
    share = _row(page.select_one("section#students"), "Homeless")[1]
    assert share.get_text(strip=True) == "r"


def test_ledger_holds_each_number_shown_and_nothing_withheld(rendered, config):
    on_page = [e for e in rendered.ledger if e.where == "districts/1.html"]
    assert LedgerEntry("districts/1.html", "students", SD, "1", "homeless", "all", YEAR, "30") in (
        on_page
    )
    assert not [e for e in rendered.ledger if e.group == "shelter" and e.geo_id == "1"]
    assert {e.where for e in rendered.ledger} == {
        "index.html",
        "overview.html",
        "geography.html",
        "outcomes.html",
        "areas.html",
        "compare.html",
        "districts/1.html",
        "districts/2.html",
        "districts/75.html",
        "rules.html",  # the city's chronic absence under each computed pack
        "atlas.pdf",
        "districts/1.pdf",
        "districts/2.pdf",
        "districts/75.pdf",
    }
    audit(rendered, _table(), config=config)


def test_audit_blocks_a_page_whose_cell_turns_out_withheld(rendered, config):
    table = _table()
    row = (table["indicator"] == "students") & (table["geo_id"] == "2") & (table["group"] == "all")
    table.loc[row, ["numerator", "value"]] = np.nan
    table.loc[row, "flag"] = "withheld"
    with pytest.raises(ProtectionError, match="from cells that may not be shown"):
        audit(rendered, table, config=config)


def test_audit_blocks_a_number_shown_with_no_cell_behind_it(rendered, config):
    first = rendered.ledger[0]
    stray = replace(first, geo_id="99")  # the tiny city has no geography 99
    tampered = type(rendered)(files=rendered.files, ledger=[stray, *rendered.ledger[1:]])
    with pytest.raises(ProtectionError) as caught:
        audit(tampered, _table(), config=config)
    assert (
        f"1 number(s) shown with no cell behind them, for example {first.shown!r} in {first.where}"
    ) in str(caught.value)


def test_audit_blocks_a_number_shown_differently_from_its_cell(rendered, config):
    wrong = replace(rendered.ledger[0], shown="41.0%")
    tampered = type(rendered)(files=rendered.files, ledger=[wrong, *rendered.ledger[1:]])
    with pytest.raises(ProtectionError, match="shown differently from their cell"):
        audit(tampered, _table(), config=config)


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """The tiny project's config: the audit reads its privacy thresholds (10 and 30) and
    precision (one decimal), the same as the hand-made release's."""
    return load_config(write_project(tmp_path_factory.mktemp("tiny"), []))


def _map_values(html: str) -> dict[str, list[str]]:
    """(fill, text) by geo_id of the page's first heat map."""
    found = re.search(r"atlasAreas\(map_\w+, (\{.*?\})\);", html)
    assert found, "no heat map on the page"
    return json.loads(found.group(1))["values"]


def _areas(rendered) -> dict[str, dict]:
    """The shared district polygons, by geo_id, from assets/areas-<layer>.js."""
    script = rendered.files[f"assets/areas-{SD}.js"].decode("utf-8")
    found = re.search(r"ATLAS_AREAS\[\"\w+\"\] = (\{.*\});", script)
    assert found, "no polygons in the areas script"
    return {f["properties"]["id"]: f for f in json.loads(found.group(1))["features"]}


def test_index_lists_districts_and_colours_the_map_from_published_values(rendered):
    html = rendered.files["index.html"].decode("utf-8")
    page = BeautifulSoup(html, "html.parser")
    rows = page.select("table.districts tbody tr")
    assert [r.th.get_text(strip=True) for r in rows] == ["District 1", "District 2", "District 75"]
    assert [r.th.a["href"] for r in rows] == [
        "districts/1.html",
        "districts/2.html",
        "districts/75.html",
    ]
    areas = _areas(rendered)
    assert set(areas) == {"1", "2"}  # 75 has no polygon
    assert areas["1"]["properties"] == {"id": "1", "name": "District 1", "path": "districts/1.html"}
    values = _map_values(html)
    # Two published shares make two classes: the higher share gets the darker colour;
    # 75 has no polygon, so the map carries nothing for it (the table has its mark).
    assert values == {"1": [PALETTE[-1], "25.0%"], "2": [PALETTE[0], "12.3%"]}


def test_site_works_offline(rendered):
    for path, content in rendered.files.items():
        if not path.endswith(".html"):
            continue
        page = BeautifulSoup(content.decode("utf-8"), "html.parser")
        sources = [t.get("src") for t in page.find_all("script") if t.get("src")]
        sources += [t["href"] for t in page.find_all("link")]
        assert sources and all("://" not in s for s in sources), path
        for source in sources:
            resolved = (path.rsplit("/", 1)[0] + "/" if "/" in path else "") + source
            target = resolved.replace("districts/../", "")
            assert target in rendered.files, f"{path} links to missing {source}"


def test_pdf_book_holds_the_same_numbers(rendered):
    reader = PdfReader(io.BytesIO(rendered.files["atlas.pdf"]))
    pages = [p.extract_text() for p in reader.pages]
    text = "\n".join(pages)
    contents = next(i for i, t in enumerate(pages) if t.startswith("Contents"))
    starts = [i for i, t in enumerate(pages) if "District 1 Testboro" in t and "Westside" in t]
    assert starts, "no profile page for District 1"
    profile = "\n".join(pages[starts[0] : starts[0] + 2])
    assert "25.0%" in profile and "13.4%" in profile and "14.0%" in profile
    assert "50.0%" not in text
    # The contents give each district's first page (1-based, as printed).
    listed = re.search(r"District 1, Testboro\D*?(\d+)\s*$", pages[contents], re.M)
    assert listed and int(listed.group(1)) == starts[0] + 1


def test_a_users_template_overrides_ours_one_by_one(tmp_path):
    (tmp_path / "district.html").write_text("<p>{{ page.name }}, our own layout</p>")
    out = render_release(_release(), pdf=False, templates=tmp_path)
    assert out.files["districts/2.html"].decode() == "<p>District 2, our own layout</p>"
    assert b'table class="districts"' in out.files["index.html"]
    assert "atlas.pdf" not in out.files


@pytest.mark.parametrize(
    ("indicator", "flag", "value", "expected"),
    [
        ("students", "published", 1234.0, "1,234"),
        ("students", "published", 0.0, "0"),
        ("share_of_students", "published", 12.3, "12.3%"),
        ("share_of_students", "published", 0.0, "0.0%"),
        ("chronic_absence_nyc", "bottom_coded", 5.0, "under 5%"),
        ("chronic_absence_nyc", "top_coded", 95.0, "over 95%"),
        ("students", "withheld", np.nan, "s"),
        ("chronic_absence_nyc", "omitted_reliability", np.nan, "r"),
        ("chronic_absence_nyc", "not_applicable", np.nan, "n/a"),
    ],
)
def test_format_cell(indicator, flag, value, expected):
    cell = pd.Series({"indicator": indicator, "flag": flag, "value": value})
    assert format_cell(cell, 1) == expected


def test_class_breaks_put_each_value_in_its_class():
    classes = class_breaks([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, np.nan], k=2)
    assert classes.bounds == (3.0, 12.0)  # two natural groups: 1-3 and 10-12
    assert classes.colour(2.0) == PALETTE[0]
    assert classes.colour(11.0) == PALETTE[-1]
    assert classes.colour(np.nan) == NO_DATA
    assert classes.ranges() == [(1.0, 3.0), (3.0, 12.0)]
    with pytest.raises(ValueError, match="choose one of"):
        class_breaks([1.0], scheme="no_such_scheme")


def test_no_shown_value_gives_no_classes_and_a_legend_of_no_data_alone():
    # An atlas in which every district's share is withheld (a tiny city) still renders.
    assert class_breaks([]).ranges() == []
    assert class_breaks([float("nan")]).colour(None) == NO_DATA
