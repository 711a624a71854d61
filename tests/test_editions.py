"""Editions: a release built beside the previous edition's (``--previous``).

Hand-made cities as in test_complement.py: each edition's cells go through the same
steps as the build's protection stage, the previous edition is written as a release
folder (long table and manifest) and read back, and the attacker audits both
editions together. Expected patterns are reasoned in each test.
"""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from atlas.audit.equations import attack_equations
from atlas.config import load_config
from atlas.errors import InputError
from atlas.protect import editions, protect
from atlas.protect.complement import build_system, complement
from atlas.protect.primary import primary_withheld
from atlas.protect.report import privacy_report
from atlas.render.long_csv import long_csv
from atlas.rules import packs
from tests.conftest import EAST, SCHOOLS, TOML_WITHOUT_PDF, WEST, spell, write_project
from tests.test_cli import _run
from tests.test_complement import COUNTS, NONE, YEAR, _cells, _named, _students

SHA = {"school_district": "a" * 64, "borough": "b" * 64}


def _city(**groups):
    return _cells(_students("city", "city", {**NONE, **groups})).assign(geo_name="City")


def _edition(cells, previous=None, *, carry_over=True, parents=None):
    """The protection stage on ``cells``: primary rule, cells the previous edition
    withheld, complements (knowing what it published, unless ``carry_over`` is off),
    then the attacker, who always knows both editions."""
    parents = parents or {}
    primary = primary_withheld(cells, count_indicators=COUNTS, min_count=10)
    system = build_system(cells, count_indicators=COUNTS, parents=parents)
    attacker = build_system(cells, count_indicators=COUNTS, parents=parents)
    fixed, carried, known = primary, None, {}
    if previous is not None:
        changed = editions.changed_layers(previous, SHA)
        carried = editions.carry(previous, cells, changed)
        fixed = primary | carried.withheld
        if carry_over:
            editions.know_published(system, cells, carried, COUNTS)
        known = editions.know_published(attacker, cells, carried, COUNTS)
    withheld = complement(system, fixed.to_numpy(), min_count=10)
    found = attack_equations(attacker, withheld, 10)
    return withheld, found, attacker, carried, known, primary


def _protected(cells, withheld):
    return protect(
        cells,
        count_indicators=COUNTS,
        min_count=10,
        min_denominator=30,
        precision=1,
        complements=pd.Series(withheld, index=cells.index),
    )


def _release(folder, cells, withheld, boundaries=SHA):
    """Write ``cells`` as a release folder: the protected long table and a manifest."""
    table = _protected(cells, withheld)
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "atlas_long.csv").write_bytes(long_csv(table, precision=1))
    layers = {k: {"path": f"boundaries/{k}.geojson", "sha256": v} for k, v in boundaries.items()}
    (folder / "manifest.json").write_text(json.dumps({"edition": 2015, "boundaries": layers}))
    return editions.load_previous(folder)


def _groups(cells, withheld):
    return set(cells.loc[np.asarray(withheld), "group"])


def test_a_cell_withheld_last_year_stays_withheld(tmp_path):
    # Last edition: homeless 40 = shelter 4 + doubled up 36; shelter is withheld, and
    # doubled up with it (the cheapest complement, as in test_complement).
    before = _city(all=140, homeless=40, housed=100, shelter=4, doubled_up=36)
    withheld, found, *_ = _edition(before)
    assert _groups(before, withheld) == {"shelter", "doubled_up"}
    previous = _release(tmp_path / "prev", before, withheld)
    # This edition: 8 more children found in shelter; no count is under 10 now. Were
    # doubled up (36) published now, last edition's shelter count would follow from
    # its homeless total: 40 - 36 = 4.
    now = _city(all=148, homeless=48, housed=100, shelter=12, doubled_up=36)
    assert not primary_withheld(now, count_indicators=COUNTS, min_count=10).any()
    withheld, found, _, carried, known, primary = _edition(now, previous)
    assert _groups(now, withheld) == {"shelter", "doubled_up"}
    assert found.narrow == []
    table = _protected(now, withheld)
    report = privacy_report(now, table, primary, pd.Series(withheld), carried.withheld)
    assert report["withheld_by_reason"] == {
        "privacy": 0,
        "complement": 0,
        "reliability": 0,
        "previous edition": 2,
    }
    # all (148) and homeless (48) differ from last edition's 140 and 40; shelter was
    # not published then.
    assert known == {"known": 3, "corrected": 2}  # housed 100 and the two zeros


def test_a_count_published_last_year_is_known_so_hiding_it_now_protects_nothing(tmp_path):
    # Last edition: everything published (no count 1 to 9).
    before = _city(all=140, homeless=40, housed=100, shelter=14, doubled_up=26)
    withheld, *_ = _edition(before)
    assert not withheld.any()
    previous = _release(tmp_path / "prev", before, withheld)
    # This edition, the same year corrected: 10 children were housed, not in shelter.
    # all (140) and doubled up (26) are as published last year.
    now = _city(all=140, homeless=30, housed=110, shelter=4, doubled_up=26)

    # Without carry-over the cheapest complement of shelter (4) in homeless = shelter
    # + doubled up + 0 + 0 is doubled up (26 < 30); but a reader has last year's 26:
    # 30 - 26 - 0 - 0 = 4.
    withheld, found, attacker, *_ = _edition(now, previous, carry_over=False)
    assert _groups(now, withheld) == {"shelter", "doubled_up"}
    assert [_named(attacker, n) for n in found.narrow] == [
        ("city", "city", "shelter", "all", 4.0, 4.0)
    ]

    # With it, doubled up counts as published: homeless (30) is hidden instead, then
    # in all = homeless + housed, housed (110; all, 140, is known too). shelter =
    # homeless - 26 with homeless + housed = 140: anything from 0 to 114.
    withheld, found, attacker, carried, known, _ = _edition(now, previous)
    assert _groups(now, withheld) == {"shelter", "homeless", "housed"}
    assert found.narrow == []
    # Known: all, doubled up and the two zeros; corrected: homeless, housed, shelter.
    assert known == {"known": 4, "corrected": 3}
    assert not carried.withheld.any()


def test_a_rate_coded_last_time_counts_as_published_where_its_denominator_is_the_same(tmp_path):
    # Last edition: 3 of 545 formerly homeless students entered late: "under 5%", its
    # denominator shown, its numerator not. The audit grants a reader a coded rate's
    # counts (a stronger reader), so today's 3 of 545 count as published before: a
    # complement never hides them for nothing, and the audit sees them as shown. A rate
    # coded on another denominator (600 then, 601 now) was another number: not matched.
    key = {"year": YEAR, "layer": "city", "geo_id": "city", "grade_band": "all", "category": ""}
    table = pd.DataFrame(
        [
            {
                **key,
                "indicator": "late_entry",
                "group": group,
                "flag": "bottom_coded",
                "numerator": np.nan,
                "denominator": den,
            }
            for group, den in (("formerly_homeless", 545.0), ("homeless", 600.0))
        ]
    )
    previous = editions.PreviousEdition(tmp_path, table, {})
    now = _cells(
        [
            ("late_entry", "city", "city", "formerly_homeless", "all", 3, 545),
            ("late_entry", "city", "city", "homeless", "all", 4, 601),
        ]
    )
    carried = editions.carry(previous, now, [])
    assert not carried.withheld.any()
    assert carried.numerator.tolist()[0] == 3 and np.isnan(carried.numerator.tolist()[1])
    system = build_system(now, count_indicators=COUNTS, parents={})
    assert editions.know_published(system, now, carried, COUNTS) == {"known": 2, "corrected": 0}


def _districts(counts):
    rows = _students("city", "city", {"all": sum(counts.values())})
    rows += _students("borough", "B", {"all": sum(counts.values())})
    for geo, n in counts.items():
        rows += _students("school_district", geo, {"all": n})
    return _cells(rows).assign(geo_name="")


PARENTS = {"school_district": [pd.Series({"1": "B", "2": "B", "3": "B"}, name="borough")]}


def test_a_changed_boundary_file_stops_matching_that_layers_ids(tmp_path):
    before = _districts({"1": 3, "2": 50, "3": 60})
    last, *_ = _edition(before, parents=PARENTS)
    assert set(before.loc[last, "geo_id"]) == {"1", "2"}
    redrawn = {**SHA, "school_district": "c" * 64}
    previous = _release(tmp_path / "prev", before, last, boundaries=redrawn)
    assert editions.changed_layers(previous, SHA) == ["school_district"]
    # A layer new in this edition has nothing to compare; one the previous edition
    # published without a checksum cannot be compared.
    assert editions.changed_layers(previous, {**SHA, "council_district": "d" * 64}) == [
        "school_district"
    ]
    unlisted = editions.PreviousEdition(previous.path, previous.table, {"borough": "b" * 64})
    assert editions.changed_layers(unlisted, SHA) == ["school_district"]
    assert editions.changed_message(["school_district"]) == (
        "boundary file changed since the previous edition for school_district: their ids "
        "may no longer name the same places, so their cells are compared with the "
        "previous edition's through the schools in each geography, not by id"
    )
    # The districts were redrawn: district 1 now has 23 students. Nothing is carried
    # by id, so nothing is withheld. (The build relates the old districts to the new
    # through their schools, as cells of their own: see the tests further down.)
    now = _districts({"1": 23, "2": 30, "3": 60})
    withheld, found, _, carried, known, _ = _edition(now, previous, parents=PARENTS)
    assert not withheld.any() and not carried.withheld.any()
    # Only the city and borough totals (113) are compared, and they agree.
    assert known == {"known": 2, "corrected": 0}
    # Unchanged boundaries: districts 1 and 2 stay withheld.
    previous = _release(tmp_path / "same", before, last)
    withheld, found, *_ = _edition(now, previous, parents=PARENTS)
    assert set(now.loc[withheld, "geo_id"]) == {"1", "2"}
    assert found.narrow == []


def _boundaries(folder, layer, polygons):
    """Write a previous release's GeoPackage of ``layer``: polygons by geo_id."""
    (folder / "data" / "gis").mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"geo_id": list(polygons), "geo_name": [f"Old {g}" for g in polygons]},
        geometry=[Polygon(ring) for ring in polygons.values()],
        crs="EPSG:4326",
    )
    frame.to_file(folder / "data" / "gis" / f"{layer}.gpkg", layer=layer, driver="GPKG")


def test_schools_are_placed_in_the_previous_editions_geographies(tmp_path):
    config = load_config(write_project(tmp_path, []))
    prev = tmp_path / "prev"
    # Last edition: the borough was two, west ("7") and east ("8"); the district
    # file was another one.
    _boundaries(prev, "borough", {"7": WEST, "8": EAST})
    _boundaries(prev, "school_district", {"1": WEST, "2": EAST})
    previous = editions.PreviousEdition(prev, pd.DataFrame(), {})
    schools = pd.DataFrame(
        SCHOOLS, columns=["school_id", "school_name", "district", "longitude", "latitude"]
    ).assign(school_district=["1", "1", "2", "75"])
    # Today the boroughs are west "B" and east "A": renumbered.
    schools["borough"] = ["B", "B", "A", "A"]
    redrawn = editions.redrawn_layers(previous, ["borough", "school_district"], schools, config)
    assert set(redrawn.layers) == {"borough@previous", "school_district@previous"}
    assert list(redrawn.layers["borough@previous"].frame["geo_id"]) == ["7", "8"]
    # S1 and S2 stand in the west square, S3 and S4 in the east one (conftest).
    assert list(redrawn.schools["borough@previous"]) == ["7", "7", "8", "8"]
    # A school lies in the district it names, wherever it stands: S4 in 75.
    assert list(redrawn.schools["school_district@previous"]) == ["1", "1", "2", "75"]
    # The districts hold the same schools as before: the same places, the same ids.
    # Old borough 7 holds today's B's schools, and 8 A's: the same places, other ids.
    assert redrawn.same == {
        "school_district": {"1": "1", "2": "2", "75": "75"},
        "borough": {"7": "B", "8": "A"},
    }
    # Today's cells of B are matched with last edition's of 7.
    table = pd.DataFrame(
        [
            {
                "year": YEAR,
                "layer": "borough",
                "geo_id": geo,
                "group": "all",
                "grade_band": "all",
                "indicator": "students",
                "category": "",
                "numerator": n,
                "denominator": np.nan,
                "flag": flag,
            }
            for geo, n, flag in (("7", np.nan, "withheld"), ("8", 30.0, "published"))
        ]
    )
    now = _cells(
        [_students("borough", "B", {"all": 5})[0], _students("borough", "A", {"all": 30})[0]]
    )
    carried = editions.carry(
        editions.PreviousEdition(prev, table, {}), now, ["borough"], redrawn.same
    )
    assert carried.withheld.tolist() == [True, False]
    assert carried.numerator.fillna(-1).tolist() == [-1, 30]

    # A previous release without the layer's boundaries cannot be related.
    (prev / "data" / "gis" / "borough.gpkg").unlink()
    with pytest.raises(InputError) as caught:
        editions.redrawn_layers(previous, ["borough"], schools, config)
    file = prev / "data" / "gis" / "borough.gpkg"
    assert str(caught.value).startswith(
        f"1 problem(s) in the inputs:\n  - {file}: cannot be read as the previous "
        "edition's borough boundaries ("
    )
    assert str(caught.value).endswith(
        f"); {TODO}; its data/gis folder holds the boundaries of each layer"
    )


# ---- Reading the previous release ---------------------------------------------------

TODO = (
    "pass --previous the folder of the previous edition's release (its build/ folder, "
    "holding data/atlas_long.csv and manifest.json), as atlas wrote it"
)


@pytest.fixture
def release(tmp_path):
    cells = _city(all=140, homeless=40, housed=100, shelter=4, doubled_up=36)
    _release(tmp_path / "prev", cells, _edition(cells)[0])
    return tmp_path / "prev"


def _error(path) -> str:
    with pytest.raises(InputError) as caught:
        editions.load_previous(path)
    return str(caught.value)


def test_a_folder_that_is_not_there(tmp_path):
    assert _error(tmp_path / "nowhere") == (
        f"1 problem(s) in the inputs:\n  - {tmp_path / 'nowhere'}: is not a folder; {TODO}"
    )


def test_a_folder_without_the_files(tmp_path):
    assert _error(tmp_path) == (
        "2 problem(s) in the inputs:\n"
        f"  - {tmp_path / 'manifest.json'}: no such file; {TODO}\n"
        f"  - {tmp_path / 'data' / 'atlas_long.csv'}: no such file; {TODO}"
    )


def test_a_manifest_that_is_not_json_or_has_no_checksums(release):
    manifest = release / "manifest.json"
    manifest.write_text("{not json")
    assert _error(release).startswith(
        f"1 problem(s) in the inputs:\n  - {manifest}: is not valid JSON ("
    )
    manifest.write_text(json.dumps({"edition": 2015, "boundaries": {"borough": {"path": "x"}}}))
    assert _error(release) == (
        "1 problem(s) in the inputs:\n"
        f"  - {manifest}: has no 'boundaries' with a sha256 for each layer; {TODO}"
    )


def test_a_long_table_with_broken_rows(release):
    path = release / "data" / "atlas_long.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    rows[0]["numerator"] = "many"
    rows[2]["flag"] = "secret"
    rows[3]["numerator"] = "3.5"
    assert (rows[5]["group"], rows[5]["flag"]) == ("shelter", "withheld")
    rows[5]["numerator"] = "4"
    rows.append(rows[4])
    body = [",".join(r[h] for h in header) for r in rows]
    path.write_text("\n".join([lines[0], *body]) + "\n")
    assert _error(release) == (
        "4 problem(s) in the inputs:\n"
        f"  - {path} rows 1, 4: numerator is not a whole number of zero or more; {TODO}\n"
        f"  - {path} row 3: flag is not one atlas writes; {TODO}\n"
        f"  - {path} row 6: a withheld cell carries a number; {TODO}\n"
        f"  - {path} row 8: the same cell appears twice; {TODO}"
    )
    path.write_text("year,layer\n2014-15,city\n")
    assert _error(release) == (
        f"1 problem(s) in the inputs:\n  - {path}: has no column indicator, geo_id, group, "
        f"grade_band, category, numerator, denominator, flag; {TODO}"
    )


# ---- The command line, on the tiny project --------------------------------------------


def _long(folder):
    return pd.read_csv(folder / "data" / "atlas_long.csv", dtype=str, keep_default_na=False)


def _derived(table):
    """Rows worked out from the protected table after protection: ranks, pre-K reach
    and the rule packs' bands, marks and goals. They follow this edition's protection,
    not the previous edition's."""
    after = {"pre_k_reach", *(i for pack in packs().values() for i in pack.derived)}
    return table["indicator"].str.startswith("rank_") | table["indicator"].isin(after)


def _withheld_keys(table, layers=None):
    rows = table[table["flag"] == "withheld"]
    if layers is not None:
        rows = rows[rows["layer"].isin(layers)]
    return set(rows[editions.KEY].itertuples(index=False, name=None))


def test_build_with_previous_keeps_its_withheld_cells_and_warns_of_redrawn_boundaries(
    tmp_path, tiny_rows
):
    write_project(tmp_path, tiny_rows, toml=TOML_WITHOUT_PDF)
    assert _run(["build", "--quiet"], cwd=tmp_path).exit_code == 0
    previous = tmp_path / "edition-2015"
    shutil.copytree(tmp_path / "build", previous)
    last = _long(previous)
    district_1 = ("students", "school_district", "1", "all", "all", "2014-15", "")
    assert district_1 in _withheld_keys(last)

    # The same year corrected: 20 more housed students at S1 (district 1), so district
    # 1 counts at least 20 students, which the primary rule would publish.
    more = [*tiny_rows, *(spell(f"N{i}", "2014-15", "S1", "3") for i in range(20))]
    write_project(tmp_path, more, toml=TOML_WITHOUT_PDF)
    result = _run(["build", "--quiet", "--previous", str(previous)], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    now = _long(tmp_path / "build")
    assert _withheld_keys(last) <= _withheld_keys(now)
    report = json.loads((tmp_path / "reports" / "privacy.json").read_text())
    assert report["previous_edition"]["changed_layers"] == []
    # Every cell withheld last time is one of this edition's, but for the rows worked
    # out after protection.
    derived = _derived(last)
    was = int(((last["flag"] == "withheld") & ~derived).sum())
    assert report["previous_edition"]["withheld_before"] == was
    assert report["withheld_by_reason"]["previous edition"] >= 1
    assert report["audit"]["passed"] is True

    # The district file redrawn (here only reformatted: other bytes, other checksum).
    districts = tmp_path / "boundaries" / "districts.geojson"
    districts.write_text(json.dumps(json.loads(districts.read_text()), indent=1))
    result = _run(["build", "--quiet", "--previous", str(previous)], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"warning: {previous}: boundary file changed since the previous edition for "
        "school_district: their ids may no longer name the same places, so their cells "
        "are compared with the previous edition's through the schools in each "
        "geography, not by id\n"
    )
    report = json.loads((tmp_path / "reports" / "privacy.json").read_text())
    assert report["previous_edition"]["changed_layers"] == ["school_district"]
    assert report["audit"]["passed"] is True
    # The old districts are not matched by id, but through their schools: a school
    # lies in the district it names, so each old district (1, 2 and 75) holds the same
    # schools as today's of that id. They are the same places: every cell withheld
    # last time stays withheld, district 1's count among them (20 or more today, which
    # would give last year's away).
    redrawn = report["previous_edition"]["redrawn_geography_cells"]
    assert redrawn["same_schools"] == {
        "school_district": {"geographies": 3, "same_schools_as_today": 3}
    }
    district_cells = last[(last["layer"] == "school_district") & ~derived]
    assert redrawn["withheld_before"] == int((district_cells["flag"] == "withheld").sum())
    page = " ".join((tmp_path / "reports" / "privacy.html").read_text().split())
    assert (
        "school_district: 3 of 3 previous geographies hold exactly the schools of one of "
        "today's, and were matched with it."
    ) in page
    now = _long(tmp_path / "build")
    assert district_1 in _withheld_keys(now)
    assert _withheld_keys(last[~derived]) <= _withheld_keys(now)


def test_the_same_data_built_beside_its_own_release_publishes_the_same_table(tmp_path, tiny_rows):
    # Enough students that some cells are published, some withheld, some complements.
    rows = [*tiny_rows, *(spell(f"N{i}", "2014-15", "S1", "3") for i in range(40))]
    rows += [spell(f"M{i}", "2014-15", "S3", "9", "DBL") for i in range(15)]
    write_project(tmp_path, rows, toml=TOML_WITHOUT_PDF)
    assert _run(["build", "--quiet"], cwd=tmp_path).exit_code == 0
    previous = tmp_path / "edition-2015"
    shutil.copytree(tmp_path / "build", previous)
    result = _run(["build", "--quiet", "--previous", str(previous)], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    last = _long(previous)
    assert set(last["flag"]) >= {"published", "withheld"}
    # Nothing new to protect: what was withheld stays so, and what a reader has already
    # is not withheld now for nothing.
    assert _long(tmp_path / "build").equals(last)


def test_build_with_a_previous_folder_that_is_not_a_release(tmp_path, tiny_rows):
    write_project(tmp_path, tiny_rows)
    result = _run(["build", "--quiet", "--previous", "nowhere"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output == (
        f"error: 1 problem(s) in the inputs:\n  - nowhere: is not a folder; {TODO}\n"
    )
    assert not (tmp_path / "build").exists()
