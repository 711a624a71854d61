"""Attendance rule packs at every boundary, on hand-built students.

Each expected value is worked out by hand in the comment beside it, from the rule as
the authority states it (docs/indicators.md, "Attendance rule packs"). Student-level
rules run through :func:`atlas.compute.compute` on the tiny project (conftest), so the
real Ibis/DuckDB path is what is tested; bands, marks and "met" run through
:func:`atlas.rules.marks.apply_packs` on a protected table built by hand.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from atlas.compute import compute
from atlas.config import load_config, pack_parameters
from atlas.errors import ConfigError, InputError
from atlas.model import LONG_COLUMNS
from atlas.protect.complement import build_system
from atlas.protect.exhaustive import exhaustive_equations
from atlas.protect.stage import COUNTS, PLACES
from atlas.rules import PACK_NAMES, get_pack, packs
from atlas.rules.marks import apply_packs
from atlas.validate import validate
from tests.conftest import TOML, find_cell, spell, write_project

Y = "2014-15"


def _cells(tmp_path, rows, toml: str = TOML) -> pd.DataFrame:
    config = load_config(write_project(tmp_path, rows, toml=toml))
    return compute(config, validate(config))


def _student(name, enrolled, absent, suspended=0, grade="3", school="S1", **extra):
    return spell(
        name,
        Y,
        school,
        grade,
        days_enrolled=enrolled,
        days_absent=absent,
        days_suspended=suspended,
        **extra,
    )


# --- the registry -------------------------------------------------------------------


def test_every_pack_documents_its_source_and_fields():
    assert (
        tuple(packs())
        == PACK_NAMES
        == (
            "nyc",
            "ten_percent",
            "crdc",
            "research",
            "pennsylvania",
            "ohio",
        )
    )
    for pack in packs().values():
        assert pack.agency and pack.document and pack.years and pack.rule
        assert pack.fields
        assert all(pack.name in i for i in pack.indicator_ids)
    assert get_pack("ohio").fields == (
        "hours_attended",
        "hours_absent_excused",
        "hours_absent_unexcused",
    )
    assert "days_suspended" in get_pack("pennsylvania").fields
    assert "days_suspended" not in get_pack("nyc").fields


def test_unknown_pack_lists_the_known_ones():
    with pytest.raises(ConfigError) as err:
        get_pack("texas")
    assert str(err.value) == (
        "unknown attendance rule pack 'texas'; known packs: nyc, ten_percent, crdc, "
        "research, pennsylvania, ohio"
    )


def test_config_names_headline_and_overrides_parameters(tmp_path):
    toml = TOML + (
        '\n[indicators]\nchronic_absence = "pennsylvania"\n'
        "\n[rules.ten_percent]\nshare_percent = 12.5\n"
        '\n[rules.ohio.goals]\n"2014-15" = 30\n'
    )
    config = load_config(write_project(tmp_path, [_student("A", 180, 5)], toml=toml))
    assert config.indicators.chronic_absence == "pennsylvania"
    params = pack_parameters(config)
    assert params["ten_percent"]["share_percent"] == Fraction(25, 2)  # 12.5 exactly
    assert params["ohio"]["goals"]["2014-15"] == 30
    assert params["ohio"]["goals"]["2030-31"] == Fraction(5)  # the rest of the table stays
    assert params["nyc"]["threshold_days"] == 20


def test_config_rejects_unknown_pack_and_parameter(tmp_path):
    rows = [_student("A", 180, 5)]
    with pytest.raises(ConfigError) as err:
        load_config(write_project(tmp_path, rows, toml=TOML + "\n[rules.texas]\nx = 1\n"))
    assert str(err.value) == (
        "atlas.toml: [rules.texas] names no attendance rule pack; known packs: nyc, "
        "ten_percent, crdc, research, pennsylvania, ohio"
    )
    with pytest.raises(ConfigError) as err:
        load_config(write_project(tmp_path, rows, toml=TOML + "\n[rules.crdc]\ndays = 1\n"))
    assert str(err.value) == (
        "atlas.toml: key 'rules.crdc.days' is not a parameter of the 'crdc' pack; its "
        "parameters: threshold_days"
    )
    bad = TOML + '\n[rules.crdc]\nthreshold_days = "many"\n'
    with pytest.raises(ConfigError, match="'rules.crdc.threshold_days' must be a number"):
        load_config(write_project(tmp_path, rows, toml=bad))


def test_parameter_override_changes_the_result(tmp_path):
    # CRDC at 16 days instead of 15: the student missing 15 is no longer counted.
    rows = [_student("A", 180, 15), _student("B", 180, 16)]
    cells = _cells(tmp_path, rows, TOML + "\n[rules.crdc]\nthreshold_days = 16\n")
    assert find_cell(cells, "chronic_absence_crdc") == (1, 2)


# --- days: NYC, ten percent, CRDC, Pennsylvania -------------------------------------


def test_days_thresholds_by_hand(tmp_path):
    rows = [
        # A: absent 19 of 180, no suspension. NYC: 19 < 20, no. CRDC: 19 >= 15, yes.
        #    10%: 19 >= 18, yes. PA: 19 > 18, yes; present 161 < 162 (90%), not regular.
        _student("A", 180, 19),
        # B: absent 20 of 180. NYC yes; CRDC yes; 10% yes; PA yes; not regular.
        _student("B", 180, 20),
        # C: absent 15, NYC no; CRDC 15 >= 15 yes; 10% 15 < 18 no; PA no; regular
        #    (present 165 >= 162).
        _student("C", 180, 15),
        # D: absent 14 of 180: NYC no, CRDC no, 10% no, PA no, regular.
        _student("D", 180, 14),
        # E: absent exactly 10.0% (11 of 110 days): 10% ("at least") yes; PA ("more
        #    than") no, and present 99 of 110 = exactly 90%: regular. NYC no, CRDC no.
        _student("E", 110, 11),
        # F: absent 15 and suspended 5 of 180 days. NYC: 15 < 20, no (suspension is
        #    not absence). PA: missed 20 > 18, yes; present 160, not regular. 10%:
        #    20 >= 18, yes. CRDC: 20 >= 15, yes.
        _student("F", 180, 15, suspended=5),
    ]
    cells = _cells(tmp_path, rows)
    assert find_cell(cells, "chronic_absence_nyc") == (1, 6)  # B
    assert find_cell(cells, "chronic_absence_crdc") == (4, 6)  # A, B, C, F
    assert find_cell(cells, "chronic_absence_ten_percent") == (4, 6)  # A, B, E, F
    assert find_cell(cells, "chronic_absence_pennsylvania") == (3, 6)  # A, B, F
    assert find_cell(cells, "regular_attendance_pennsylvania") == (3, 6)  # C, D, E
    # Pennsylvania reports schools (all six are at S1); the others are not on schools.
    assert find_cell(cells, "chronic_absence_pennsylvania", layer="school", geo="S1") == (3, 6)
    assert find_cell(cells, "regular_attendance_pennsylvania", layer="school", geo="S1") == (3, 6)
    on_schools = set(cells.loc[cells["layer"] == "school", "indicator"])
    assert "chronic_absence_crdc" not in on_schools
    assert "chronic_absence_nyc" not in on_schools


def test_pennsylvania_counts_students_enrolled_90_days(tmp_path):
    rows = [
        # G: 89 days enrolled, absent 30: not counted by Pennsylvania at all.
        _student("G", 89, 30),
        # H: 90 days enrolled, absent 10 (11.1% > 10%): counted, chronically absent.
        _student("H", 90, 10),
        # I: 90 days, absent 9 (exactly 10%): counted, not chronic, regular (81 of 90).
        _student("I", 90, 9),
    ]
    cells = _cells(tmp_path, rows)
    assert find_cell(cells, "chronic_absence_pennsylvania") == (1, 2)  # H of H, I
    assert find_cell(cells, "regular_attendance_pennsylvania") == (1, 2)  # I
    # The other packs count G: 10% gives G (30 >= 8.9), H (10 >= 9), I (9 >= 9).
    assert find_cell(cells, "chronic_absence_ten_percent") == (3, 3)


def test_research_measures_and_tiers_at_20_percent(tmp_path):
    rows = [
        # J: missed exactly 20 of 100 days: attendance 80%, not under 80%, so not
        #    severe for the research measure; severe (20% or more) for Attendance Works.
        _student("J", 100, 20),
        # K: 21 of 100: severe for both.
        _student("K", 100, 21),
        # L: 5 of 100 days: at risk (5% to under 10%); attendance 95%: a good attender.
        _student("L", 100, 5),
        # M: 4 of 100: satisfactory; good attender.
        _student("M", 100, 4),
        # N: 10 of 100: moderate (10% to under 20%); not a good attender (90%).
        _student("N", 100, 10),
        # O: 19 of 100: moderate. P: 6 absent + 4 suspended of 100: the tiers count
        #    suspension (10%, moderate); the research measure does not (94% present:
        #    not a good attender, 6% absent).
        _student("O", 100, 19),
        _student("P", 100, 6, suspended=4),
    ]
    cells = _cells(tmp_path, rows)
    assert find_cell(cells, "severe_absence_research") == (1, 7)  # K
    assert find_cell(cells, "tier_severe_research") == (2, 7)  # J, K
    assert find_cell(cells, "tier_moderate_research") == (3, 7)  # N, O, P
    assert find_cell(cells, "tier_at_risk_research") == (1, 7)  # L
    assert find_cell(cells, "tier_satisfactory_research") == (1, 7)  # M
    assert find_cell(cells, "good_attendance_research") == (2, 7)  # L, M
    # Hence the nestings of atlas.model.NESTED: a student severe for the research
    # measure is in the severe tier (not the other way: J), and a satisfactory one is a
    # good attender (not the other way: L). The numbers agree at every place, so the
    # protection stage's equations hold both.
    rates = cells[~cells["indicator"].isin(COUNTS | PLACES)]
    system = build_system(rates, count_indicators=COUNTS, parents={})
    keys = exhaustive_equations(system.quantities)["key"].str.split("|").str[0]
    assert {
        "nested:severe_absence_research:tier_severe_research",
        "nested:tier_satisfactory_research:good_attendance_research",
    } <= set(keys)


# --- hours: Ohio --------------------------------------------------------------------


def _hours(name, attended, excused, unexcused, grade="3", school="S1", **extra):
    return _student(
        name,
        180,
        0,
        grade=grade,
        school=school,
        hours_attended=attended,
        hours_absent_excused=excused,
        hours_absent_unexcused=unexcused,
        **extra,
    )


def test_ohio_hours_thresholds(tmp_path):
    rows = [
        # Q: 90.0 + 5.0 + 4.9 = 99.9 possible hours: under 100, not included.
        _hours("Q", 90.0, 5.0, 4.9),
        # R: 64.1 + 0.1 + 35.8 = exactly 100.0 possible hours (in binary floating point
        #    the sum falls short of 100): included; absent 35.9 >= 10.0: chronic.
        _hours("R", 64.1, 0.1, 35.8),
        # S: zero hours of every kind: dropped.
        _hours("S", 0, 0, 0),
        # T: 910 possible (a full year in grade 3), absent 91.0 = exactly 10%: chronic.
        _hours("T", 819.0, 50.0, 41.0),
        # U: 910 possible, absent 90.9 (under 10%): not chronic.
        _hours("U", 819.1, 50.0, 40.9),
    ]
    cells = _cells(tmp_path, rows)
    assert find_cell(cells, "chronic_absence_ohio") == (2, 3)  # R, T of R, T, U
    row = cells[
        (cells["indicator"] == "chronic_absence_ohio")
        & (cells["layer"] == "city")
        & (cells["group"] == "all")
    ].iloc[0]
    # FTE: R 100/910, T 910/910, U 910/910. Rate = (100 + 910) / (100 + 910 + 910).
    assert row["weighted_numerator"] / row["weighted_denominator"] == Fraction(1010, 1920)


def test_ohio_student_in_two_schools_counts_in_each_with_fte(tmp_path):
    rows = [
        # Z, grade 3: at S1 (district 1) 350 attended + 50 excused = 400 possible, 50
        #    absent (12.5%): chronic there, FTE 400/910. Then at S3 (district 2) 480 +
        #    10 + 10 = 500 possible, 20 absent (4%): not chronic, FTE 500/910. In the
        #    city (and the borough, which holds both schools): 900 possible, 70 absent
        #    (7.8%): not chronic, FTE 900/910.
        _hours("Z", 350, 50, 0, exit_date="2015-01-15"),
        _hours("Z", 480, 10, 10, school="S3", entry_date="2015-01-20"),
        # W, grade 3, at S1 all year: 910 possible, none absent, FTE 1.
        _hours("W", 910, 0, 0),
    ]
    cells = _cells(tmp_path, rows)
    d1 = ("school_district", "1")
    d2 = ("school_district", "2")
    assert find_cell(cells, "chronic_absence_ohio", layer=d1[0], geo=d1[1]) == (1, 2)
    assert find_cell(cells, "chronic_absence_ohio", layer=d2[0], geo=d2[1]) == (0, 1)
    assert find_cell(cells, "chronic_absence_ohio") == (0, 2)
    assert find_cell(cells, "chronic_absence_ohio", layer="borough", geo="1") == (0, 2)
    # Ohio reports schools: Z counts at S1 (chronic) and at S3 (not), W at S1.
    assert find_cell(cells, "chronic_absence_ohio", layer="school", geo="S1") == (1, 2)
    assert find_cell(cells, "chronic_absence_ohio", layer="school", geo="S3") == (0, 1)
    ohio = cells[(cells["indicator"] == "chronic_absence_ohio") & (cells["group"] == "all")]
    d1_row = ohio[(ohio["layer"] == "school_district") & (ohio["geo_id"] == "1")].iloc[0]
    # District 1: (400/910) / (400/910 + 910/910) = 400 / 1310.
    assert d1_row["weighted_numerator"] == Fraction(400, 910)
    assert d1_row["weighted_denominator"] == Fraction(1310, 910)
    # The last-school rule still holds for the other packs: Z counts once, in district 2.
    students = cells[
        (cells["indicator"] == "students")
        & (cells["layer"] == "school_district")
        & (cells["group"] == "all")
        & (cells["grade_band"] == "all")
    ].set_index("geo_id")["numerator"]
    assert students.to_dict() == {"1": 1, "2": 1, "75": 0}  # W in 1, Z in 2


# --- bands, marks and "met", after protection -----------------------------------------


def _table(indicator, rows, years=(Y,)):
    """A protected table of one rate: rows of (year, geo_id, flag, numerator, denominator)."""
    out = []
    for year, geo, flag, num, den in rows:
        shown = flag == "published"
        out.append(
            {
                "year": year,
                "layer": "school_district",
                "geo_id": geo,
                "geo_name": f"District {geo}",
                "group": "all",
                "grade_band": "all",
                "indicator": indicator,
                "numerator": float(num) if flag != "withheld" else np.nan,
                "denominator": float(den) if flag != "withheld" else np.nan,
                "value": round(100 * num / den, 1) if shown else np.nan,
                "category": "",
                "flag": flag,
                "note": "",
            }
        )
    return pd.DataFrame(out, columns=list(LONG_COLUMNS))


def _derived(out, indicator):
    rows = out[out["indicator"] == indicator].set_index(["year", "geo_id"])
    return {k: (r["flag"], r["category"]) for k, r in rows.iterrows()}


PA = {"pennsylvania": get_pack("pennsylvania").parameters()}


def test_pennsylvania_band_edges():
    table = _table(
        "regular_attendance_pennsylvania",
        [
            (Y, "1", "published", 808, 1000),  # 80.8%: red
            (Y, "2", "published", 809, 1000),  # 80.9%: green
            (Y, "3", "published", 940, 1000),  # 94.0%: green
            (Y, "4", "published", 941, 1000),  # 94.1%: blue
            (Y, "5", "published", 1617, 2000),  # 80.85% rounds half up to 80.9: green
            (Y, "6", "published", 1881, 2000),  # 94.05% rounds to 94.1: blue
            (Y, "7", "withheld", 0, 0),  # withheld rate: withheld band
        ],
    )
    out = apply_packs(pd.DataFrame(), table, PA, precision=1, years=(Y,))
    bands = _derived(out, "band_pennsylvania")
    assert {g: bands[(Y, g)] for g in "1234567"} == {
        "1": ("published", "red"),
        "2": ("published", "green"),
        "3": ("published", "green"),
        "4": ("published", "blue"),
        "5": ("published", "green"),
        "6": ("published", "blue"),
        "7": ("withheld", ""),
    }


def test_pennsylvania_marks_and_floor_of_20():
    y0, y1 = "2013-14", Y
    table = _table(
        "regular_attendance_pennsylvania",
        [
            (y0, "1", "published", 800, 1000),  # 80.0 -> 80.1: up
            (y1, "1", "published", 801, 1000),
            (y0, "2", "published", 8004, 10000),  # 80.04 -> 80.0 and 80.0 -> 80.0:
            (y1, "2", "published", 800, 1000),  # the same at one decimal
            (y0, "3", "published", 900, 1000),  # 90.0 -> 89.9: down
            (y1, "3", "published", 899, 1000),
            (y0, "4", "withheld", 0, 0),  # the year before is withheld: mark withheld
            (y1, "4", "published", 900, 1000),
            (y0, "5", "published", 30, 40),
            (y1, "5", "published", 15, 19),  # 19 students: under PA's floor of 20
        ],
    )
    out = apply_packs(pd.DataFrame(), table, PA, precision=1, years=(y0, y1))
    marks = _derived(out, "mark_pennsylvania")
    assert marks[(y1, "1")] == ("published", "up")
    assert marks[(y1, "2")] == ("published", "same")
    assert marks[(y1, "3")] == ("published", "down")
    assert marks[(y1, "4")] == ("withheld", "")
    assert marks[(y0, "1")] == ("not_applicable", "")  # no year before
    floor = out[(out["indicator"] == "regular_attendance_pennsylvania") & (out["geo_id"] == "5")]
    assert floor.set_index("year")["flag"].to_dict() == {
        y0: "published",
        y1: "omitted_reliability",
    }
    assert np.isnan(floor.set_index("year").loc[y1, "value"])
    assert _derived(out, "band_pennsylvania")[(y1, "5")] == ("omitted_reliability", "")


def _ohio(rows, years):
    """Protected Ohio rates and their exact FTE sums: (year, geo, flag, fte_num, fte_den)
    with headcounts of 100 each so the privacy rules are not in the way."""
    table = _table("chronic_absence_ohio", [(y, g, f, 50, 100) for y, g, f, _, _ in rows], years)
    cells = table[["year", "layer", "geo_id", "group", "grade_band", "indicator"]].copy()
    cells["weighted_numerator"] = [Fraction(n) for *_, n, _ in rows]
    cells["weighted_denominator"] = [Fraction(d) for *_, d in rows]
    return cells, table


def test_ohio_met_pathways_at_their_edges():
    y0, y1 = "2020-21", "2021-22"  # goals 24.0% and 22.1%
    cells, table = _ohio(
        [
            # 1: baseline exactly 36.7%, then exactly 1.1 points lower (35.6%): met by
            #    improvement (36.7 is "36.7% or higher": the points rule applies; 3%
            #    would ask for 35.599).
            (y0, "1", "published", 367, 1000),
            (y1, "1", "published", 356, 1000),
            # 2: baseline 36.6% (under 36.7): 35.6% is not 3% lower (needs 35.502):
            #    not met.
            (y0, "2", "published", 366, 1000),
            (y1, "2", "published", 356, 1000),
            # 3: baseline 30.0%, then exactly 3% lower: 29.1%: met by improvement.
            (y0, "3", "published", 300, 1000),
            (y1, "3", "published", 291, 1000),
            # 4: 29.11%: just short of 3% lower: not met.
            (y0, "4", "published", 300, 1000),
            (y1, "4", "published", 2911, 10000),
            # 5: exactly at the goal (22.1% in 2021-22): met by the goal.
            (y0, "5", "published", 500, 1000),
            (y1, "5", "published", 221, 1000),
            # 6: the year before is withheld, and the goal is not met: withheld (a
            #    "not met" would narrow the hidden rate down).
            (y0, "6", "withheld", 0, 1),
            (y1, "6", "published", 300, 1000),
            # 7: the year before withheld but the goal met (20.0% <= 22.1%): shown.
            (y0, "7", "withheld", 0, 1),
            (y1, "7", "published", 200, 1000),
        ],
        (y0, y1),
    )
    params = {"ohio": get_pack("ohio").parameters()}
    out = apply_packs(cells, table, params, precision=1, years=(y0, y1))
    met = _derived(out, "met_ohio")
    assert met[(y1, "1")] == ("published", "met_improvement")
    assert met[(y1, "2")] == ("published", "not_met")
    assert met[(y1, "3")] == ("published", "met_improvement")
    assert met[(y1, "4")] == ("published", "not_met")
    assert met[(y1, "5")] == ("published", "met_goal")
    assert met[(y1, "6")] == ("withheld", "")
    assert met[(y1, "7")] == ("published", "met_goal")
    # The first year: the goal (24.0%) alone: 36.7% not met; 30% not met.
    assert met[(y0, "1")] == ("published", "not_met")
    rate = out[(out["indicator"] == "chronic_absence_ohio") & (out["year"] == y1)]
    # The published value is the weighted rate (29.11% -> 29.1), not 50 of 100.
    assert rate.set_index("geo_id").loc["4", "value"] == 29.1
    target = out[out["indicator"] == "target_ohio"].set_index(["year", "geo_id"])
    assert target.loc[(y1, "1"), "value"] == 35.6  # 36.7 - 1.1
    assert target.loc[(y1, "3"), "value"] == 29.1  # 30.0 * 0.97
    assert target.loc[(y1, "6"), "flag"] == "withheld"


def test_ohio_goal_not_applicable_outside_the_table_improvement_still_applies():
    y0, y1 = "2018-19", "2019-20"  # before the goals table
    cells, table = _ohio(
        [
            (y0, "1", "published", 200, 1000),
            (y1, "1", "published", 194, 1000),  # exactly 3% lower: met by improvement
        ],
        (y0, y1),
    )
    params = {"ohio": get_pack("ohio").parameters()}
    out = apply_packs(cells, table, params, precision=1, years=(y0, y1))
    met = _derived(out, "met_ohio")
    assert met[(y1, "1")] == ("published", "met_improvement")
    assert met[(y0, "1")] == ("not_applicable", "")  # no goal, no year before


# --- validation ------------------------------------------------------------------------


def test_validation_names_the_fields_a_pack_lacks(tmp_path):
    rows = [_student("A", 180, 5)]  # days only, no hours
    config = load_config(
        write_project(tmp_path, rows, toml=TOML + '\n[indicators]\nchronic_absence = "ohio"\n')
    )
    with pytest.raises(InputError) as err:
        validate(config)
    assert [str(p) for p in err.value.problems] == [
        "enrollment.csv: the headline attendance rule pack 'ohio' needs the column(s) "
        "hours_attended, hours_absent_excused, hours_absent_unexcused, which the extract "
        "lacks or leaves empty; add them (or map them under [inputs.enrollment.columns]), "
        "or choose another pack under [indicators] chronic_absence"
    ]
    # With another headline, Ohio is left out: silently when packs are not listed, with
    # a note when atlas.toml lists it.
    config = load_config(write_project(tmp_path, rows))
    assert not [p for p in validate(config).problems if "pack" in str(p)]
    listed = TOML + '\n[indicators]\npacks = ["nyc", "crdc", "ohio"]\n'
    config = load_config(write_project(tmp_path, rows, toml=listed))
    extract = validate(config)
    assert [str(p) for p in extract.notes if "pack" in str(p)] == [
        "enrollment.csv: attendance rule pack 'ohio' is not computed: it needs the column(s) "
        "hours_attended, hours_absent_excused, hours_absent_unexcused, which the extract "
        "lacks or leaves empty; add them to compute it"
    ]
    cells = compute(config, extract)
    assert "chronic_absence_ohio" not in set(cells["indicator"])
    assert "chronic_absence_crdc" in set(cells["indicator"])


def test_ohio_target_and_met_need_the_year_before_published():
    y0, y1 = "2021-22", "2022-23"  # goals 22.1% and 20.2%
    cells, table = _ohio(
        [
            # 1: the year before omitted for reliability: its exact rate is not
            #    published, so neither is a target worked out from it, nor a "not met".
            (y0, "1", "omitted_reliability", 300, 1000),
            (y1, "1", "published", 290, 1000),
            # 2: the year before published: target 30.0 * 0.97 = 29.1, met (29.0).
            (y0, "2", "published", 300, 1000),
            (y1, "2", "published", 290, 1000),
            # 3: this year's rate withheld: "met" withheld with it, though the target
            #    (from the published year before) is shown.
            (y0, "3", "published", 300, 1000),
            (y1, "3", "withheld", 290, 1000),
        ],
        (y0, y1),
    )
    params = {"ohio": get_pack("ohio").parameters()}
    out = apply_packs(cells, table, params, precision=1, years=(y0, y1))
    target = out[out["indicator"] == "target_ohio"].set_index(["year", "geo_id"])
    assert target.loc[(y1, "1"), "flag"] == "omitted_reliability"
    assert np.isnan(target.loc[(y1, "1"), "value"])
    assert target.loc[(y1, "2"), ["flag", "value"]].tolist() == ["published", 29.1]
    assert target.loc[(y1, "3"), ["flag", "value"]].tolist() == ["published", 29.1]
    met = _derived(out, "met_ohio")
    assert met[(y1, "1")] == ("omitted_reliability", "")
    assert met[(y1, "2")] == ("published", "met_improvement")
    assert met[(y1, "3")] == ("withheld", "")


# --- the demo, in the years Ohio's goals cover --------------------------------------------


def test_demo_in_ohio_goal_years_publishes_goals_and_consistent_verdicts(tmp_path):
    """`atlas demo --first-year 2020-21` data, built with Ohio as the headline pack: the
    goals of the table are published, and every published "met" agrees with the
    published rate and goal (a rate met by the goal is at or below it)."""
    import csv
    import dataclasses

    from atlas.config import Outputs
    from atlas.demo import generate_city
    from atlas.pipeline import build_atlas

    toml = generate_city(tmp_path / "demo", scale=0.005, seed=3, first_year="2020-21")
    text = toml.read_text().replace(
        "[housing]", '[indicators]\nchronic_absence = "ohio"\n\n[housing]'
    )
    toml.write_text(text)
    config = load_config(toml)
    # School districts and boroughs are all this needs: the demo's other four layers
    # only make its protection longer (most of this test's time).
    layers = [x for x in config.layers if x.name in ("school_district", "borough")]
    assert len(layers) == 2
    config = dataclasses.replace(config, layers=layers, outputs=Outputs(site=True, pdf=False))
    build_atlas(config, strict=True, output=tmp_path / "build")
    with open(tmp_path / "build" / "data" / "atlas_long.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    goals = {r["year"]: r["value"] for r in rows if r["indicator"] == "goal_ohio"}
    # The goals table: 24% in 2020-21, then 1.9 points less each year.
    assert goals == {
        "2020-21": "24.0",
        "2021-22": "22.1",
        "2022-23": "20.2",
        "2023-24": "18.3",
        "2024-25": "16.4",
    }
    rate = {
        (r["year"], r["layer"], r["geo_id"], r["group"]): r
        for r in rows
        if r["indicator"] == "chronic_absence_ohio"
    }
    met = [r for r in rows if r["indicator"] == "met_ohio" and r["flag"] == "published"]
    assert met
    for r in met:
        shown = rate[(r["year"], r["layer"], r["geo_id"], r["group"])]
        assert shown["flag"] == "published"
        goal = float(goals[r["year"]])
        if r["category"] == "met_goal":
            assert float(shown["value"]) <= goal
        else:
            assert float(shown["value"]) >= goal  # exact rate above: rounded at or above
    # District pages lead with Ohio's figure.
    page = (tmp_path / "build" / "districts" / "9.html").read_text()
    assert "Chronic absence (Ohio: hours, FTE-weighted)" in page
    assert "Chronic absence (Ohio), homeless" in page
