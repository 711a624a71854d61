"""The whole pipeline, as a user runs it: the wheel installed outside the checkout runs
`atlas demo` on a small synthetic city and writes every output of the release."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from atlas.model import INDICATOR_INFO, LONG_COLUMNS, PLACE_INDICATORS
from atlas.render.site import NAV
from atlas.rules import packs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (path,) = out.glob("atlas-*.whl")
    return path


@pytest.fixture(scope="module")
def demo_build(wheel, tmp_path_factory) -> Path:
    """Install the wheel into a bare folder and run `python -m atlas demo` from elsewhere."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    work = tmp_path_factory.mktemp("work")
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-m", "atlas", "demo", "--scale", "0.01", "--seed", "7"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (
        str(site)
        in subprocess.run(
            [sys.executable, "-c", "import atlas; print(atlas.__file__)"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    ), "the test must exercise the installed wheel, not the checkout"
    (work / "stdout.txt").write_text(result.stdout)
    return work


def test_wheel_ships_templates_and_boundaries(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "atlas/_data/boundaries/school_districts.geojson" in names
    assert "atlas/_data/boundaries/districts.csv" in names
    assert "atlas/demo/atlas.toml" in names
    assert any(n.startswith("atlas/_data/templates/") for n in names)


def test_demo_writes_the_release(demo_build):
    build = demo_build / "build"
    assert (build / "index.html").is_file()
    assert (build / "atlas.pdf").read_bytes().startswith(b"%PDF")
    pages = sorted(p.stem for p in (build / "districts").glob("*.html"))
    assert len(pages) == 34 and "75" in pages and "79" in pages and "9" in pages
    assert (demo_build / "demo" / "atlas.toml").is_file()
    stdout = (demo_build / "stdout.txt").read_text()
    assert "index.html" in stdout and "atlas.pdf" in stdout


def test_demo_builds_the_whole_website(demo_build):
    """Every page of the navigation, the shared assets, and a map of schools on a district
    page (the audit, run by the build, accepted every number they show)."""
    build = demo_build / "build"
    for path, _ in NAV:
        assert (build / path).is_file(), path
    for asset in ("leaflet.js", "leaflet.css", "atlas.css", "atlas-map.js", "places.js"):
        assert (build / "assets" / asset).is_file(), asset
    assert (build / "assets" / "areas-school_district.js").stat().st_size < 300_000
    # Which districts keep a school of 10 or more homeless students on the map depends on
    # what protection withholds; at least one does in this demo.
    pages = (build / "districts").glob("*.html")
    assert any("atlasAreas(map_schools_map" in p.read_text() for p in pages)


def test_long_table_columns_flags_and_withheld_rows(demo_build):
    with open(demo_build / "build" / "data" / "atlas_long.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == LONG_COLUMNS
        rows = list(reader)
    flags = {r["flag"] for r in rows}
    assert flags <= {
        "published",
        "withheld",
        "omitted_reliability",
        "top_coded",
        "bottom_coded",
        "missing",
        "not_applicable",
    }
    assert "withheld" in flags  # a city of ~11,000 students has small groups
    for row in rows:
        if row["flag"] == "withheld":
            assert row["numerator"] == row["denominator"] == row["value"] == ""
        students = INDICATOR_INFO[row["indicator"]].student_count
        if row["flag"] == "published" and row["numerator"] and students:
            n = int(row["numerator"])
            assert n == 0 or n >= 10, row
    # Shelters, units and resources are places, not students: published as counted.
    places = [r for r in rows if r["indicator"] in PLACE_INDICATORS]
    assert {r["indicator"] for r in places} == {"shelters", "shelter_capacity", "resources"}
    assert {r["flag"] for r in places} == {"published"}
    assert any(0 < int(r["value"]) < 10 for r in places)
    assert "school" not in {r["layer"] for r in places}
    layers = {r["layer"] for r in rows}
    assert layers == {
        "city",
        "borough",
        "school_district",
        "community_district",
        "council_district",
        "assembly_district",
        "senate_district",
        "school",
    }
    city = [
        r
        for r in rows
        if r["layer"] == "city"
        and r["indicator"] == "share_of_students"
        and r["group"] == "homeless"
        and r["grade_band"] == "all"
    ]
    assert [r["year"] for r in city] == ["2010-11", "2011-12", "2012-13", "2013-14", "2014-15"]


def test_manifest_and_report(demo_build):
    manifest = json.loads((demo_build / "build" / "manifest.json").read_text())
    assert manifest["rule_pack"] == "nyc"
    assert set(manifest["inputs"]) >= {"enrollment", "schools", "shelters"}
    assert all(len(v["sha256"]) == 64 for v in manifest["boundaries"].values())
    report = json.loads((demo_build / "demo" / "reports" / "build.json").read_text())
    assert report["warnings"] == []
    assert any("dissolve" in n for n in report["notes"])
    assert report["layers"]["school_district"]["geographies"] == 34


def test_every_rule_pack_is_in_the_table_and_side_by_side(demo_build):
    """The demo has days, suspension and hours: every pack is computed; the rules page
    shows the same students under each; bands, marks and "met" follow their rates."""
    with open(demo_build / "build" / "data" / "atlas_long.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {r["indicator"] for r in rows}
    for pack in packs().values():
        assert set(pack.indicator_ids) <= ids, pack.name
    rates = {
        (r["year"], r["layer"], r["geo_id"], r["group"]): r["flag"]
        for r in rows
        if r["indicator"] == "regular_attendance_pennsylvania"
    }
    bands = [r for r in rows if r["indicator"] == "band_pennsylvania"]
    assert {r["category"] for r in bands if r["flag"] == "published"} <= {"blue", "green", "red"}
    for r in bands:
        rate = rates[(r["year"], r["layer"], r["geo_id"], r["group"])]
        assert r["flag"] == rate  # a band shows exactly when its rate does
        assert (r["category"] != "") == (r["flag"] == "published")
    met = {r["category"] for r in rows if r["indicator"] == "met_ohio" and r["flag"] == "published"}
    assert met <= {"met_goal", "met_improvement", "not_met"} and met
    page = (demo_build / "build" / "rules.html").read_text()
    for label in ("NYC 20+ days", "10% of days", "Federal 15+ days", "Ohio (hours)"):
        assert label in page
    assert "Chronic absence under each definition, New York City" in page
    assert "Chronic absence under each definition, Brooklyn" in page
    for pack in packs().values():
        assert pack.source in page or pack.agency in page


def test_rules_page_in_a_real_browser_shows_the_tables_figures(demo_build, tmp_path):
    """The side-by-side table for the city, as chromium renders it: each definition's
    column holds, for each housing group, the figure of the downloadable table (its
    rate at one decimal, or the mark of a cell that shows none)."""
    chromium = shutil.which("chromium")
    assert chromium, "chromium is needed for the browser tests: run ./setup.sh test"
    dom = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            (demo_build / "build" / "rules.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    page = BeautifulSoup(dom, "html.parser")
    (section,) = [
        s
        for s in page.select("section.indicator")
        if s.h3.get_text(strip=True) == "Chronic absence under each definition, New York City"
    ]
    heads = [th.get_text(" ", strip=True) for th in section.select("thead th")]
    # What each column head names, as the rules page words it.
    columns = {
        "NYC 20+ days": "chronic_absence_nyc",
        "10% of days": "chronic_absence_ten_percent",
        "Federal 15+ days": "chronic_absence_crdc",
        "Pennsylvania": "chronic_absence_pennsylvania",
        "Ohio (hours)": "chronic_absence_ohio",
        "Severe 20%+": "tier_severe_research",
        "Under 80% present": "severe_absence_research",
    }
    assert heads == ["Housing group", *columns]
    groups = {
        "All students": "all",
        "Homeless": "homeless",
        "In shelter": "shelter",
        "Doubled up": "doubled_up",
        "Formerly homeless": "formerly_homeless",
        "Housed": "housed",
    }
    with open(demo_build / "build" / "data" / "atlas_long.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    year = max(r["year"] for r in rows)
    table = {
        (r["indicator"], r["group"]): r
        for r in rows
        if r["year"] == year and r["layer"] == "city" and r["grade_band"] == "all"
    }
    marks = {"withheld": "s", "omitted_reliability": "r", "not_applicable": "n/a"}
    shown = 0
    for tr in section.select("tbody tr"):
        label = tr.th.get_text(strip=True)
        if label not in groups:
            continue
        texts = [td.get_text(strip=True) for td in tr.select("td")]
        for text, indicator in zip(texts, columns.values(), strict=True):
            row = table[(indicator, groups[label])]
            if row["flag"] == "published":
                assert text == f"{float(row['value']):.1f}%", (label, indicator)
                shown += 1
            else:
                assert text == marks[row["flag"]], (label, indicator)
    assert shown >= 20  # the city's larger groups show every definition's rate


def _share_homeless_cells(build: Path) -> tuple[dict[str, str], dict[str, str]]:
    """A published and a withheld share of students homeless of a school district, in the
    latest year, as the long CSV holds them."""
    with open(build / "data" / "atlas_long.csv", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["layer"] == "school_district"
            and r["indicator"] == "share_of_students"
            and r["group"] == "homeless"
            and r["grade_band"] == "all"
        ]
    latest = max(r["year"] for r in rows)
    rows = [r for r in rows if r["year"] == latest]
    published = next(r for r in rows if r["flag"] == "published" and r["value"] != "0.0")
    withheld = next(r for r in rows if r["flag"] == "withheld")
    return published, withheld


def test_the_same_number_reads_the_same_in_csv_xlsx_geojson_html_and_pdf(demo_build):
    import re

    from bs4 import BeautifulSoup
    from openpyxl import load_workbook
    from pypdf import PdfReader

    build = demo_build / "build"
    book = load_workbook(build / "data" / "atlas_tables.xlsx", read_only=True)
    head, *sheet = book["share_of_students"].iter_rows(values_only=True)
    # The PDF's key figures wrap their labels over lines: compare with single spaces.
    texts = [
        " ".join((p.extract_text() or "").split()) for p in PdfReader(build / "atlas.pdf").pages
    ]
    for cell in _share_homeless_cells(build):
        geo_id, text, flag = cell["geo_id"], cell["value"], cell["flag"]
        number = float(text) if text else None
        shown = f"{text}%" if text else "s"
        with open(build / "data" / "wide" / "share_of_students.csv", encoding="utf-8-sig") as f:
            wide = next(
                r
                for r in csv.DictReader(f)
                if (r["year"], r["layer"], r["geo_id"], r["grade_band"])
                == (cell["year"], "school_district", geo_id, "all")
            )
        assert (wide["homeless"], wide["homeless_flag"]) == (text, flag)
        row = next(
            r for r in sheet if r[:3] == (cell["year"], "school_district", geo_id) and r[4] == "all"
        )
        assert (row[head.index("homeless")], row[head.index("homeless_flag")]) == (number, flag)
        geojson = json.loads(
            (build / "data" / "gis" / "school_district" / "share_of_students.geojson").read_text()
        )
        props = next(
            f["properties"] for f in geojson["features"] if f["properties"]["geo_id"] == geo_id
        )
        assert (props["homeless"], props["homeless_flag"]) == (number, flag)
        datawrapper = build / "data" / "datawrapper"
        with open(datawrapper / "school_district-share_of_students-homeless.csv") as f:
            mapped = next(r for r in csv.DictReader(f) if r["geo_id"] == geo_id)
        assert (mapped["value"], mapped["flag"]) == (text, flag)
        page = BeautifulSoup((build / "districts" / f"{geo_id}.html").read_text(), "html.parser")
        facts = {d.dt.get_text(strip=True): d.dd.get_text(strip=True) for d in page.select(".fact")}
        assert facts["Share of students homeless"] == shown
        own = [
            t
            for t in texts
            if t.startswith(f"District {geo_id} ") and "Share of students homeless" in t
        ]
        assert own, f"no page of District {geo_id} in the PDF"
        assert re.search(rf"Share of students homeless {re.escape(shown)}( |$)", own[0]), own[0]


def _frictionless_reads_each_row_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """frictionless 5 reads a Parquet resource as a pandas frame, and turns each row into
    a dict once per field (``item.to_dict()[field.name]``): 280 of this module's 300 s
    on the demo's long table (874,000 rows of 13 fields). Make the row's dict once and
    read every field from it: the same cells, validated the same way. Only where
    frictionless still reads that way, and for frames without a named index (whose
    primary key frictionless reads from the index: those keep its own reader)."""
    import inspect

    import numpy as np
    import pandas as pd
    from frictionless.formats.pandas.parser import PandasParser

    original = PandasParser.read_cell_stream_create
    if "item.to_dict()[field.name]" not in inspect.getsource(original):
        return

    def read_cell_stream_create(self):  # type: ignore[no-untyped-def]
        dataframe = self.resource.data
        if any(name is not None for name in dataframe.index.names):
            yield from original(self)
            return
        schema = self._PandasParser__read_convert_schema()
        if not self.resource.schema:
            self.resource.schema = schema
        yield schema.field_names
        for _, item in dataframe.iterrows():
            record = item.to_dict()
            cells = []
            for field in schema.fields:
                value = record[field.name]
                if value is np.nan:
                    value = None
                elif isinstance(value, pd.Timestamp):
                    value = value.to_pydatetime()
                cells.append(value)
            yield cells

    monkeypatch.setattr(PandasParser, "read_cell_stream_create", read_cell_stream_create)


def test_frictionless_reading_each_row_once_gives_its_own_cells(monkeypatch):
    import datetime as dt
    import math

    import frictionless
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {
            "name": pd.array(["a", None, "c"], dtype="str"),
            "value": [1.5, np.nan, 3.0],
            "count": [1, 2, 3],
            "when": pd.to_datetime(["2020-01-01", "2021-06-30", "2022-12-31"]),
        }
    )

    def cells() -> list[list[object]]:
        read = frictionless.Resource(data=frame, format="pandas").read_cells()
        # NaN is no NaN's equal: compare it as a word (None stays None).
        return [
            ["NaN" if isinstance(v, float) and math.isnan(v) else v for v in row] for row in read
        ]

    own = cells()
    # As read by hand: the missing name is None, the missing value NaN.
    assert own[2] == [None, "NaN", 2, dt.datetime(2021, 6, 30)]
    _frictionless_reads_each_row_once(monkeypatch)
    assert cells() == own


def test_data_package_validates_and_gdal_reads_every_gis_file(demo_build, monkeypatch):
    import shutil

    import frictionless

    _frictionless_reads_each_row_once(monkeypatch)
    data = demo_build / "build" / "data"
    report = frictionless.validate(data / "datapackage.json")
    assert report.valid, report.flatten(["resourcePath", "type", "note"])[:10]
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "ogrinfo is needed to check the GIS files: install gdal-bin (./setup.sh test)"
    paths = sorted((data / "gis").rglob("*.gpkg")) + sorted((data / "gis").rglob("*.geojson"))
    assert len([p for p in paths if p.suffix == ".gpkg"]) == 6
    for path in paths:
        result = subprocess.run(
            [ogrinfo, "-ro", "-so", "-al", str(path)], capture_output=True, text=True
        )
        assert result.returncode == 0 and result.stderr == "", (path, result.stderr)


def test_atlas_table_reads_the_demo_release(demo_build):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "atlas",
            "table",
            "chronic_absence_nyc",
            "--layer",
            "school_district",
            "--group",
            "homeless",
            "--year",
            "2014-15",
        ],
        cwd=demo_build,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "year,layer,geo_id,geo_name,grade_band,category,homeless,homeless_flag"
    # 34 districts by four grade bands (all, elementary, middle, high).
    assert len(lines) == 1 + 34 * 4
