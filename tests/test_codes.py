"""Code mappings: [race.codes], and codes whose meaning changes from one school year to
the next ([housing.by_year], [grades.by_year], [race.by_year]). Expected values are
counted by hand from the rows written here."""

from __future__ import annotations

import pytest

from atlas.compute import compute
from atlas.config import load_config
from atlas.errors import ConfigError, InputError
from atlas.validate import validate
from tests.conftest import TOML, find_cell, spell, write_project

Y1, Y2 = "2013-14", "2014-15"


def _config(tmp_path, rows, extra: str = ""):
    return load_config(write_project(tmp_path, rows, toml=TOML + extra))


def _errors(config) -> list[str]:
    with pytest.raises(InputError) as err:
        validate(config)
    return [str(p) for p in err.value.problems]


RACE_CODES = '\n[race.codes]\nB = "black"\nH = "hispanic"\nW = "white"\n'


def test_race_codes_are_mapped_and_our_own_names_need_none(tmp_path):
    rows = [
        spell("A", Y2, "S1", "3", race_ethnicity="B"),
        spell("B", Y2, "S1", "4", race_ethnicity="H"),
        spell("C", Y2, "S3", "10", race_ethnicity="hispanic"),
        spell("D", Y2, "S3", "11", race_ethnicity=""),  # not reported
    ]
    config = _config(tmp_path, rows, RACE_CODES)
    cells = compute(config, validate(config))
    # Three students report a race: one black (B), two hispanic (H and hispanic).
    assert find_cell(cells, "race_black") == (1, 3)
    assert find_cell(cells, "race_hispanic") == (2, 3)
    assert find_cell(cells, "race_white") == (0, 3)


def test_an_unknown_race_code_names_rows_and_the_next_step(tmp_path):
    rows = [
        spell("A", Y2, "S1", "3", race_ethnicity="B"),
        spell("B", Y2, "S1", "4", race_ethnicity="Black"),
        spell("C", Y2, "S3", "10", race_ethnicity="X"),
    ]
    assert _errors(_config(tmp_path, rows, RACE_CODES)) == [
        "enrollment.csv rows 2, 3: race_ethnicity 'Black', 'X' is not a known code; use "
        "asian, black, hispanic, white, other, or map it under [race.codes] in atlas.toml"
    ]


BY_YEAR = '\n[housing.by_year."2013-14"]\nDBL = "shelter"\nOLD = "doubled_up"\n'


def test_a_housing_code_that_changed_meaning_is_mapped_year_by_year(tmp_path):
    # In 2013-14 the source wrote DBL for students in shelter (and OLD for doubled up);
    # from 2014-15 DBL means doubled up, as [housing.codes] says.
    rows = [
        spell("A", Y1, "S1", "2", "DBL"),  # 2013-14: in shelter
        spell("B", Y1, "S1", "3", "OLD"),  # 2013-14: doubled up
        spell("C", Y1, "S3", "9", "PH"),  # 2013-14: housed (the general codes still apply)
        spell("A", Y2, "S1", "3", "DBL"),  # 2014-15: doubled up
        spell("B", Y2, "S1", "4", "DHS"),  # 2014-15: in shelter
    ]
    config = _config(tmp_path, rows, BY_YEAR)
    cells = compute(config, validate(config))
    assert find_cell(cells, "students", "shelter", year=Y1)[0] == 1
    assert find_cell(cells, "students", "doubled_up", year=Y1)[0] == 1
    assert find_cell(cells, "students", "housed", year=Y1)[0] == 1
    assert find_cell(cells, "students", "shelter", year=Y2)[0] == 1
    assert find_cell(cells, "students", "doubled_up", year=Y2)[0] == 1


def test_a_code_known_only_in_another_year_is_an_error_naming_the_year(tmp_path):
    rows = [
        spell("A", Y1, "S1", "2", "OLD"),
        spell("A", Y2, "S1", "3", "OLD"),  # row 2: OLD means nothing in 2014-15
    ]
    assert _errors(_config(tmp_path, rows, BY_YEAR)) == [
        "enrollment.csv row 2: housing_status 'OLD' is not a known code (school year "
        "2014-15); map it under [housing.codes] in atlas.toml"
    ]


def test_grade_codes_by_year(tmp_path):
    # In 2013-14 the source wrote 0K for kindergarten; the code is unknown afterwards.
    extra = '\n[grades.by_year."2013-14"]\n0K = "K"\n'
    rows = [spell("A", Y1, "S1", "0K"), spell("B", Y2, "S1", "0K")]
    assert _errors(_config(tmp_path, rows, extra)) == [
        "enrollment.csv row 2: grade '0K' is not a known code (school year 2014-15); use PK, "
        "K, 1 ... 12, or map it under [grades.codes] in atlas.toml"
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '\n[race.codes]\nB = "African American"\n',
            "atlas.toml: key 'race.codes.B' is 'African American'; allowed values: asian, "
            "black, hispanic, white, other",
        ),
        (
            '\n[housing.by_year."2014"]\nDBL = "shelter"\n',
            "atlas.toml: key 'housing.by_year.2014' is not a school year; write it as \"2014-15\"",
        ),
        (
            '\n[housing.by_year."2013-14"]\nDBL = "motel"\n',
            "atlas.toml: key 'housing.by_year.\"2013-14\".DBL' is 'motel'; allowed values: "
            "housed, shelter, doubled_up, unsheltered, other_homeless",
        ),
        (
            '\n[grades.codes]\nKG = "kindergarten"\n',
            "atlas.toml: key 'grades.codes.KG' is 'kindergarten'; allowed values: PK, K, 1, "
            "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12",
        ),
        (
            '\n[race.by_year]\n"2013-14" = "black"\n',
            "atlas.toml: key 'race.by_year.2013-14' must be a table of name = value",
        ),
    ],
)
def test_code_mapping_mistakes_in_the_config(tmp_path, extra, message):
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, [spell("A", Y2, "S1", "3")], extra)
    assert str(err.value) == message
