"""Validation collects every problem in the inputs, then fails once, never naming a student."""

from __future__ import annotations

import json

import pytest

from atlas.config import load_config
from atlas.errors import InputError
from atlas.validate import validate
from tests.conftest import WEST, _feature, spell, write_project


def _problems(tmp_path, rows, **kw):
    config = load_config(write_project(tmp_path, rows))
    with pytest.raises(InputError) as err:
        validate(config, **kw)
    return [str(p) for p in err.value.problems], str(err.value)


def test_every_problem_at_once_with_file_row_and_next_step(tmp_path, tiny_rows):
    rows = [dict(r) for r in tiny_rows]
    rows[0]["housing_status"] = "MOTEL"  # row 1
    rows[2]["school_id"] = "S9"  # row 3
    rows[3]["days_absent"] = "lots"  # row 4
    rows[4]["grade"] = "13"  # row 5
    problems, message = _problems(tmp_path, rows)
    assert problems == [
        "enrollment.csv row 4: column 'days_absent' must be a whole number (for example "
        "'lots'); correct these values in the extract",
        "enrollment.csv row 1: housing_status 'MOTEL' is not a known code; map it under "
        "[housing.codes] in atlas.toml",
        "enrollment.csv row 5: grade '13' is not a known code; use PK, K, 1 ... 12, or map "
        "it under [grades.codes] in atlas.toml",
        "enrollment.csv row 3: school_id 'S9' is not in schools.csv; add the school to "
        "schools.csv, or correct the id",
    ]
    assert message.startswith("4 problem(s) in the inputs:")


def test_missing_column_and_missing_file(tmp_path, tiny_rows):
    rows = [{k: v for k, v in r.items() if k != "days_enrolled"} for r in tiny_rows]
    config = load_config(write_project(tmp_path, rows))
    (tmp_path / "data" / "shelters.csv").unlink()
    with pytest.raises(InputError) as err:
        validate(config)
    assert [str(p) for p in err.value.problems] == [
        "enrollment.csv: required column 'days_enrolled' is missing; add it, or map your "
        'column under [inputs.enrollment.columns] as days_enrolled = "your_column"',
        "atlas.toml [inputs.shelters]: file data/shelters.csv does not exist; check the path "
        "(it is relative to atlas.toml) or copy the extract there",
    ]


def test_student_ids_never_appear(tmp_path):
    secret = "ZZSECRET42"
    rows = [spell(secret, "2014-15", "S9", "3", "MOTEL", days_absent="x")]
    rows.append(spell("", "2014-15", "S1", "3"))
    problems, message = _problems(tmp_path, rows)
    assert secret not in message
    assert "enrollment.csv row 2: column 'student_id' is empty" in message


def test_schools_outside_every_district_and_unknown_districts(tmp_path, tiny_rows):
    config = load_config(write_project(tmp_path, tiny_rows))
    schools = tmp_path / "data" / "schools.csv"
    text = schools.read_text().replace("-74.005,40.705", "40.705,-74.005")  # swapped
    schools.write_text(text.replace("Citywide Special,75", "Citywide Special,76"))
    # The borough now covers only the west district: school 4 and the shelter (east) lie
    # in no borough.
    # School 3, outside every district, gets its error only, not a warning per layer.
    boroughs = tmp_path / "boundaries" / "boroughs.geojson"
    west_only = [_feature({"code": 1, "name": "Testboro"}, WEST)]
    boroughs.write_text(json.dumps({"type": "FeatureCollection", "features": west_only}))
    with pytest.raises(InputError) as err:
        validate(config)
    assert [str(p) for p in err.value.problems] == [
        "schools.csv row 4: district 76 is not in the school_district layer or its attribute "
        "table; correct the district, or add it to the layer's attribute table",
        "schools.csv row 3: 1 school lies outside every school_district polygon; check their "
        "longitude and latitude (swapped? wrong sign?)",
        "schools.csv row 4: 1 school lies in no borough; they count in the city but in no "
        "borough; check the location, or the layer's exclude list",
        "shelters.csv row 1: 1 shelter lies in no borough; they count in the city but in no "
        "borough; check the location, or the layer's exclude list",
    ]


def test_boundary_warts_are_errors_until_the_repair_is_accepted(tmp_path, tiny_rows):
    config_path = write_project(tmp_path, tiny_rows)
    path = tmp_path / "boundaries" / "districts.geojson"
    layer = json.loads(path.read_text())
    # The west square with a little loop at its south-west corner that crosses its edge.
    looped = [
        [-74.02, 40.70],
        [-74.01, 40.70],
        [-74.01, 40.71],
        [-74.02, 40.71],
        [-74.0195, 40.6995],
        [-74.0205, 40.6995],
        [-74.02, 40.70],
    ]
    layer["features"][0]["geometry"]["coordinates"] = [looped]
    second = json.loads(json.dumps(layer["features"][1]))
    layer["features"].append(second)
    path.write_text(json.dumps(layer))
    with pytest.raises(InputError) as err:
        validate(load_config(config_path))
    assert [str(p) for p in err.value.problems] == [
        "districts.geojson (layer school_district): invalid geometry (for example "
        "self-intersections) in id(s) 1; fix the file, or accept the repair with repair = "
        "[\"make_valid\"] under the layer 'school_district' in atlas.toml",
        "districts.geojson (layer school_district): several features share id(s) 2; merge "
        'them in the file, or accept the repair with repair = ["dissolve"] under the layer '
        "'school_district' in atlas.toml",
    ]
    text = config_path.read_text().replace(
        'parent_field = "borough"', 'parent_field = "borough"\nrepair = ["make_valid", "dissolve"]'
    )
    config_path.write_text(text)
    extract = validate(load_config(config_path), strict=True)
    assert [p.severity for p in extract.problems] == ["note", "note", "note"]


def test_warnings_fail_only_with_strict(tmp_path, tiny_rows):
    config_path = write_project(tmp_path, tiny_rows)
    config_path.write_text(config_path.read_text().replace("title =", "colour = 2\ntitle ="))
    extract = validate(load_config(config_path))
    assert [str(p) for p in extract.warnings] == [
        "atlas.toml: unknown key 'colour' is ignored; check its spelling"
    ]
    with pytest.raises(InputError):
        validate(load_config(config_path), strict=True)
