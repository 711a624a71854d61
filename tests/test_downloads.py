"""Downloads: the hand-made protected release of test_render -> the data files, read back
with the libraries and tools their users have (csv, pyarrow, openpyxl, json, GDAL's
ogrinfo, frictionless).

Expected numbers come from the hand-written table: in 2014-15 district 1 has 120
students, 30 of them homeless (25.0%), its students in shelter are withheld; district 2
has 12.3% homeless; district 75's share is omitted (20 students); 2013-14's district 1
share is 50.0%.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import frictionless
import pyarrow.parquet as pq
import pyogrio
import pytest
from openpyxl import load_workbook

from atlas.audit import audit
from atlas.config import load_config
from atlas.errors import ProtectionError
from atlas.model import FLAGS, LONG_COLUMNS, Rendered
from atlas.publish import publish
from atlas.render.downloads import render_downloads

from .conftest import write_project
from .test_render import _release, _table

DATE = dt.date(2026, 11, 23)
SD = "school_district"


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render_downloads(_release(), date=DATE)


@pytest.fixture(scope="module")
def built(files, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "build"
    publish(files, out)
    return out


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _one(rows, **where):
    found = [r for r in rows if all(r[k] == v for k, v in where.items())]
    assert len(found) == 1, (where, found)
    return found[0]


def test_every_file_is_there(files):
    assert {
        "data/atlas_long.csv",
        "data/atlas_long.parquet",
        "data/atlas_tables.xlsx",
        "data/wide/students.csv",
        "data/wide/share_of_students.csv",
        "data/wide/chronic_absence_nyc.csv",
        "data/datawrapper/school_district-share_of_students-homeless.csv",
        "data/gis/school_district.gpkg",
        "data/gis/borough.gpkg",
        "data/gis/school_district/share_of_students.geojson",
        "data/gis/school_district/students.geojson",
        "data/gis/borough/share_of_students.geojson",
        "data/datapackage.json",
    } <= set(files)
    # Students and chronic absence have no borough rows in the hand-made table.
    assert "data/gis/borough/students.geojson" not in files


def test_long_csv_is_unchanged_and_parquet_holds_the_same_rows_typed(files):
    rows = _csv(files["data/atlas_long.csv"])
    assert tuple(rows[0]) == LONG_COLUMNS
    assert len(rows) == len(_table()) == 14
    assert not files["data/atlas_long.csv"].startswith(b"\xef\xbb\xbf")
    parquet = pq.read_table(io.BytesIO(files["data/atlas_long.parquet"])).to_pylist()
    assert len(parquet) == 14
    assert [r["flag"] for r in parquet] == [r["flag"] for r in rows]
    share = _one(
        parquet,
        year="2014-15",
        layer=SD,
        geo_id="1",
        indicator="share_of_students",
        group="homeless",
    )
    assert (share["numerator"], share["denominator"], share["value"]) == (30, 120, 25.0)
    withheld = _one(parquet, geo_id="1", indicator="students", group="shelter")
    assert withheld["flag"] == "withheld"
    assert (withheld["numerator"], withheld["denominator"], withheld["value"]) == (None,) * 3
    schema = pq.read_schema(io.BytesIO(files["data/atlas_long.parquet"]))
    assert str(schema.field("numerator").type) == "int64"
    assert str(schema.field("value").type) == "double"


def test_wide_csv_has_geographies_by_group_with_flags(files):
    content = files["data/wide/share_of_students.csv"]
    assert content.startswith(b"\xef\xbb\xbf")  # for spreadsheets
    rows = _csv(content)
    assert list(rows[0])[:8] == [
        "year",
        "layer",
        "geo_id",
        "geo_name",
        "grade_band",
        "category",
        "homeless",
        "homeless_flag",
    ]
    d1 = _one(rows, year="2014-15", layer=SD, geo_id="1")
    assert (d1["homeless"], d1["homeless_flag"]) == ("25.0", "published")
    assert (d1["shelter"], d1["shelter_flag"]) == ("", "withheld")
    d75 = _one(rows, year="2014-15", layer=SD, geo_id="75")
    assert (d75["homeless"], d75["homeless_flag"]) == ("", "omitted_reliability")
    # A cell the release does not hold: no number, no flag.
    d2 = _one(rows, year="2014-15", layer=SD, geo_id="2")
    assert (d2["shelter"], d2["shelter_flag"]) == ("", "")
    assert _one(rows, year="2013-14", geo_id="1")["homeless"] == "50.0"
    # Rows in reading order: years, then the city first and schools last.
    order = [(r["year"], r["layer"], r["geo_id"]) for r in rows]
    assert order == [
        ("2013-14", SD, "1"),
        ("2014-15", "city", "city"),
        ("2014-15", SD, "1"),
        ("2014-15", SD, "2"),
        ("2014-15", SD, "75"),
        ("2014-15", "borough", "1"),
    ]


def test_workbook_reads_back_with_numbers_notes_and_citation(files):
    book = load_workbook(io.BytesIO(files["data/atlas_tables.xlsx"]), read_only=True)
    assert book.sheetnames[:2] == ["How to cite", "Data notes"]
    assert {"students", "share_of_students", "chronic_absence_nyc"} <= set(book.sheetnames)
    sheet = list(book["share_of_students"].iter_rows(values_only=True))
    head = list(sheet[0])
    d1 = next(r for r in sheet if r[:3] == ("2014-15", SD, "1"))
    assert d1[head.index("homeless")] == 25.0
    assert d1[head.index("homeless_flag")] == "published"
    assert d1[head.index("shelter")] is None
    assert d1[head.index("shelter_flag")] == "withheld"
    students = list(book["students"].iter_rows(values_only=True))
    d2 = next(r for r in students if r[:3] == ("2014-15", SD, "2"))
    assert d2[list(students[0]).index("all")] == 1234
    notes = "\n".join(
        " ".join(str(v) for v in row if v is not None)
        for row in book["Data notes"].iter_rows(values_only=True)
    )
    for flag in FLAGS:
        assert flag in notes
    assert "Withheld to protect student privacy" in notes
    assert "Chronic absence rule" in notes and "nyc: Students absent 20 or more days" in notes
    assert "Counts of 1 to 9 students are withheld" in notes
    assert "fewer than 30 students are omitted" in notes
    assert "the schools of one area outside another" in notes
    cite = {
        row[0]: row[1]
        for row in book["How to cite"].iter_rows(values_only=True)
        if len(row) > 1 and row[1] is not None
    }
    assert cite["Title"] == "Tiny Atlas"
    assert cite["Edition"] == "2015"
    assert cite["Date published"] == "2026-11-23"
    assert cite["Citation"] == "Tiny Atlas, 2015 edition. Published 2026-11-23."


def test_datawrapper_csv_of_the_citywide_map(files):
    rows = _csv(files["data/datawrapper/school_district-share_of_students-homeless.csv"])
    assert [tuple(r.values()) for r in rows] == [
        ("1", "District 1", "25.0", "published"),
        ("2", "District 2", "12.3", "published"),
        ("75", "District 75", "", "omitted_reliability"),
    ]


def test_geojson_features_carry_the_latest_values_and_flags(files):
    doc = json.loads(files["data/gis/school_district/share_of_students.geojson"])
    features = {f["properties"]["geo_id"]: f for f in doc["features"]}
    assert list(features) == ["1", "2", "75"]
    one = features["1"]["properties"]
    assert one["year"] == "2014-15"
    assert (one["homeless"], one["homeless_flag"]) == (25.0, "published")
    assert (one["shelter"], one["shelter_flag"]) == (None, "withheld")
    assert features["75"]["geometry"] is None
    assert features["75"]["properties"]["homeless_flag"] == "omitted_reliability"
    lon, lat = features["1"]["geometry"]["coordinates"][0][0]
    assert -74.03 < lon < -74.0 and 40.69 < lat < 40.72  # WGS 84, longitude first


def test_geopackage_holds_full_and_web_boundaries_and_the_long_rows(built):
    path = built / "data" / "gis" / "school_district.gpkg"
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert layers == {
        "school_district": "MultiPolygon",
        "school_district_web": "MultiPolygon",
        "cells": None,
    }
    full = pyogrio.read_dataframe(path, layer="school_district")
    assert full.crs.to_epsg() == 4326
    assert list(full["geo_id"]) == ["1", "2", "75"]
    cells = pyogrio.read_dataframe(path, layer="cells")
    assert (
        len(cells)
        == sum(1 for r in _csv((built / "data/atlas_long.csv").read_bytes()) if r["layer"] == SD)
        == 11  # 10 cells of 2014-15, one of 2013-14
    )
    joined = cells.merge(full[["geo_id", "geo_name"]], on="geo_id", suffixes=("", "_shape"))
    assert len(joined) == 11


def test_ogrinfo_reads_every_gis_file_without_complaint(built):
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "ogrinfo is needed to check the GIS files: install gdal-bin (./setup.sh test)"
    paths = sorted((built / "data" / "gis").rglob("*.gpkg")) + sorted(
        (built / "data" / "gis").rglob("*.geojson")
    )
    assert len(paths) >= 5
    for path in paths:
        result = subprocess.run(
            [ogrinfo, "-ro", "-al", "-so", str(path)], capture_output=True, text=True
        )
        assert result.returncode == 0, (path, result.stderr)
        assert result.stderr == "", (path, result.stderr)
        assert "WGS 84" in result.stdout, path


def test_frictionless_validates_the_data_package(built):
    package = json.loads((built / "data" / "datapackage.json").read_text())
    described = {r["path"] for r in package["resources"]}
    on_disk = {
        str(p.relative_to(built / "data"))
        for p in (built / "data").rglob("*")
        if p.is_file() and p.name != "datapackage.json"
    }
    assert described == on_disk
    long = next(r for r in package["resources"] if r["path"] == "atlas_long.csv")
    fields = {f["name"]: f for f in long["schema"]["fields"]}
    assert fields["flag"]["constraints"]["enum"] == list(FLAGS)
    assert fields["numerator"]["type"] == "integer" and fields["value"]["type"] == "number"
    assert set(package["vocabularies"]["flag"]) == set(FLAGS)
    report = frictionless.validate(built / "data" / "datapackage.json")
    assert report.valid, report.flatten(["resourcePath", "type", "note"])[:10]


def test_every_withheld_cell_is_empty_with_its_flag_in_every_format(files):
    # District 1's students in shelter, and their share, are withheld.
    wide = _one(_csv(files["data/wide/students.csv"]), year="2014-15", layer=SD, geo_id="1")
    assert (wide["shelter"], wide["shelter_flag"]) == ("", "withheld")
    long = _one(
        _csv(files["data/atlas_long.csv"]), geo_id="1", group="shelter", indicator="students"
    )
    assert [long[c] for c in ("numerator", "denominator", "value", "flag")] == [
        "",
        "",
        "",
        "withheld",
    ]
    book = load_workbook(io.BytesIO(files["data/atlas_tables.xlsx"]), read_only=True)
    for name in ("students", "share_of_students"):
        sheet = list(book[name].iter_rows(values_only=True))
        head = list(sheet[0])
        row = next(r for r in sheet if r[:3] == ("2014-15", SD, "1"))
        assert (row[head.index("shelter")], row[head.index("shelter_flag")]) == (None, "withheld")
        doc = json.loads(files[f"data/gis/school_district/{name}.geojson"])
        props = next(f["properties"] for f in doc["features"] if f["properties"]["geo_id"] == "1")
        assert (props["shelter"], props["shelter_flag"]) == (None, "withheld")


def test_the_audit_blocks_a_download_that_differs_from_its_cell(files, tmp_path):
    config = load_config(write_project(tmp_path, []))
    table = _table()
    audit(Rendered(files=dict(files)), table, config=config)  # as rendered: passes
    tampered = dict(files)
    tampered["data/wide/share_of_students.csv"] = files["data/wide/share_of_students.csv"].replace(
        b",,withheld", b",7.5,withheld", 1
    )
    with pytest.raises(ProtectionError, match="share_of_students.csv: 1 cell"):
        audit(Rendered(files=tampered), table, config=config)
    maps = "data/datawrapper/school_district-share_of_students-homeless.csv"
    tampered = dict(files)
    tampered[maps] = files[maps].replace(b"\n2,District 2,", b"\n9,District 9,", 1)
    with pytest.raises(ProtectionError) as caught:
        audit(Rendered(files=tampered), table, config=config)
    # District 9's row is no cell of the long table, and district 2's row is missing.
    assert (
        f"{maps}: 1 cell(s) not in the long table, for example {{'year': '2014-15', "
        "'layer': 'school_district', 'geo_id': '9', 'group': 'homeless', 'grade_band': "
        "'all', 'indicator': 'share_of_students', 'category': ''}"
    ) in str(caught.value)
    assert f"{maps}: holds 2 of the long table's 3 rows" in str(caught.value)
    geo = "data/gis/school_district/students.geojson"
    tampered = dict(files)
    tampered[geo] = files[geo].replace(b'"shelter":null', b'"shelter":4', 1)
    with pytest.raises(ProtectionError, match="students.geojson: 1 cell"):
        audit(Rendered(files=tampered), table, config=config)


def _atlas(*args: str):
    from click.testing import CliRunner

    from atlas.cli import main

    return CliRunner().invoke(main, list(args))


def test_atlas_table_pulls_one_indicator_from_the_published_files(built, tmp_path):
    result = _atlas(
        "table",
        "share_of_students",
        "--build",
        str(built),
        "--layer",
        SD,
        "--year",
        "2014-15",
        "--group",
        "homeless",
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "year,layer,geo_id,geo_name,grade_band,category,homeless,homeless_flag\n"
        "2014-15,school_district,1,,all,,25.0,published\n"
        "2014-15,school_district,2,,all,,12.3,published\n"
        "2014-15,school_district,75,,all,,,omitted_reliability\n"
    )
    result = _atlas("table", "students", "--build", str(built), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    d1 = next(r for r in rows if (r["layer"], r["geo_id"]) == (SD, "1"))
    assert (d1["all"], d1["homeless"]) == (120, 30)
    assert (d1["shelter"], d1["shelter_flag"]) == (None, "withheld")
    out = tmp_path / "share.xlsx"
    result = _atlas(
        "table",
        "share_of_students",
        "--build",
        str(built),
        "--year",
        "2013-14",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("2013-14", SD, "1")
    assert rows[1][rows[0].index("homeless")] == 50.0


def test_atlas_table_names_the_known_choices_when_one_is_wrong(built, tmp_path):
    result = _atlas("table", "homelessness", "--build", str(built))
    assert result.exit_code == 1
    assert "unknown indicator 'homelessness'" in result.output
    assert "chronic_absence_nyc, share_of_students, students" in result.output
    result = _atlas("table", "students", "--build", str(built), "--year", "1999-00")
    assert result.exit_code == 1 and "2013-14" not in result.output  # students: 2014-15 only
    assert "unknown year '1999-00'; the known ones are: 2014-15" in result.output
    result = _atlas("table", "students", "--build", str(tmp_path))
    assert result.exit_code == 1 and "holds no built atlas" in result.output
    result = _atlas("table", "students", "--build", str(built), "--format", "xlsx")
    assert result.exit_code == 2 and "--out" in result.output


def test_every_page_links_the_downloads_of_its_tables_with_a_citation(files):
    from bs4 import BeautifulSoup

    from atlas.render import render_release

    site = render_release(_release(), pdf=False)
    release = {**site.files, **files}
    for path in ("index.html", "districts/1.html", "districts/75.html"):
        page = BeautifulSoup(site.files[path].decode("utf-8"), "html.parser")
        links = [a["href"] for a in page.select("section.downloads a[download]")]
        root = "../" if path.startswith("districts/") else ""
        targets = [href.removeprefix(root) for href in links]
        assert all(href.startswith(root) for href in links), path
        assert set(targets) <= set(release), (path, set(targets) - set(release))
        assert {"data/atlas_tables.xlsx", "data/atlas_long.csv"} <= set(targets), path
        assert "data/wide/share_of_students.csv" in targets, path
        cite = page.select_one("section.downloads .citation").get_text(" ", strip=True)
        assert cite.startswith("How to cite: Tiny Atlas, 2015 edition. Published 20"), cite
    district = BeautifulSoup(site.files["districts/1.html"].decode("utf-8"), "html.parser")
    hrefs = [a["href"] for a in district.select("section.downloads a[download]")]
    assert "../data/wide/chronic_absence_nyc.csv" in hrefs
    assert "../data/gis/school_district/share_of_students.geojson" in hrefs
    assert "../data/gis/school_district.gpkg" in hrefs


def test_frictionless_finds_a_flag_outside_the_vocabulary(files, tmp_path):
    from atlas.render.datapackage import PATH, datapackage
    from atlas.render.long_csv import long_text

    bad = dict(files)
    wide = "data/wide/students.csv"
    bad[wide] = files[wide].replace(b",withheld", b",hidden", 1)
    release = _release()
    bad[PATH] = datapackage(bad, release, long_text(release.table, precision=1))
    publish(bad, tmp_path / "build")
    report = frictionless.validate(tmp_path / "build" / "data" / "datapackage.json")
    assert not report.valid
    errors = [(t.name, e.type, e.field_name) for t in report.tasks for e in t.errors]
    assert errors == [("wide-students.csv", "constraint-error", "shelter_flag")]


def test_the_release_downloads_list_names_files_that_exist(files):
    from atlas.render.context import build_context

    ctx = build_context(_release())
    paths = [d.path for d in ctx.downloads]
    assert set(paths) <= set(files), set(paths) - set(files)
    assert "data/gis/borough.gpkg" in paths and "data/gis/school_district.gpkg" in paths
    assert "data/gis/borough/share_of_students.geojson" in paths
    assert "data/datawrapper/school_district-share_of_students-homeless.csv" in paths
    assert len(paths) == len(set(paths))
