"""Groups and indicators on the tiny hand-made city; every expected value is counted by hand
from the rows in conftest.tiny_rows (and the extra rows written here)."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas.compute import compute
from atlas.config import load_config
from atlas.validate import validate
from tests.conftest import TOML, find_cell, spell, write_project


def _cells(tmp_path, rows) -> pd.DataFrame:
    config = load_config(write_project(tmp_path, rows))
    return compute(config, validate(config))


def test_student_year_belongs_to_last_school_and_worst_status(tmp_path, tiny_rows):
    cells = _cells(tmp_path, tiny_rows)
    # B ended the year at S3 (district 2) in shelter: district 1 has only A.
    assert find_cell(cells, "students", layer="school_district", geo="1")[0] == 1
    assert find_cell(cells, "students", layer="school_district", geo="2")[0] == 2
    assert find_cell(cells, "students", "shelter", layer="school_district", geo="2")[0] == 1
    assert find_cell(cells, "students", "doubled_up", layer="school_district", geo="2")[0] == 1
    assert find_cell(cells, "students", "homeless", layer="school", geo="S3")[0] == 2
    # District 75 is the administering district of S4, though S4 sits in district 2.
    assert find_cell(cells, "students", layer="school_district", geo="75")[0] == 1
    assert (
        find_cell(cells, "students", "housed_not_low_income", layer="school_district", geo="75")[0]
        == 1
    )


def test_city_and_borough_count_every_student(tmp_path, tiny_rows):
    cells = _cells(tmp_path, tiny_rows)
    assert find_cell(cells, "students")[0] == 4
    # S4 (district 75) lies in Testboro's square, so the borough has all four students.
    assert find_cell(cells, "students", layer="borough", geo="1")[0] == 4
    assert find_cell(cells, "share_of_students", "homeless") == (2, 4)
    assert find_cell(cells, "students", "housed_low_income")[0] == 1


def test_core_rates_by_hand(tmp_path, tiny_rows):
    cells = _cells(tmp_path, tiny_rows)
    # Transfers, K-12 (D is pre-K): B moved; A and C did not.
    assert find_cell(cells, "midyear_transfer") == (1, 3)
    assert find_cell(cells, "midyear_transfer", "shelter") == (1, 1)
    # Chronic absence (NYC): B 12 + 9 = 21 days; C 19 days plus 5 suspended is not.
    assert find_cell(cells, "chronic_absence_nyc") == (1, 3)
    assert find_cell(cells, "chronic_absence_nyc", "doubled_up") == (0, 1)
    # Only A (grade 3) was tested: ELA level 3 proficient, math level 2 not.
    assert find_cell(cells, "ela_proficiency") == (1, 1)
    assert find_cell(cells, "math_proficiency") == (0, 1)
    assert find_cell(cells, "ela_proficiency", band="elementary") == (1, 1)
    assert find_cell(cells, "ela_proficiency", band="middle") == (0, 0)


def test_grade_bands(tmp_path, tiny_rows):
    cells = _cells(tmp_path, tiny_rows)
    assert find_cell(cells, "students", band="pre_k")[0] == 1
    assert find_cell(cells, "students", band="middle")[0] == 1
    assert find_cell(cells, "students", band="high")[0] == 1
    assert find_cell(cells, "chronic_absence_nyc", band="middle") == (1, 1)
    # Proficiency has no high-school band.
    high = cells[(cells["indicator"] == "ela_proficiency") & (cells["grade_band"] == "high")]
    assert high.empty


def test_history_groups_need_four_prior_years(tmp_path):
    years = ["2010-11", "2011-12", "2012-13", "2013-14", "2014-15"]
    rows = [
        # E: doubled up in 2011-12, housed since: formerly homeless in 2014-15.
        *[
            spell("E", y, "S1", str(3 + i), "DBL" if y == "2011-12" else "PH")
            for i, y in enumerate(years)
        ],
        # F: housed throughout: always housed.
        *[spell("F", y, "S1", str(3 + i)) for i, y in enumerate(years)],
        # G: enters in 2014-15, doubled up: homeless and ever homeless, not formerly.
        spell("G", "2014-15", "S3", "K", "DBL"),
        # H: homeless only in 2009-10, before the data: always housed as far as we know.
        spell("H", "2014-15", "S3", "5"),
    ]
    cells = _cells(tmp_path, rows)
    assert find_cell(cells, "students", "formerly_homeless")[0] == 1
    assert find_cell(cells, "students", "ever_homeless")[0] == 2
    assert find_cell(cells, "students", "always_housed")[0] == 2
    assert find_cell(cells, "share_of_students", "ever_homeless") == (2, 4)
    # Undefined before 2014-15: no rows at all, rather than zeros.
    early = cells[(cells["group"] == "formerly_homeless") & (cells["year"] != "2014-15")]
    assert early.empty
    assert find_cell(cells, "students", "homeless", year="2011-12")[0] == 1


def test_geography_without_students_is_a_true_zero(tmp_path, tiny_rows):
    rows = [r for r in tiny_rows if r["student_id"] == "A"]
    cells = _cells(tmp_path, rows)
    assert find_cell(cells, "students", layer="school_district", geo="2")[0] == 0
    assert find_cell(cells, "midyear_transfer", layer="school_district", geo="2") == (0, 0)


@pytest.mark.parametrize(
    "priority,expected",
    [
        (["shelter", "unsheltered", "other_homeless", "doubled_up"], "shelter"),
        (["doubled_up", "shelter", "unsheltered", "other_homeless"], "doubled_up"),
    ],
)
def test_status_priority_is_configurable(tmp_path, tiny_rows, priority, expected):
    from tests.conftest import TOML

    listed = ", ".join(f'"{p}"' for p in priority)
    toml = TOML.replace("[housing.codes]", f"[housing]\npriority = [{listed}]\n\n[housing.codes]")
    config = load_config(write_project(tmp_path, tiny_rows, toml=toml))
    cells = compute(config, validate(config))
    # B was doubled up, then in shelter: the first listed status wins.
    assert find_cell(cells, "students", expected, layer="school", geo="S3")[0] == (
        2 if expected == "doubled_up" else 1
    )


def test_cohort_outcomes_by_housing_in_high_school(tmp_path):
    years = ["2011-12", "2012-13", "2013-14", "2014-15"]
    rows = []
    # P: housed all four years at S3, graduates.
    rows += [spell("P", y, "S3", g) for y, g in zip(years, ["9", "10", "11", "12"], strict=True)]
    # Q: in shelter in 2013-14 (moves to S4 in district 75 that year), drops out.
    rows += [spell("Q", y, "S3", g) for y, g in zip(years[:2], ["9", "10"], strict=True)]
    rows += [spell("Q", years[2], "S4", "11", "DHS"), spell("Q", years[3], "S4", "12")]
    # R: doubled up in 2012-13 only, graduates.
    rows += [
        spell("R", y, "S3", g, "DBL" if y == "2012-13" else "PH")
        for y, g in zip(years, ["9", "10", "11", "12"], strict=True)
    ]
    # S: entered grade 9 in 2012-13: the fourth year (2015-16) is not in the data.
    rows += [spell("S", y, "S3", g) for y, g in zip(years[1:], ["9", "10", "11"], strict=True)]
    toml = TOML.replace(
        "[housing.codes]", '[inputs.cohorts]\npath = "data/cohorts.csv"\n\n[housing.codes]'
    )
    config_path = write_project(tmp_path, rows, toml=toml)
    (tmp_path / "data" / "cohorts.csv").write_text(
        "student_id,cohort_year,outcome\n"
        "P,2011-12,graduated\nQ,2011-12,dropped_out\nR,2011-12,graduated\n"
        "S,2012-13,still_enrolled\n"
    )
    config = load_config(config_path)
    cells = compute(config, validate(config))

    def both(layer, geo, group):
        return (
            find_cell(cells, "graduation_4yr", group, layer=layer, geo=geo),
            find_cell(cells, "dropout_4yr", group, layer=layer, geo=geo),
        )

    # City: P, Q, R (S's cohort has not reached its fourth year).
    assert both("city", "city", "all") == ((2, 3), (1, 3))
    assert both("city", "city", "homeless") == ((1, 2), (1, 2))  # Q and R
    assert both("city", "city", "ever_in_shelter") == ((0, 1), (1, 1))  # Q
    assert both("city", "city", "never_in_shelter") == ((1, 1), (0, 1))  # R
    assert both("city", "city", "housed") == ((1, 1), (0, 1))  # P
    # Q's last school is S4 (district 75); P and R end at S3 (district 2).
    assert both("school_district", "75", "all") == ((0, 1), (1, 1))
    assert both("school_district", "2", "all") == ((2, 2), (0, 2))
    assert not cells[(cells["indicator"] == "graduation_4yr") & (cells["year"] != "2014-15")].size
