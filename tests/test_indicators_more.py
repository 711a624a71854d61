"""Late IEP, pre-K reach, years and types of homelessness, and the grade distribution,
on small hand-made records: every expected value is counted by hand from the rows below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from atlas.audit.equations import attack_equations
from atlas.compute import compute
from atlas.config import load_config
from atlas.errors import InputError
from atlas.indicators.reach import pre_k_reach
from atlas.model import LONG_COLUMNS
from atlas.protect.complement import build_system
from atlas.protect.stage import COUNTS, PLACES
from atlas.validate import validate
from tests.conftest import find_cell, spell, write_project

FIVE = ["2010-11", "2011-12", "2012-13", "2013-14", "2014-15"]
SIX = ["2009-10", *FIVE]


def _cells(tmp_path, rows) -> pd.DataFrame:
    config = load_config(write_project(tmp_path, rows))
    return compute(config, validate(config, strict=True))


def _years(student, school, first_grade, statuses, years=FIVE, **extra):
    """One full-year spell a year, grades rising from ``first_grade``; ``statuses`` per
    year, None for a year without a record."""
    grades = ["PK", "K", *[str(g) for g in range(1, 13)]]
    start = grades.index(first_grade)
    return [
        spell(student, year, school, grades[start + i], status, **extra)
        for i, (year, status) in enumerate(zip(years, statuses, strict=True))
        if status is not None
    ]


# ---------------------------------------------------------------- years and types


@pytest.fixture
def history_rows():
    return [
        # E: doubled up in 2011-12 only: formerly homeless; 1 year, 1 type.
        *_years("E", "S1", "2", [None, "PH", "DBL", "PH", "PH", "PH"], SIX),
        # F: housed throughout: not in the population.
        *_years("F", "S1", "1", ["PH"] * 6, SIX),
        # G: arrives in 2014-15 doubled up: 1 year, 1 type.
        spell("G", "2014-15", "S1", "K", "DBL"),
        # J: shelter 2010-11, doubled up 2012-13, no record 2013-14, shelter 2014-15:
        # 3 years, 2 types by 2014-15; 2 years, 2 types by 2013-14.
        *_years("J", "S1", "1", [None, "DHS", "PH", "DBL", None, "DHS"], SIX),
        # K: homeless every year, through every type: 5 years and 4 types by 2014-15;
        # 4 years and 3 types by 2013-14.
        *_years("K", "S3", "5", [None, "DBL", "DBL", "UNS", "HMO", "DHS"], SIX),
        # M: doubled up 2010-11, gone, back housed in 2014-15: formerly homeless, 1 year.
        *_years("M", "S1", "2", [None, "DBL", None, None, None, "PH"], SIX),
        # N: doubled up 2009-10, housed after (no record 2011-12). Five years back from
        # 2014-15 reach 2010-11 only: not ever homeless then; in 2013-14, 1 year.
        *_years("N", "S1", "2", ["DBL", "PH", None, "PH", "PH", "PH"], SIX),
    ]


def test_years_homeless_and_types_among_ever_homeless(tmp_path, history_rows):
    cells = _cells(tmp_path, history_rows)
    # 2014-15: E, G, J, K, M were homeless in 2010-11 .. 2014-15 (N's year is earlier).
    expected_years = {1: 3, 2: 0, 3: 1, 4: 0, 5: 1}  # E G M; J; K
    for n, count in expected_years.items():
        assert find_cell(cells, f"years_homeless_{n}", "ever_homeless") == (count, 5), n
    expected_types = {1: 3, 2: 1, 3: 0, 4: 1}  # E G M; J; K
    for n, count in expected_types.items():
        assert find_cell(cells, f"homeless_types_{n}", "ever_homeless") == (count, 5), n
    # Currently homeless: G (1 year), J (3), K (5); in shelter: J and K.
    assert find_cell(cells, "years_homeless_1", "homeless") == (1, 3)
    assert find_cell(cells, "years_homeless_5", "homeless") == (1, 3)
    assert find_cell(cells, "years_homeless_3", "shelter") == (1, 2)
    assert find_cell(cells, "years_homeless_1", "doubled_up") == (1, 1)
    # Formerly homeless: E and M, one year each.
    assert find_cell(cells, "years_homeless_1", "formerly_homeless") == (2, 2)
    assert find_cell(cells, "homeless_types_1", "formerly_homeless") == (2, 2)
    # By geography: K is the only one at S3 (district 2).
    assert find_cell(
        cells, "years_homeless_5", "ever_homeless", layer="school_district", geo="2"
    ) == (1, 1)


def test_five_years_count_by_year_not_by_record(tmp_path, history_rows):
    cells = _cells(tmp_path, history_rows)
    # 2013-14 looks back to 2009-10. J and M have no record in 2013-14, so no
    # student-year: N (1 year, 1 type), E (1, 1), K (4 years, 3 types).
    for n, count in {1: 2, 2: 0, 3: 0, 4: 1, 5: 0}.items():
        got = find_cell(cells, f"years_homeless_{n}", "ever_homeless", year="2013-14")
        assert got == (count, 3), n
    for n, count in {1: 2, 2: 0, 3: 1, 4: 0}.items():
        got = find_cell(cells, f"homeless_types_{n}", "ever_homeless", year="2013-14")
        assert got == (count, 3), n
    # N's five records up to 2014-15 reach back to 2009-10, five years before: by
    # year, N is not ever homeless in 2014-15 (see the test above: 5 students, not 6).
    assert find_cell(cells, "students", "always_housed")[0] == 2  # F and N


def test_years_homeless_has_no_rows_without_four_prior_years(tmp_path, history_rows):
    cells = _cells(tmp_path, history_rows)
    distributions = cells[cells["indicator"].str.startswith(("years_homeless", "homeless_types"))]
    assert set(distributions["year"]) == {"2013-14", "2014-15"}
    # Only the groups the distributions are published for, band all, no school layer.
    assert set(distributions["group"]) == {
        "ever_homeless",
        "homeless",
        "formerly_homeless",
        "shelter",
        "doubled_up",
    }
    assert set(distributions["grade_band"]) == {"all"}
    assert "school" not in set(distributions["layer"])


# ---------------------------------------------------------------- grade distribution


@pytest.fixture
def grade_rows(tiny_rows):
    y = "2014-15"
    return [
        *tiny_rows,  # A grade 3 housed, B grade 7 in shelter, C grade 10 doubled up, D pre-K
        spell("K1", y, "S1", "K", "DBL"),
        spell("K2", y, "S1", "K"),
        spell("K3", y, "S3", "1", "DHS"),  # district 2
        spell("K4", y, "S1", "2", "DHS"),
    ]


def test_grade_distribution_within_each_band_by_housing(tmp_path, grade_rows):
    cells = _cells(tmp_path, grade_rows)
    # Elementary: A (3), K1 (K), K2 (K), K3 (1), K4 (2); homeless K1, K3, K4.
    assert find_cell(cells, "grade_k", band="elementary") == (2, 5)
    assert find_cell(cells, "grade_1", band="elementary") == (1, 5)
    assert find_cell(cells, "grade_3", band="elementary") == (1, 5)
    assert find_cell(cells, "grade_5", band="elementary") == (0, 5)
    assert find_cell(cells, "grade_k", "homeless", band="elementary") == (1, 3)
    assert find_cell(cells, "grade_2", "homeless", band="elementary") == (1, 3)
    assert find_cell(cells, "grade_3", "homeless", band="elementary") == (0, 3)
    assert find_cell(cells, "grade_k", "housed", band="elementary") == (1, 2)
    assert find_cell(cells, "grade_7", "homeless", band="middle") == (1, 1)
    assert find_cell(cells, "grade_10", "homeless", band="high") == (1, 1)
    # District 1 has A, K1, K2, K4 (K3's school S3 is in district 2).
    assert find_cell(cells, "grade_k", layer="school_district", geo="1", band="elementary") == (
        2,
        4,
    )
    grades = cells[cells["indicator"].str.startswith("grade_")]
    assert set(grades["group"]) == {"all", "homeless", "housed"}
    # Kindergarten to 12, no pre-K (a band of its own); each grade in its band only.
    assert grades["indicator"].nunique() == 13
    assert set(grades.loc[grades["indicator"] == "grade_k", "grade_band"]) == {"elementary"}
    assert set(grades.loc[grades["indicator"] == "grade_8", "grade_band"]) == {"middle"}
    assert "school" not in set(grades["layer"])


# ---------------------------------------------------------------- late IEP


@pytest.fixture
def kindergarten_rows():
    def iep_from(grade_of_iep, grades=("K", "1", "2", "3", "4")):
        order = ["PK", "K", "1", "2", "3", "4"]
        return [g if order.index(g) >= order.index(grade_of_iep) else "" for g in grades]

    def cohort(student, ieps, statuses=("PH",) * 5, schools=("S1",) * 5, **extra):
        return [
            spell(student, year, school, grade, status, iep_grade=iep, **extra)
            for year, grade, status, school, iep in zip(
                FIVE, ("K", "1", "2", "3", "4"), statuses, schools, ieps, strict=True
            )
        ]

    return [
        # P1: IEP in kindergarten: not late. Ends at S3 (district 2).
        *cohort("P1", iep_from("K"), schools=("S1",) * 4 + ("S3",)),
        # P2: first IEP in grade 2: late; doubled up in 2012-13: homeless.
        *cohort("P2", iep_from("2"), statuses=("PH", "PH", "DBL", "PH", "PH")),
        # P3: IEP in pre-K, never lunch-eligible: not late, housed not low-income.
        *cohort("P3", ["PK"] * 5, lunch_eligible="false"),
        # P4: no IEP: not in the population.
        *cohort("P4", [""] * 5),
        # P5: first IEP in grade 1, leaves after 2011-12: late, followed while present.
        *cohort("P5", iep_from("1"))[:2],
        # P7: kept back in kindergarten, IEP in the second kindergarten year: not late.
        spell("P7", "2010-11", "S1", "K"),
        *[
            spell("P7", year, "S1", grade, iep_grade="K")
            for year, grade in zip(FIVE[1:], ("K", "1", "2", "3"), strict=True)
        ],
        # P9: reported in grade 2 as first IEP in grade 2, corrected in grade 3 to K:
        # the earliest reported grade counts, not late.
        *cohort("P9", ["", "", "2", "K", "K"]),
        # Q: kindergarten in 2011-12, IEP in grade 1: the cohort's fifth year is not in
        # the data, so it is counted nowhere.
        *[
            spell("Q", year, "S1", grade, iep_grade="1" if grade != "K" else "")
            for year, grade in zip(FIVE[1:], ("K", "1", "2", "3"), strict=True)
        ],
    ]


def test_late_iep_in_a_kindergarten_cohort(tmp_path, kindergarten_rows):
    cells = _cells(tmp_path, kindergarten_rows)
    # With an IEP: P1, P2, P3, P5, P7, P9; first IEP after kindergarten: P2, P5.
    assert find_cell(cells, "late_iep") == (2, 6)
    assert find_cell(cells, "late_iep", "homeless") == (1, 1)
    assert find_cell(cells, "late_iep", "housed") == (1, 5)
    assert find_cell(cells, "late_iep", "housed_low_income") == (1, 4)
    assert find_cell(cells, "late_iep", "housed_not_low_income") == (0, 1)
    # At the last school of the five years: P1 at S3 (district 2).
    assert find_cell(cells, "late_iep", layer="school_district", geo="2") == (0, 1)
    assert find_cell(cells, "late_iep", layer="school_district", geo="1") == (2, 5)
    late = cells[cells["indicator"] == "late_iep"]
    assert set(late["year"]) == {"2014-15"}
    assert set(late["grade_band"]) == {"all"}
    assert set(late["group"]) == {
        "all",
        "homeless",
        "housed",
        "housed_low_income",
        "housed_not_low_income",
    }


def test_late_iep_needs_five_years(tmp_path, kindergarten_rows):
    rows = [r for r in kindergarten_rows if r["school_year"] != "2010-11"]
    cells = _cells(tmp_path, rows)
    assert cells[cells["indicator"] == "late_iep"].empty


def test_iep_grade_codes_are_mapped_like_grades(tmp_path, kindergarten_rows):
    # The source writes KG for kindergarten, in grade and iep_grade alike.
    rows = [
        dict(
            r,
            grade="KG" if r["grade"] == "K" else r["grade"],
            iep_grade="KG" if r.get("iep_grade") == "K" else r.get("iep_grade", ""),
        )
        for r in kindergarten_rows
    ]
    path = write_project(tmp_path, rows)
    path.write_text(path.read_text() + '\n[grades.codes]\nKG = "K"\n')
    config = load_config(path)
    cells = compute(config, validate(config, strict=True))
    assert find_cell(cells, "late_iep") == (2, 6)


def test_unknown_iep_grade_code_names_rows_and_next_step(tmp_path, kindergarten_rows):
    rows = [dict(r) for r in kindergarten_rows]
    rows[0]["iep_grade"] = "KG"  # P1's kindergarten row, the first data row
    config = load_config(write_project(tmp_path, rows))
    with pytest.raises(InputError) as caught:
        validate(config, strict=True)
    assert (
        "enrollment.csv row 1: iep_grade 'KG' is not a known code; use PK, K, 1 ... 12 "
        "(the grade codes), or map it under [grades.codes] in atlas.toml"
    ) in str(caught.value)


# ---------------------------------------------------------------- pre-K reach


def _row(geo, indicator, group, band, num, den, flag):
    value = np.nan if flag != "published" or not den else 100 * num / den
    return {
        "year": "2014-15",
        "layer": "school_district",
        "geo_id": geo,
        "geo_name": f"District {geo}",
        "group": group,
        "grade_band": band,
        "indicator": indicator,
        "numerator": np.nan if flag == "withheld" else num,
        "denominator": np.nan if flag == "withheld" else den,
        "value": value,
        "category": "",
        "flag": flag,
        "note": "",
    }


def _sources(geo, pre_k, k=((300, "published"), (30, "published")), g1=None):
    """Published-table rows: the pre-K share homeless as (numerator, denominator, flag);
    the kindergarten and grade 1 students, all and homeless, as (numerator, flag), each
    of a band of 1,000 elementary students (the band does not enter reach)."""
    g1 = g1 or ((200, "published"), (20, "published"))
    rows = [_row(geo, "share_of_students", "homeless", "pre_k", *pre_k)]
    for indicator, (everyone, homeless) in (("grade_k", k), ("grade_1", g1)):
        rows.append(_row(geo, indicator, "all", "elementary", everyone[0], 1000, everyone[1]))
        rows.append(_row(geo, indicator, "homeless", "elementary", homeless[0], 100, homeless[1]))
    return rows


def _published(*counts):
    return tuple((n, "published") for n in counts)


def test_pre_k_reach_from_published_cells_only():
    table = pd.DataFrame(
        [
            # 20 of 100 pre-K homeless; K-1 (30 + 20) of (300 + 200), 10%: predicted 10,
            # reach 200%.
            *_sources("1", (20, 100, "published")),
            # 12 of 200 (6%) against (20 + 10) of (250 + 150), 7.5%: predicted 15, 80%.
            *_sources("2", (12, 200, "published"), _published(250, 20), _published(150, 10)),
            # 13 of 90 against (25 + 15) of (160 + 150): 100 * 13 * 310 / (90 * 40)
            # = 111.944...
            *_sources("3", (13, 90, "published"), _published(160, 25), _published(150, 15)),
            # Pre-K share withheld: reach withheld, no number at all.
            *_sources("4", (5, 100, "withheld")),
            # Homeless grade 1 students withheld: likewise.
            *_sources("5", (20, 100, "published"), g1=((200, "published"), (4, "withheld"))),
            # No homeless students in K-1: nothing to predict from.
            *_sources("6", (0, 100, "published"), _published(300, 0), _published(200, 0)),
            # 12 of 25 in pre-K: too few for a rate; the count still shows.
            *_sources("7", (12, 25, "omitted_reliability")),
            # No pre-K at all.
            *_sources("8", (0, 0, "not_applicable")),
        ],
        columns=list(LONG_COLUMNS),
    )
    reach = pre_k_reach(table, precision=1)
    assert list(reach.columns) == list(LONG_COLUMNS)
    reach = reach.set_index("geo_id")
    assert set(reach["indicator"]) == {"pre_k_reach"}
    assert set(reach["group"]) == {"homeless"} and set(reach["grade_band"]) == {"pre_k"}
    assert reach.loc["1", ["value", "numerator", "flag"]].tolist() == [200.0, 20, "published"]
    assert reach.loc["2", "value"] == 80.0
    assert reach.loc["3", "value"] == 111.9
    assert reach["denominator"].isna().all()  # the prediction is not a count of students
    for geo in ("4", "5"):
        assert reach.loc[geo, "flag"] == "withheld"
        assert reach.loc[geo, ["numerator", "denominator", "value"]].isna().all()
    assert reach.loc["6", "flag"] == "not_applicable"
    assert reach.loc["6", "note"] == (
        "No homeless students in kindergarten and grade 1 to predict from"
    )
    assert np.isnan(reach.loc["6", "value"])
    assert reach.loc["7", "flag"] == "omitted_reliability"
    assert reach.loc["7", "numerator"] == 12 and np.isnan(reach.loc["7", "value"])
    assert reach.loc["8", "flag"] == "not_applicable"
    assert reach.loc["8", "note"] == "No students in pre-K"


# ---------------------------------------------------------------- privacy: partitions


def _pinned(cells, hidden_indicator, group, year="2014-15"):
    """Withhold every cell of ``hidden_indicator`` (all groups, geographies, years), as
    if all were small, and return the attacker's interval for its city numerator."""
    cells = cells.reset_index(drop=True)
    cells = cells[~cells["indicator"].isin(PLACES)].reset_index(drop=True)
    system = build_system(cells, count_indicators=COUNTS - PLACES, parents={})
    withheld = (cells["indicator"] == hidden_indicator).to_numpy()
    narrow = attack_equations(system, withheld, 10).narrow
    q = system.quantities
    target = q.index[
        (q["family"] == hidden_indicator)
        & (q["measure"] == "yes")
        & (q["layer"] == "city")
        & (q["group"] == group)
        & (q["year"] == year)
    ]
    assert len(target) == 1
    found = [n for n in narrow if n.quantity == target[0]]
    assert len(found) == 1
    return found[0].low, found[0].high


@pytest.mark.parametrize(("hidden", "expected"), [("years_homeless_3", 1), ("homeless_types_2", 1)])
def test_each_five_year_distribution_is_a_partition_the_protection_knows(
    tmp_path, history_rows, hidden, expected
):
    # With every cell of one value hidden, nothing but the partition (the values add up
    # to the students in the group) ties it: the attacker pins J exactly. Were the
    # partition unknown to the protection, the interval would be 0 .. 5.
    cells = _cells(tmp_path, history_rows)
    assert _pinned(cells, hidden, "ever_homeless") == (expected, expected)


def test_grade_distribution_is_a_partition_the_protection_knows(tmp_path, grade_rows):
    # The grades of a band add up to the band's students: hidden, grade 3 is pinned (A).
    cells = _cells(tmp_path, grade_rows)
    assert _pinned(cells, "grade_3", "all") == (1, 1)
