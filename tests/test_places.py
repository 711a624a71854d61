"""Shelters, their capacity and community resources by district and type: counts of
places, not students, so published as counted (a hotel of 3 units shows 3).

Every expected value is counted by hand from the places written here, on the tiny city of
conftest (district 1 is the west square, -74.02 to -74.01; district 2 the east square,
-74.01 to -74.00; both in borough 1, Testboro; district 75 has no polygon).
"""

from __future__ import annotations

import csv
import dataclasses

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from atlas.audit import audit
from atlas.compute import compute
from atlas.config import Outputs, load_config
from atlas.errors import InputError, ProtectionError
from atlas.pipeline import build_atlas
from atlas.protect import protect
from atlas.validate import validate
from tests.conftest import TOML, spell, write_project

SHELTERS = """shelter_id,shelter_type,capacity_units,longitude,latitude
SH1,Tier II,40,-74.006,40.703
SH2,Tier II,25,-74.015,40.705
SH3,Hotel,3,-74.004,40.707
SH4,Cluster site,7,-74.012,40.708
"""
# district 1: SH2 (Tier II, 25), SH4 (Cluster site, 7)  -> 2 shelters, 32 units
# district 2: SH1 (Tier II, 40), SH3 (Hotel, 3)         -> 2 shelters, 43 units
# city and borough 1: 4 shelters, 75 units; Tier II 2 / 65, Hotel 1 / 3, Cluster site 1 / 7

RESOURCES = """resource_id,resource_type,name,longitude,latitude
R1,Homebase office,Homebase West,-74.015,40.702
R2,Health centre,East Clinic,-74.005,40.705
R3,Homebase office,Homebase East,-74.003,40.701
"""
# district 1: R1 -> 1 (Homebase office 1, Health centre 0)
# district 2: R2, R3 -> 2 (Homebase office 1, Health centre 1); city: 3 (2 and 1)

WITH_RESOURCES = TOML.replace(
    "[housing.codes]",
    '[inputs.resources]\npath = "data/resources.csv"\n\n[outputs]\npdf = false\n\n[housing.codes]',
)
Y1, Y2 = "2013-14", "2014-15"


def _project(tmp_path, shelters: str = SHELTERS, resources: str = RESOURCES, rows=None):
    rows = rows or [spell("A", Y2, "S1", "3"), spell("C", Y2, "S3", "10", "DBL")]
    path = write_project(tmp_path, rows, toml=WITH_RESOURCES)
    (tmp_path / "data" / "shelters.csv").write_text(shelters)
    (tmp_path / "data" / "resources.csv").write_text(resources)
    return load_config(path)


def _cells(tmp_path, **kw) -> pd.DataFrame:
    config = _project(tmp_path, **kw)
    return compute(config, validate(config))


def _value(cells, indicator, layer, geo, category="", year=Y2):
    match = cells[
        (cells["indicator"] == indicator)
        & (cells["layer"] == layer)
        & (cells["geo_id"] == geo)
        & (cells["category"].fillna("") == category)
        & (cells["year"] == year)
    ]
    assert len(match) == 1, (indicator, layer, geo, category, year, len(match))
    row = match.iloc[0]
    assert (row["group"], row["grade_band"]) == ("all", "all")
    return row["numerator"]


def test_shelters_and_units_by_district_and_type(tmp_path):
    cells = _cells(tmp_path)
    expected = {
        # (layer, geo, type): (shelters, units)
        ("school_district", "1", ""): (2, 32),
        ("school_district", "1", "Tier II"): (1, 25),
        ("school_district", "1", "Cluster site"): (1, 7),
        ("school_district", "1", "Hotel"): (0, 0),
        ("school_district", "2", ""): (2, 43),
        ("school_district", "2", "Tier II"): (1, 40),
        ("school_district", "2", "Hotel"): (1, 3),
        ("school_district", "2", "Cluster site"): (0, 0),
        ("borough", "1", ""): (4, 75),
        ("city", "city", ""): (4, 75),
        ("city", "city", "Tier II"): (2, 65),
        ("city", "city", "Hotel"): (1, 3),
        ("city", "city", "Cluster site"): (1, 7),
    }
    for (layer, geo, kind), (n, units) in expected.items():
        assert _value(cells, "shelters", layer, geo, kind) == n, (layer, geo, kind)
        assert _value(cells, "shelter_capacity", layer, geo, kind) == units, (layer, geo, kind)


def test_resources_by_district_and_type(tmp_path):
    cells = _cells(tmp_path)
    assert _value(cells, "resources", "school_district", "1") == 1
    assert _value(cells, "resources", "school_district", "1", "Homebase office") == 1
    assert _value(cells, "resources", "school_district", "1", "Health centre") == 0
    assert _value(cells, "resources", "school_district", "2") == 2
    assert _value(cells, "resources", "school_district", "2", "Health centre") == 1
    assert _value(cells, "resources", "city", "city") == 3
    assert _value(cells, "resources", "city", "city", "Homebase office") == 2


def test_no_rows_for_schools_districts_without_polygon_or_earlier_years(tmp_path):
    rows = [spell("A", Y1, "S1", "2"), spell("A", Y2, "S1", "3")]
    cells = _cells(tmp_path, rows=rows)
    places = cells[cells["indicator"].isin(["shelters", "shelter_capacity", "resources"])]
    assert "school" not in set(places["layer"])
    assert "75" not in set(places.loc[places["layer"] == "school_district", "geo_id"])
    # An undated list describes the latest year only.
    assert set(places["year"]) == {Y2}


def test_a_dated_list_is_counted_year_by_year(tmp_path):
    shelters = (
        "shelter_id,shelter_type,capacity_units,longitude,latitude,school_year\n"
        f"SH1,Tier II,40,-74.006,40.703,{Y1}\n"
        f"SH1,Tier II,44,-74.006,40.703,{Y2}\n"
        f"SH2,Hotel,20,-74.015,40.705,{Y2}\n"
    )
    rows = [spell("A", Y1, "S1", "2"), spell("A", Y2, "S1", "3")]
    cells = _cells(tmp_path, rows=rows, shelters=shelters)
    assert _value(cells, "shelters", "city", "city", year=Y1) == 1
    assert _value(cells, "shelter_capacity", "city", "city", year=Y1) == 40
    assert _value(cells, "shelters", "school_district", "1", year=Y1) == 0
    assert _value(cells, "shelters", "school_district", "1", "Hotel", year=Y1) == 0
    assert _value(cells, "shelters", "city", "city", year=Y2) == 2
    assert _value(cells, "shelter_capacity", "city", "city", year=Y2) == 64
    assert _value(cells, "shelter_capacity", "school_district", "2", "Tier II", year=Y2) == 44
    # resources.csv has no year: the latest year only.
    assert set(cells.loc[cells["indicator"] == "resources", "year"]) == {Y2}


def test_protection_publishes_place_counts_as_counted_and_still_withholds_students():
    cells = pd.DataFrame(
        {
            "year": Y2,
            "layer": "city",
            "geo_id": "city",
            "geo_name": "Tiny City",
            "group": "all",
            "grade_band": "all",
            "indicator": ["shelters", "shelter_capacity", "students", "shelters"],
            "numerator": [3.0, 7.0, 3.0, 0.0],
            "denominator": float("nan"),
            "category": ["", "Hotel", None, "Hotel"],
        }
    )
    table = protect(
        cells,
        count_indicators={"students", "shelters", "shelter_capacity"},
        place_counts={"shelters", "shelter_capacity"},
        min_count=10,
        min_denominator=30,
        precision=1,
    )
    assert list(table["flag"]) == ["published", "published", "withheld", "published"]
    assert list(table["value"].fillna(-1)) == [3.0, 7.0, -1, 0.0]
    assert list(table["category"]) == ["", "Hotel", "", "Hotel"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("places")
    # The tests read the data and the pages: no PDF book.
    config = dataclasses.replace(_project(root), outputs=Outputs(site=True, pdf=False))
    result = build_atlas(config)
    return config, result.output


def _long(output) -> list[dict]:
    with open(output / "data" / "atlas_long.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_long_table_holds_small_place_counts_published(built):
    _, output = built
    rows = {
        (r["indicator"], r["layer"], r["geo_id"], r["category"]): r
        for r in _long(output)
        if r["indicator"] in ("shelters", "shelter_capacity", "resources")
    }
    hotel = rows[("shelter_capacity", "school_district", "2", "Hotel")]
    assert (hotel["numerator"], hotel["value"], hotel["flag"]) == ("3", "3", "published")
    assert (hotel["group"], hotel["grade_band"], hotel["year"]) == ("all", "all", Y2)
    assert rows[("shelters", "school_district", "1", "")]["value"] == "2"
    assert rows[("shelters", "school_district", "1", "Hotel")]["value"] == "0"
    assert rows[("resources", "city", "city", "")]["value"] == "3"
    assert ("shelters", "school_district", "75", "") not in rows


def test_district_page_shows_shelters_and_resources(built):
    _, output = built
    soup = BeautifulSoup((output / "districts" / "2.html").read_text(), "html.parser")
    section = soup.find("section", id="places")
    assert section.h3.get_text() == "Shelters and resources"
    table = {
        tr.th.get_text(): [td.get_text() for td in tr.find_all("td")]
        for tr in section.tbody.find_all("tr")
    }
    assert table == {
        "Shelters, all types": ["2", "43"],
        "Shelters: Cluster site": ["0", "0"],
        "Shelters: Hotel": ["1", "3"],
        "Shelters: Tier II": ["1", "40"],
        "Community resources, all types": ["2", ""],
        "Health centre": ["1", ""],
        "Homebase office": ["1", ""],
    }
    # District 75 has no polygon: no places table.
    page_75 = BeautifulSoup((output / "districts" / "75.html").read_text(), "html.parser")
    assert page_75.find("section", id="places") is None


def test_ledger_records_place_numbers_with_their_type_and_the_audit_checks_them(built):
    from atlas.model import ProtectedRelease
    from atlas.pipeline import _meta
    from atlas.render import render_release

    config, output = built
    table = pd.read_csv(
        output / "data" / "atlas_long.csv", dtype={"geo_id": str}, keep_default_na=False
    )
    for column in ("numerator", "denominator", "value"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    extract = validate(config)
    release = ProtectedRelease(
        table=table,
        geographies=extract.layers,
        district_layer="school_district",
        years=(Y2,),
        meta=_meta(config),
    )
    rendered = render_release(release, pdf=False)
    hotel = [
        e
        for e in rendered.ledger
        if e.where == "districts/2.html" and e.indicator == "shelter_capacity"
    ]
    assert {(e.category, e.shown) for e in hotel} == {
        ("", "43"),
        ("Tier II", "40"),
        ("Hotel", "3"),
        ("Cluster site", "0"),
    }
    audit(rendered, table, config=config)  # small place counts pass
    wrong = [
        e
        if e.category != "Hotel" or e.indicator != "shelter_capacity"
        else type(e)(**{**e.__dict__, "shown": "4"})
        for e in rendered.ledger
    ]
    with pytest.raises(ProtectionError, match="shown differently"):
        audit(type(rendered)(files=rendered.files, ledger=wrong), table, config=config)


def _problems(config) -> list[str]:
    try:
        extract = validate(config)
    except InputError as err:
        return [str(p) for p in err.problems]
    return [str(p) for p in extract.problems]


def test_validation_of_shelter_and_resource_lists(tmp_path):
    shelters = (
        "shelter_id,shelter_type,capacity_units,longitude,latitude,school_year\n"
        f"SH1,Tier II,40,-74.006,40.703,{Y2}\n"
        f"SH1,Tier II,40,-74.006,40.703,{Y1}\n"  # the same shelter another year: fine
        f"SH1,Hotel,12,-74.006,40.703,{Y2}\n"  # row 3: twice in one year
        "SH2,Hotel,-5,-74.015,40.705,2009-10\n"  # row 4: negative, a year not in the records
    )
    resources = RESOURCES + "R4,Youth shelter,Far Away,-73.90,40.80\n"  # row 4: outside
    rows = [spell("A", Y1, "S1", "2"), spell("A", Y2, "S1", "3")]
    config = _project(tmp_path, shelters=shelters, resources=resources, rows=rows)
    assert _problems(config) == [
        "shelters.csv row 3: shelter_id repeats an id listed on an earlier row for the same "
        "school_year; keep one row per id and year",
        "shelters.csv row 4: capacity_units is negative; correct the capacity (family units, "
        "0 or more)",
        "resources.csv row 4: 1 resource lies outside every school_district polygon; check "
        "their longitude and latitude (swapped? wrong sign?)",
        "shelters.csv row 4: school_year 2009-10 is not a year of the enrollment records; "
        "these rows are not counted; correct the year, or leave these rows out",
    ]


def test_a_duplicate_resource_id_is_an_error(tmp_path):
    config = _project(tmp_path, resources=RESOURCES + "R2,Health centre,Again,-74.005,40.705\n")
    assert _problems(config) == [
        "resources.csv row 4: resource_id repeats an id listed on an earlier row; "
        "keep one row per id"
    ]


def test_places_without_a_usable_location_or_type_are_named_not_crashed_on(tmp_path):
    # Found by fuzzing: a list whose only located row has no longitude crashed the join,
    # and a type of spaces passed as a type of its own.
    shelters = (
        "shelter_id,shelter_type,capacity_units,longitude,latitude\n"
        "SH1,Tier II,40,,40.703\n"  # row 1: no longitude
        "SH2,Hotel,20,1e400,40.705\n"  # row 2: infinite
        "SH3,Hotel,20,40.705,-74.015\n"  # row 3: swapped, still on Earth
        "SH4,Hotel,20,-74.015,95\n"  # row 4: not on Earth
    )
    resources = RESOURCES.replace("Health centre", "  ")  # row 2: a blank type
    config = _project(tmp_path, shelters=shelters, resources=resources)
    assert _problems(config) == [
        "shelters.csv row 1: column 'longitude' is empty; fill it in, or drop these rows "
        "from the extract",
        "shelters.csv rows 2, 4: longitude must be -180 to 180 and latitude -90 to 90 (WGS "
        "84 degrees); check these locations (swapped? projected coordinates?)",
        "shelters.csv row 3: 1 shelter lies outside every school_district polygon; check "
        "their longitude and latitude (swapped? wrong sign?)",
        "resources.csv row 2: column 'resource_type' is empty; fill it in, or drop these "
        "rows from the extract",
    ]
