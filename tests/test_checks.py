"""Consistency checks across values and rows: each with a small broken file and the
exact message a user reads."""

from __future__ import annotations

import pytest

from atlas.config import load_config
from atlas.errors import InputError
from atlas.validate import validate
from tests.conftest import TOML, spell, write_project

Y = "2014-15"


def _errors(tmp_path, rows, toml=TOML):
    config = load_config(write_project(tmp_path, rows, toml=toml))
    with pytest.raises(InputError) as err:
        validate(config)
    return [str(p) for p in err.value.problems]


def test_dates_days_and_iep_grade_that_contradict_each_other(tmp_path):
    rows = [
        spell("A", Y, "S1", "3", exit_date="2014-09-01"),  # row 1: exits before entering
        spell("B", Y, "S1", "3", days_absent=181),  # row 2: absent more than enrolled
        spell("C", Y, "S1", "3", iep_grade="5"),  # row 3: IEP in a later grade
        spell("D", Y, "S1", "4", iep_grade="K"),  # fine
    ]
    assert _errors(tmp_path, rows) == [
        "enrollment.csv row 1: exit_date is before entry_date; correct the dates",
        "enrollment.csv row 2: days_absent is more than days_enrolled; correct the days "
        "(days absent count only days enrolled)",
        "enrollment.csv row 3: iep_grade is a later grade than the grade of the spell; "
        "correct iep_grade (the grade of the first IEP) or grade",
    ]


def test_overlapping_spells_and_duplicates(tmp_path):
    rows = [
        # E's first spell is open (runs to June 30) but a second begins in January.
        spell("E", Y, "S1", "3"),
        spell("E", Y, "S3", "3", entry_date="2015-01-20"),  # row 2
        # F appears twice with the same spell.
        spell("F", Y, "S2", "7"),
        spell("F", Y, "S2", "7"),  # row 4
        # G moves properly: first spell closed the day before the next begins.
        spell("G", Y, "S1", "3", exit_date="2015-01-19"),
        spell("G", Y, "S3", "3", entry_date="2015-01-20"),
        # H's open spell of 2013-14 ends that June: no overlap with 2014-15.
        spell("H", "2013-14", "S1", "3"),
        spell("H", Y, "S1", "4"),
    ]
    assert _errors(tmp_path, rows) == [
        "enrollment.csv rows 2, 4: a spell begins before the same student's previous spell "
        "ends; close the earlier spell (exit_date) before the next one begins, or remove "
        "duplicate rows",
    ]


def test_a_year_missing_from_the_middle_of_the_history(tmp_path):
    rows = [spell("A", "2011-12", "S1", "1"), spell("A", Y, "S1", "4", entry_date="2014-09-08")]
    assert _errors(tmp_path, rows) == [
        "enrollment.csv: school year(s) 2012-13, 2013-14 have no records, between 2011-12 "
        "and 2014-15: trends and five-year histories would be wrong; add the missing year's "
        "records, or leave out the years before the gap",
    ]


def test_an_empty_extract(tmp_path):
    config_path = write_project(tmp_path, [spell("A", Y, "S1", "3")])
    path = tmp_path / "data" / "enrollment.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")  # the header only
    with pytest.raises(InputError) as err:
        validate(load_config(config_path))
    assert [str(p) for p in err.value.problems] == [
        "enrollment.csv: has no rows; export the enrollment records again"
    ]


def test_cohort_members_must_have_been_in_ninth_grade(tmp_path):
    cohorts = '[inputs.cohorts]\npath = "data/cohorts.csv"\n\n'
    toml = TOML.replace("[housing.codes]", cohorts + "[housing.codes]")
    config_path = write_project(
        tmp_path, [spell("A", Y, "S3", "9"), spell("B", Y, "S3", "10")], toml=toml
    )
    (tmp_path / "data" / "cohorts.csv").write_text(
        "student_id,cohort_year,outcome\nA,2014-15,still_enrolled\nB,2014-15,still_enrolled\n"
    )
    with pytest.raises(InputError) as err:
        validate(load_config(config_path))
    assert [str(p) for p in err.value.problems] == [
        "cohorts.csv row 2: the student is never in grade 9 in the enrollment records; check "
        "the student id, or leave the row out of the cohort file",
    ]


def test_warnings_for_a_missing_shelter_id_and_a_school_in_another_district(tmp_path):
    rows = [
        spell("A", Y, "S3", "10", "DHS", shelter_id="SH1"),
        spell("B", Y, "S3", "10", "DHS"),  # row 2: in shelter, no shelter id
    ]
    config_path = write_project(tmp_path, rows)
    schools = tmp_path / "data" / "schools.csv"
    # West Elementary stands in district 1's square but now names district 2.
    schools.write_text(schools.read_text().replace("West Elementary,1,", "West Elementary,2,"))
    extract = validate(load_config(config_path))
    assert [str(p) for p in extract.warnings] == [
        "schools.csv row 1: 1 school lies in another school_district than the one the row "
        "names (the first, in 1, names 2); check the location; the named district is the "
        "one the atlas uses",
        "enrollment.csv row 2: a student in shelter has no shelter_id; add the shelter id; "
        "such students count in shelter but on no shelter",
    ]
