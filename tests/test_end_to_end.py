"""The whole pipeline, as a user runs it: the wheel installed outside the checkout runs
`atlas demo` on a small synthetic city and writes every output of the release."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from atlas.model import INDICATOR_INFO, LONG_COLUMNS
from atlas.render.site import NAV

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
    assert "atlasAreas(map_schools_map" in (build / "districts" / "9.html").read_text()


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
    places = [r for r in rows if not INDICATOR_INFO[r["indicator"]].student_count]
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
