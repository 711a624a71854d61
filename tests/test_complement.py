"""Complementary suppression and the attacker's equations, on hand-made releases.

Each case is a leak a reader with a calculator could exploit when only the primary
rule applies. For each: the attacker recovers the small cell from the primary-only
release (the interval worked out by hand), and finds nothing once the complements are
withheld; the complement chosen is the cheapest, as reasoned in the test.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import highspy
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from atlas.audit import _describe, audit, equations
from atlas.audit.equations import Narrow, Witnesses, _prove_in_pieces, attack_equations
from atlas.config import Indicators, Privacy
from atlas.errors import ProtectionError
from atlas.model import Rendered
from atlas.protect import complement as complement_module
from atlas.protect import protect
from atlas.protect.complement import System, build_system, complement, within_by_schools
from atlas.protect.primary import primary_withheld
from atlas.protect.report import write_privacy_report
from atlas.protect.stage import audit_check

COUNTS = {"students"}
YEAR = "2014-15"
#: The other homeless types, published as true zeros.
NONE = {"unsheltered": 0, "other_homeless": 0}


@pytest.fixture(autouse=True)
def _nothing_solved_before(monkeypatch):
    """Each test's programs are its own: the attacker's memory of blocks starts empty."""
    monkeypatch.setattr(equations, "_SOLVED", {})


def _cells(rows):
    """rows: (indicator, layer, geo_id, group, band, numerator, denominator)."""
    return pd.DataFrame(
        [
            {
                "year": YEAR,
                "layer": layer,
                "geo_id": geo,
                "group": group,
                "grade_band": band,
                "indicator": ind,
                "numerator": float(n),
                "denominator": float(d) if d is not None else np.nan,
            }
            for ind, layer, geo, group, band, n, d in rows
        ]
    )


def _run(cells, parents=None):
    parents = parents or {}
    secret = primary_withheld(cells, count_indicators=COUNTS, min_count=10).to_numpy()
    system = build_system(cells, count_indicators=COUNTS, parents=parents)
    before = attack_equations(system, secret, 10)
    withheld = complement(
        build_system(cells, count_indicators=COUNTS, parents=parents), secret, min_count=10
    )
    after = attack_equations(system, withheld, 10)
    return secret, withheld, before, after, system


def _named(system, narrow):
    if narrow.quantity >= system.n:  # an equation's rest: a difference no cell shows
        return ("difference", None, None, None, narrow.low, narrow.high)
    q = system.quantities.iloc[narrow.quantity]
    return (q["layer"], q["geo_id"], q["group"], q["grade_band"], narrow.low, narrow.high)


def _students(layer, geo, counts, band="all"):
    return [("students", layer, geo, g, band, n, None) for g, n in counts.items()]


def test_one_withheld_group_is_recovered_by_subtraction_until_a_complement_hides():
    # City: all 140 = homeless 40 + housed 100; homeless 40 = shelter 4 + doubled up 36
    # (+ 0 unsheltered + 0 other).
    cells = _cells(
        _students(
            "city",
            "city",
            {"all": 140, "homeless": 40, "housed": 100, "shelter": 4, "doubled_up": 36, **NONE},
        )
    )
    secret, withheld, before, after, system = _run(cells)
    # homeless - doubled up = 4: the attacker pins the shelter count exactly.
    assert [_named(system, n) for n in before.narrow] == [
        ("city", "city", "shelter", "all", 4.0, 4.0)
    ]
    # The cheapest complement in that equation is doubled up (36 students); the
    # homeless total (40) would cost more and is a denominator of nothing here.
    hidden = set(cells.loc[withheld, "group"])
    assert hidden == {"shelter", "doubled_up"}
    assert after.narrow == []


def test_a_withheld_district_is_recovered_from_its_borough_until_a_complement_hides():
    # Borough B = districts 1 (3 students), 2 (50) and 3 (60); the city = borough.
    rows = _students("borough", "B", {"all": 113})
    rows += _students("city", "city", {"all": 113})
    for geo, n in (("1", 3), ("2", 50), ("3", 60)):
        rows += _students("district", geo, {"all": n})
    cells = _cells(rows)
    parents = {"district": [pd.Series({"1": "B", "2": "B", "3": "B"}, name="borough")]}
    secret, withheld, before, after, system = _run(cells, parents)
    assert ("district", "1", "all", "all", 3.0, 3.0) in [_named(system, n) for n in before.narrow]
    # District 2 (50 students) is the cheapest other member of B = 1 + 2 + 3.
    assert set(cells.loc[withheld, "geo_id"]) == {"1", "2"}
    assert after.narrow == []


def test_a_community_district_against_the_school_district_it_overlaps_through_the_schools():
    # Schools (public locations): a 20 and b 6 lie in school district 1 and community
    # district 1; c 5 in school district 1 and community district 2; d 30 in school
    # district 2 and community district 2. So SD1 = 31, SD2 = 30, CD1 = 26, CD2 = 35.
    # b and c are withheld; SD1 = a + b + c leaves b + c = 11, which alone is safe, but
    # the schools of CD1 give b = 26 - 20 = 6, and those of CD2 give c = 35 - 30 = 5.
    rows = _students("city", "city", {"all": 61})
    for layer, geo, n in (
        ("school", "a", 20), ("school", "b", 6), ("school", "c", 5), ("school", "d", 30),
        ("school_district", "1", 31), ("school_district", "2", 30),
        ("community_district", "1", 26), ("community_district", "2", 35),
    ):  # fmt: skip
        rows += _students(layer, geo, {"all": n})
    cells = _cells(rows)
    parents = {
        "school": [
            pd.Series({"a": "1", "b": "1", "c": "1", "d": "2"}, name="school_district"),
            pd.Series({"a": "1", "b": "1", "c": "2", "d": "2"}, name="community_district"),
        ]
    }
    secret, withheld, before, after, system = _run(cells, parents)
    found = [_named(system, n) for n in before.narrow]
    assert ("school", "b", "all", "all", 6.0, 6.0) in found
    assert ("school", "c", "all", "all", 5.0, 5.0) in found
    # The cheapest other member of CD1 = a + b is school a (20 < 26); of CD2 = c + d,
    # school d (30 < 35).
    assert {"a", "d"} <= set(cells.loc[withheld, "geo_id"])
    assert after.narrow == []


def test_a_borough_that_is_the_sum_of_its_community_districts_by_their_schools():
    # Community districts are not declared within boroughs, and no figure here is
    # published by school. But the schools are public: s1 lies in CD 1 and borough B,
    # s2 in CD 2 and B, s3 in CD 3 and borough C, s4 in CD 4 and C. So B = CD1 + CD2
    # and C = CD3 + CD4, exactly.
    schools = pd.DataFrame(
        {
            "school_id": ["s1", "s2", "s3", "s4"],
            "community_district": ["1", "2", "3", "4"],
            "borough": ["B", "B", "C", "C"],
        }
    )
    within = within_by_schools(schools, ["community_district", "borough"], {})
    assert {layer: [p.to_dict() for p in found] for layer, found in within.items()} == {
        "community_district": [{"1": "B", "2": "B", "3": "C", "4": "C"}]
    }
    rows = _students("city", "city", {"all": 79})
    for layer, geo, n in (
        ("borough", "B", 34), ("borough", "C", 45),
        ("community_district", "1", 4), ("community_district", "2", 30),
        ("community_district", "3", 5), ("community_district", "4", 40),
    ):  # fmt: skip
        rows += _students(layer, geo, {"all": n})
    cells = _cells(rows)
    secret = primary_withheld(cells, count_indicators=COUNTS, min_count=10).to_numpy()
    attacker = build_system(cells, count_indicators=COUNTS, parents=within)

    # Knowing only that each layer adds up to the city (79 = 4 + 30 + 5 + 40), CDs 1
    # and 3 (9 together) need one more complement there: CD 2 (30) is the cheapest.
    # Then C - CD 4 = 45 - 40 gives CD 3 away.
    blind = complement(
        build_system(cells, count_indicators=COUNTS, parents={}), secret, min_count=10
    )
    assert set(cells.loc[blind, "geo_id"]) == {"1", "2", "3"}
    found = attack_equations(attacker, blind, 10).narrow
    assert [_named(attacker, n) for n in found] == [
        ("community_district", "3", "all", "all", 5.0, 5.0)
    ]

    # Knowing the boroughs' sums, CD 1 needs CD 2 (30 < B's 34) and CD 3 needs CD 4
    # (40 < C's 45). Then CD 1 is anything from 0 to 34, CD 3 from 0 to 45.
    withheld = complement(
        build_system(cells, count_indicators=COUNTS, parents=within), secret, min_count=10
    )
    assert set(cells.loc[withheld, "geo_id"]) == {"1", "2", "3", "4"}
    assert attack_equations(attacker, withheld, 10).narrow == []


def test_two_withheld_cells_that_add_up_to_fewer_than_ten_are_not_enough():
    # all 200 = homeless 7 + housed 193; homeless 7 = shelter 3 + doubled up 4.
    cells = _cells(
        _students(
            "city",
            "city",
            {"all": 200, "homeless": 7, "housed": 193, "shelter": 3, "doubled_up": 4, **NONE},
        )
    )
    secret, withheld, before, after, system = _run(cells)
    # Primary hides homeless, shelter and doubled up; all - housed gives homeless = 7,
    # and shelter + doubled up = 7 then bounds each within 0..7, fewer than 10 values.
    assert {n[2] for n in (_named(system, x) for x in before.narrow)} >= {"homeless"}
    # The only way out is to hide housed (193) or all (200): housed is cheaper.
    assert set(cells.loc[withheld, "group"]) == {"homeless", "shelter", "doubled_up", "housed"}
    assert after.narrow == []


def test_a_rate_without_pre_k_gives_away_a_small_pre_k_count_through_its_denominator():
    # Students: all grades 120 = pre-K 5 + elementary 115. A K-12 rate (suspension) has
    # denominator 115 in all grades: 120 - 115 = 5 pre-K students.
    rows = _students("city", "city", {"all": 120})
    rows += _students("city", "city", {"all": 5}, band="pre_k")
    rows += _students("city", "city", {"all": 115}, band="elementary")
    rows += [
        ("suspension", "city", "city", "all", "all", 20, 115),
        ("suspension", "city", "city", "all", "elementary", 20, 115),
    ]
    cells = _cells(rows)
    secret, withheld, before, after, system = _run(cells)
    assert ("city", "city", "all", "pre_k", 5.0, 5.0) in [_named(system, n) for n in before.narrow]
    assert after.narrow == []
    # Hiding the pre-K count alone is not enough: something tied to it goes too.
    assert withheld.sum() >= 2


def test_the_same_input_gives_the_same_pattern():
    cells = _cells(
        _students(
            "city",
            "city",
            {"all": 140, "homeless": 40, "housed": 100, "shelter": 4, "doubled_up": 36, **NONE},
        )
    )
    runs = [_run(cells)[1].tolist() for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_the_audit_refuses_to_publish_and_names_the_count_at_risk():
    cells = _cells(
        _students(
            "city",
            "city",
            {"all": 140, "homeless": 40, "housed": 100, "shelter": 4, "doubled_up": 36, **NONE},
        )
    ).assign(geo_name="City")
    # The primary rule alone: the shelter count is withheld, doubled up is not.
    table = protect(cells, count_indicators=COUNTS, min_count=10, min_denominator=30, precision=1)
    config = SimpleNamespace(privacy=Privacy(min_count=10), indicators=Indicators(rate_precision=1))
    system = build_system(cells, count_indicators=COUNTS, parents={})
    report: dict = {}
    with pytest.raises(ProtectionError) as caught:
        audit(Rendered(), table, config=config, system=(system, cells), report=report)
    assert str(caught.value) == (
        "protection could not be proven; nothing was published:\n"
        "  - withheld students (students) for shelter, all grades, city city, 2014-15: "
        "recoverable from published numbers to between 4 and 4"
    )
    assert report["audit"]["passed"] is False


def test_an_interval_end_a_solver_leaves_a_hair_below_zero_reads_as_zero():
    cells = _cells(_students("city", "city", {"all": 140, "homeless": 40, "housed": 100}))
    system = build_system(cells, count_indicators=COUNTS, parents={})
    text = _describe(system, Narrow(1, -1.06581e-14, 5.0000000001))
    assert text.endswith("recoverable from published numbers to between 0 and 5")


def test_attendance_works_tiers_add_up_to_their_population():
    # City, all students, 100 counted: satisfactory 40, at risk 30, moderate 25, severe 5.
    # Severe (5) is withheld by the primary rule; the three others and their common
    # denominator give it back: 100 - 40 - 30 - 25 = 5. Complements must hide more.
    # Another rate on the same 100 students (10% missed: moderate + severe, 30) keeps
    # the tiers from being the only rates sharing the denominator, so that the partition
    # must be known from its declaration (model.EXHAUSTIVE), not found in the numbers.
    tiers = {
        "tier_satisfactory_research": 40,
        "tier_at_risk_research": 30,
        "tier_moderate_research": 25,
        "tier_severe_research": 5,
    }
    tiers["chronic_absence_ten_percent"] = 30
    cells = _cells([(ind, "city", "city", "all", "all", n, 100) for ind, n in tiers.items()])
    secret, withheld, before, after, system = _run(cells)
    assert list(secret) == [False, False, False, True, False]
    assert (5.0, 5.0) in [_named(system, n)[4:] for n in before.narrow]
    assert withheld.sum() >= 2 and withheld[3]
    assert after.narrow == []


def test_ten_percent_is_the_moderate_and_severe_tiers_together():
    # 100 students: 10% or more missed 30 = moderate 25 + severe 5. Severe is withheld;
    # ten percent less moderate gives it back (30 - 25 = 5) unless more is hidden. The
    # good-attendance rate on the same students keeps the rates sharing the denominator
    # from forming a partition the suppressor would find by itself.
    cells = _cells(
        [
            (ind, "city", "city", "all", "all", n, 100)
            for ind, n in (
                ("chronic_absence_ten_percent", 30),
                ("tier_moderate_research", 25),
                ("tier_severe_research", 5),
                ("good_attendance_research", 50),
            )
        ]
    )
    secret, withheld, before, after, system = _run(cells)
    assert list(secret) == [False, False, True, False]
    assert (5.0, 5.0) in [_named(system, n)[4:] for n in before.narrow]
    assert withheld.sum() >= 2 and withheld[2]
    assert after.narrow == []


def _suspension(students, suspended):
    """City cells: students by group, and suspension (numerator of those students)."""
    rows = _students("city", "city", students)
    rows += [("suspension", "city", "city", g, "all", suspended[g], n) for g, n in students.items()]
    return _cells(rows)


def _suspension_example():
    """Students all 200 = homeless 40 + housed 160; suspended all 26 published, homeless
    6 and housed 20 withheld: the cells, their system, and the withheld rates."""
    cells = _suspension(
        {"all": 200, "homeless": 40, "housed": 160}, {"all": 26, "homeless": 6, "housed": 20}
    )
    system = build_system(cells, count_indicators=COUNTS, parents={})
    rates = ((cells["indicator"] == "suspension") & (cells["group"] != "all")).to_numpy()
    return cells, system, rates


def _attack_large(cells, withheld):
    """The attacker as the audit runs it on blocks too large for one program (forced
    here with a block limit of one unknown), and on the whole block at once."""
    system = build_system(cells, count_indicators=COUNTS, parents={})
    whole = attack_equations(system, withheld, 10)
    pieces = attack_equations(system, withheld, 10, max_block=1, pieces=True)
    return whole, pieces


def test_a_large_block_is_proven_in_pieces_when_the_student_counts_can_stay():
    # Students all 200 = homeless 40 + housed 160, published. Suspension: homeless 6 of
    # 40 and housed 20 of 160 withheld, all 26 of 200 published. Without moving a student
    # count, homeless suspended can be anything from 0 to 26 (housed = 26 - homeless, not
    # suspended = 40 - suspended): each of the 4 withheld counts moves by at least 10.
    cells = _suspension(
        {"all": 200, "homeless": 40, "housed": 160}, {"all": 26, "homeless": 6, "housed": 20}
    )
    withheld = ((cells["indicator"] == "suspension") & (cells["group"] != "all")).to_numpy()
    whole, pieces = _attack_large(cells, withheld)
    assert whole.narrow == [] and whole.targets == 4
    assert (pieces.targets, pieces.proven_in_pieces, pieces.unproven) == (4, 4, 0)
    assert pieces.narrow == []


def test_a_student_count_of_a_large_block_is_proven_by_moving_it_with_the_rates_no_side():
    # Students all 200 = homeless 8 + housed 192, both groups withheld; suspension
    # homeless 3 of 8 and housed 20 of 192 withheld, all 23 of 200 published. Holding the
    # student counts at 8 and 192 proves none of the 6 withheld counts: the student
    # counts are held, and each rate count stays within 8 values (homeless suspended
    # 0..8). A reader can move homeless students: 18 homeless (3 suspended, 15 not) and
    # 182 housed (20 and 162) keep every published number, as do 0 homeless (housed 23
    # and 177 of 200). So every count moves by at least 10, the whole-block program
    # agrees, and the lifted rounds (students moved, the pieces solved again around
    # them) prove all 6.
    cells = _suspension(
        {"all": 200, "homeless": 8, "housed": 192}, {"all": 23, "homeless": 3, "housed": 20}
    )
    withheld = (cells["group"] != "all").to_numpy()
    whole, pieces = _attack_large(cells, withheld)
    assert whole.narrow == [] and whole.targets == 6
    assert (pieces.targets, pieces.proven_in_pieces, pieces.unproven) == (6, 6, 0)
    assert pieces.narrow == []


def test_a_held_count_that_cannot_move_by_ten_without_breaking_an_equation_stays_unproven():
    # Unknowns: students s = 12 (held), suspended y = 3, not suspended n = 9, and three
    # rests at least zero: y + r1 = 4, n + r2 = 12, n - r3 = 8 (so y is 0..4, n 8..12).
    # s = y + n is then 8..16: moving it by 10 either way breaks one of the equations,
    # so none of s, y, n has an interval 10 wide and none is proven.
    a = sparse.csr_matrix(
        np.array(
            [
                # s    y    n   r1   r2   r3
                [1.0, -1, -1, 0, 0, 0],
                [0, 1, 0, 1, 0, 0],
                [0, 0, 1, 0, 1, 0],
                [0, 0, 1, 0, 0, -1],
            ]
        )
    )
    value = np.array([12.0, 3, 9, 1, 3, 1])
    targets = np.array([True, True, True, False, False, False])
    held = np.array([True, False, False, False, False, False])
    proven, programs = _prove_in_pieces(a, value, targets, held, 10)
    assert not proven.any()
    assert programs > 0


def test_a_stricter_rule_published_beside_a_looser_one_bounds_its_withheld_counts():
    # Students: all 100 = homeless 40 + housed 60. Missing 40 days: all 30 of 100
    # published; homeless 3 of 40 and housed 27 of 60 withheld (the second as a
    # complement of the first). New York City's chronic absence (20 or more days):
    # homeless 10 of 40 and housed 28 of 60 published. A student absent 40 days is absent
    # 20, so housed absent 40 days is at most 28, and homeless = 30 - housed is at least
    # 2; homeless is also at most its 10 chronically absent: 2 to 10, nine values.
    # Housed: 20 to 28.
    students = {"all": 100, "homeless": 40, "housed": 60}
    rows = _students("city", "city", students)
    for indicator, counts in (
        ("absent_40_days", {"all": 30, "homeless": 3, "housed": 27}),
        ("chronic_absence_nyc", {"all": 38, "homeless": 10, "housed": 28}),
    ):
        rows += [(indicator, "city", "city", g, "all", n, students[g]) for g, n in counts.items()]
    cells = _cells(rows)
    secret = ((cells["indicator"] == "absent_40_days") & (cells["group"] != "all")).to_numpy()
    system = build_system(cells, count_indicators=COUNTS, parents={})
    before = attack_equations(system, secret, 10)
    narrow = {(n[2], n[4], n[5]) for n in (_named(system, x) for x in before.narrow)}
    assert ("homeless", 2.0, 10.0) in narrow
    assert ("housed", 20.0, 28.0) in narrow

    # The suppressor's own rounds look at one equation at a time; as in a build, the
    # attacker's findings are given back to it until nothing is narrow.
    withheld = complement(
        build_system(cells, count_indicators=COUNTS, parents={}),
        secret,
        min_count=10,
        check=audit_check(system, 10),
    )
    assert attack_equations(system, withheld, 10).narrow == []
    # Hiding more than the two cells is what closes it.
    assert withheld.sum() > secret.sum()


def test_a_leak_in_a_block_of_thousands_of_unknowns_is_found_by_the_default_audit():
    # Borough B holds the stricter-rule example above: homeless missing 40 days is 2 to
    # 10 from B's own figures, whatever else is published. Borough C's 600 schools
    # (parents: school -> borough) each have 20 students, 10 homeless and 10 housed,
    # and 1 homeless and 1 housed missing 40 days (withheld by the primary rule). The
    # city's, C's and B's counts of homeless and housed missing 40 days are withheld
    # too, so the city = B + C and C = its schools tie B's withheld counts to the 3,600
    # withheld counts of C's schools: one block of more than 3,000 unknowns, where no
    # single equation gives B's count away.
    schools = [f"s{i:03d}" for i in range(600)]
    b = {"all": 100, "homeless": 40, "housed": 60}
    c = {g: 600 * n for g, n in {"all": 20, "homeless": 10, "housed": 10}.items()}
    rows = _students("borough", "B", b) + _students("borough", "C", c)
    rows += _students("city", "city", {g: b[g] + c[g] for g in b})
    missing = {
        "B": {"all": 30, "homeless": 3, "housed": 27},
        "C": {"all": 1200, "homeless": 600, "housed": 600},
    }
    missing["city"] = {g: missing["B"][g] + missing["C"][g] for g in b}
    for geo, counts in missing.items():
        layer = "city" if geo == "city" else "borough"
        students = b if geo == "B" else c if geo == "C" else {g: b[g] + c[g] for g in b}
        rows += [
            ("absent_40_days", layer, geo, g, "all", n, students[g]) for g, n in counts.items()
        ]
    rows += [
        ("chronic_absence_nyc", "borough", "B", g, "all", n, b[g])
        for g, n in {"all": 38, "homeless": 10, "housed": 28}.items()
    ]
    for school in schools:
        rows += _students("school", school, {"all": 20, "homeless": 10, "housed": 10})
        rows += [
            ("absent_40_days", "school", school, g, "all", n, d)
            for g, n, d in (("all", 2, 20), ("homeless", 1, 10), ("housed", 1, 10))
        ]
    cells = _cells(rows)
    parents = {"school": [pd.Series("C", index=schools, name="borough")]}
    missing_by_group = (cells["indicator"] == "absent_40_days") & (cells["group"] != "all")
    primary = primary_withheld(cells, count_indicators=COUNTS, min_count=10)
    secret = (primary | missing_by_group).to_numpy()
    system = build_system(cells, count_indicators=COUNTS, parents=parents)
    found = attack_equations(system, secret, 10)
    assert found.unproven == 0 and found.targets > 3000
    narrow = [_named(system, n) for n in found.narrow]
    # B's homeless missing 40 days, 2 to 10, and those not missing, 40 minus that.
    at_b = {n[4:] for n in narrow if n[:3] == ("borough", "B", "homeless")}
    assert at_b == {(2.0, 10.0), (30.0, 38.0)}
    # With the limit of earlier releases (3,000) the block is too large to solve whole.
    # Its relaxation finds B's count all the same: the longest equations (C as the sum
    # of its 600 schools) are dropped, which leaves each school apart, and B's, C's and
    # the city's counts a small piece.
    old = attack_equations(system, secret, 10, max_block=3000)
    assert old.unproven > 3000 and old.relaxed > 0
    assert at_b <= {n[4:] for n in (_named(system, x) for x in old.narrow) if n[1] == "B"}


def test_a_leak_in_a_block_too_large_to_solve_is_found_in_its_relaxation():
    # The stricter-rule example above, with the homeless and housed students withheld
    # too, and a block limit of 4 unknowns: the block (students, both rules' counts and
    # their gaps) is too large to solve whole. Dropping every equation that holds a
    # student count leaves a piece of 4: homeless and housed missing 40 days and the two
    # gaps to New York City's rule. Dropping equations only frees a reader, and the
    # piece alone still pins homeless missing 40 days to 2..10 (30 minus housed, which
    # is at most its 28 chronically absent; at most its own 10): a leak, found. (The
    # withheld student counts are given away too, by the published chronic absence
    # rates' two sides: one equation each, reported without an interval.)
    students = {"all": 100, "homeless": 40, "housed": 60}
    rows = _students("city", "city", students)
    for indicator, counts in (
        ("absent_40_days", {"all": 30, "homeless": 3, "housed": 27}),
        ("chronic_absence_nyc", {"all": 38, "homeless": 10, "housed": 28}),
    ):
        rows += [(indicator, "city", "city", g, "all", n, students[g]) for g, n in counts.items()]
    cells = _cells(rows)
    withheld = (
        cells["indicator"].isin(["absent_40_days", "students"]) & (cells["group"] != "all")
    ).to_numpy()
    system = build_system(cells, count_indicators=COUNTS, parents={})
    found = attack_equations(system, withheld, 10, max_block=4)
    assert found.unproven > 0 and found.relaxed > 0
    named = {(n[2], n[4], n[5]) for n in (_named(system, x) for x in found.narrow)}
    assert ("homeless", 2.0, 10.0) in named
    assert ("housed", 20.0, 28.0) in named


def _three_layers() -> tuple[pd.DataFrame, System]:
    """Schools a 6, b 7, c 8; school district D1 = a + b = 13, community district CD1 =
    b + c = 15, council district K1 = a + c = 14; the city 21, with its suspension rate
    (5 of 21). Three layers that do not nest: together, they give each school away."""
    schools = pd.DataFrame(
        {
            "school_id": ["a", "b", "c"],
            "school_district": ["D1", "D1", None],
            "community_district": [None, "CD1", "CD1"],
            "council_district": ["K1", None, "K1"],
        }
    )
    layers = ["school_district", "community_district", "council_district"]
    within = within_by_schools(schools, layers, {})
    rows = _students("city", "city", {"all": 21})
    rows += [("suspension", "city", "city", "all", "all", 5, 21)]
    for layer, geo, n in (
        ("school", "a", 6), ("school", "b", 7), ("school", "c", 8),
        ("school_district", "D1", 13), ("community_district", "CD1", 15),
        ("council_district", "K1", 14),
    ):  # fmt: skip
        rows += _students(layer, geo, {"all": n})
    cells = _cells(rows)
    return cells, build_system(cells, count_indicators=COUNTS, parents=within, schools=schools)


def test_student_counts_pinned_by_their_own_equations_are_found_in_a_block_too_large():
    # Schools a 6, b 7, c 8, withheld with the city (21). Three layers that do not nest
    # each publish one geography of two schools: school district D1 = a + b = 13,
    # community district CD1 = b + c = 15, council district K1 = a + c = 14. No equation
    # alone gives a school away, but together they do: a = (13 - 15 + 14) / 2 = 6, b = 7,
    # c = 8, city = 21. The city's suspension rate (5 of 21, withheld with its students)
    # puts a rate in the block, which is too large to solve whole under a limit of 4.
    # The rates' relaxation drops every equation holding a student count and so never
    # sees the schools; the students' relaxation keeps exactly those equations.
    cells, system = _three_layers()
    withheld = cells["layer"].isin(["school", "city"]).to_numpy()
    pinned = [
        ("city", "city", "all", "all", 21.0, 21.0),
        ("school", "a", "all", "all", 6.0, 6.0),
        ("school", "b", "all", "all", 7.0, 7.0),
        ("school", "c", "all", "all", 8.0, 8.0),
    ]
    whole = attack_equations(system, withheld, 10)
    assert sorted(_named(system, n) for n in whole.narrow) == pinned
    large = attack_equations(system, withheld, 10, max_block=4)
    assert large.unproven == 6 and large.relaxed == 4
    # All four are given away exactly, and linear algebra over the whole block finds
    # them too; each is named once.
    assert large.exact == 4
    assert sorted(_named(system, n) for n in large.narrow) == pinned
    # A reader reads school a as (D1 - CD1 + K1) / 2: each of the three published counts
    # with a factor of a half, and nothing else. The suppressor, given a alone, reads
    # its certificate and hides the cheapest of the three, D1 (13 students, against 14
    # and 15, each shown by one cell). With D1 hidden, a + 1, b + 1 and c - 1 keep CD1 and
    # K1 (D1 moves by 2, the city by 1), and nothing is given away exactly.
    (a,) = np.flatnonzero(
        (system.quantities["layer"] == "school") & (system.quantities["geo_id"] == "a")
    )
    system.hide(system.cell_q[withheld[system.cell]])
    before = system.hidden.copy()
    assert system.unpin([a])
    new = np.flatnonzero(system.hidden[: system.n] & ~before[: system.n])
    hidden = system.quantities.iloc[new]
    assert list(zip(hidden["layer"], hidden["geo_id"], strict=True)) == [("school_district", "D1")]
    after = withheld.copy()
    after[system.withheld_cells()] = True
    assert attack_equations(system, after, 10, max_block=4).exact == 0


def test_a_pin_met_first_among_many_spares_the_city_in_its_equations(
    monkeypatch,
):
    # The three layers' schools withheld, the city published. School a is in two
    # equations: the city = a + b + c, and, a being the one school in no community
    # district, the city = CD1 + a. Among many pins (none read from its certificate
    # here), a met for the first time gets the cheapest published member of each of its
    # equations but those whose only published member is the city's count (or a
    # school's): CD1, and not the city.
    cells, system = _three_layers()
    withheld = (cells["layer"] == "school").to_numpy()
    system.hide(system.cell_q[withheld[system.cell]])
    (a,) = np.flatnonzero(
        (system.quantities["layer"] == "school") & (system.quantities["geo_id"] == "a")
    )
    names = [_named(system, n) for n in attack_equations(system, withheld, 10).narrow]
    assert ("school", "a", "all", "all", 6.0, 6.0) in names
    monkeypatch.setattr(complement_module, "CERTIFIED", 0)
    before = system.hidden.copy()
    assert system.unpin([a])
    hidden = system.quantities.iloc[np.flatnonzero(system.hidden[: system.n] & ~before[: system.n])]
    assert list(zip(hidden["layer"], hidden["geo_id"], strict=True)) == [
        ("community_district", "CD1")
    ]
    assert system.met[a]


def test_counts_given_away_only_by_rates_and_students_together_are_found_exactly():
    # Schools a, b, c: students s, suspended y, not suspended n, all withheld, each
    # school's s = y + n. School district D1 (a, b) and council district K1 (a, c)
    # publish their students; community district CD1 (b, c) publishes its suspension
    # rate, so y_b + y_c and n_b + n_c. As changes from the truth:
    # s_a + s_b = 0, s_a + s_c = 0, and s_b + s_c = (y_b + n_b) + (y_c + n_c) = 0, so
    # every s is 0: each school's students given away exactly. The y and n are not:
    # y_a = -n_a, y_b = -y_c = -n_b = n_c move freely.
    columns = ["s_a", "s_b", "s_c", "y_a", "y_b", "y_c", "n_a", "n_b", "n_c"]
    equations_ = [
        {"s_a": 1, "y_a": -1, "n_a": -1},
        {"s_b": 1, "y_b": -1, "n_b": -1},
        {"s_c": 1, "y_c": -1, "n_c": -1},
        {"s_a": 1, "s_b": 1},
        {"s_a": 1, "s_c": 1},
        {"y_b": 1, "y_c": 1},
        {"n_b": 1, "n_c": 1},
    ]
    a = sparse.csr_matrix(
        np.array([[row.get(c, 0.0) for c in columns] for row in equations_], dtype=float)
    )
    everything = np.ones(len(columns), dtype=bool)
    found = equations._exact_pins(a, everything, 0)
    assert [c for c, f in zip(columns, found, strict=True) if f] == ["s_a", "s_b", "s_c"]
    # Only the candidates asked about are named.
    asked = np.array([c in ("s_b", "y_b") for c in columns])
    assert [c for c, f in zip(columns, equations._exact_pins(a, asked, 1), strict=True) if f] == [
        "s_b"
    ]
    # Neither relaxation gives any of them away: the rates' keeps y_b + y_c and
    # n_b + n_c; the students' keeps s_a + s_b and s_a + s_c.
    held = np.array([c.startswith("s_") for c in columns])
    pieces = equations._relaxed_pieces(
        a, held, 10, np.zeros(len(columns), dtype=bool), students_max=10
    )
    assert sorted(sorted(columns[c] for c in cols) for cols, _ in pieces) == [
        ["n_b", "n_c"],
        ["s_a", "s_b", "s_c"],
        ["y_b", "y_c"],
    ]
    for (cols, _), piece in zip(pieces, equations._cut(a, pieces), strict=True):
        assert not equations._exact_pins(piece, np.ones(len(cols), dtype=bool), 0).any()


def test_unknowns_tied_in_pairs_are_merged_and_a_cycle_that_disagrees_gives_them_away():
    # p = q, q = r, r = -p: so p = -p, and all three are 0. s = t, u = -2s: free. v = w,
    # w = v (the same tie twice): free.
    columns = ["p", "q", "r", "s", "t", "u", "v", "w"]
    equations_ = [
        {"p": 1, "q": -1},
        {"q": 1, "r": -1},
        {"r": 1, "p": 1},
        {"s": 1, "t": -1},
        {"s": 1, "t": 1, "u": 1},
        {"v": 1, "w": -1},
        {"w": 2, "v": -2},
    ]
    a = sparse.csr_matrix(
        np.array([[row.get(c, 0.0) for c in columns] for row in equations_], dtype=float)
    )
    merged, into = equations._merge_pairs(a)
    # Three sets (p q r, s t u, v w): u joins s and t once s + t + u is s's 2s + u.
    assert merged.shape[1] == 3
    assert into[0] == into[1] == into[2] and into[3] == into[4] == into[5] and into[6] == into[7]
    found = equations._exact_pins(a, np.ones(len(columns), dtype=bool), 0)
    assert [c for c, f in zip(columns, found, strict=True) if f] == ["p", "q", "r"]


def test_blocks_solved_side_by_side_in_worker_processes_give_the_intervals_worked_by_hand(
    monkeypatch,
):
    # Unknowns s = y + n with y + r1 = 4, n + r2 = 12, n - r3 = 8 (r's at least zero):
    # y is 0..4 (3 now), n 8..12 (9 now), s 8..16 (12 now). As changes from the truth:
    # s -4..+4, y -3..+1, n -1..+3.
    a = sparse.csr_matrix(
        np.array(
            [[1.0, -1, -1, 0, 0, 0], [0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0], [0, 0, 1, 0, 0, -1]]
        )
    )
    targets = np.array([True, True, True, False, False, False])
    jobs = [
        (a, np.array([12.0, 3, 9, 1, 3, 1]) + k * np.array([0, 0, 0, 1, 0, 0]), targets, 10)
        for k in range(3)
    ]
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    started = []
    monkeypatch.setattr(equations._Worker, "__init__", _spy(equations._Worker.__init__, started))
    found = equations._solve_blocks(jobs, parallel_from=0)
    assert len(started) == 1  # two shares: one solved here, one by a worker
    # r1 grows by k: y is then 0..4 + k.
    for k, solved in enumerate(found):
        assert solved.programs > 0
        assert list(solved.low[:3]) == pytest.approx([-4, -3, -1])
        assert list(solved.high[:3]) == pytest.approx([4 + k, 1 + k, 3])
    # Asked again, the same blocks are remembered: no program, no worker.
    again = equations._solve_blocks(jobs, parallel_from=0)
    assert len(started) == 1 and [solved.programs for solved in again] == [0, 0, 0]
    for solved, remembered in zip(found, again, strict=True):
        assert (solved.low == remembered.low).all() and (solved.high == remembered.high).all()


def test_counts_proven_wide_are_not_solved_again_when_more_cells_are_withheld():
    # The suspension example above: the 4 withheld counts of homeless and housed each
    # move by at least 10.
    cells, system, rates = _suspension_example()
    witnesses = Witnesses.none(len(system.value))
    proven = witnesses.proven
    first = attack_equations(system, rates, 10, witnesses=witnesses)
    assert first.narrow == [] and first.programs > 0 and proven.sum() == 4
    again = attack_equations(system, rates, 10, witnesses=witnesses)
    assert again.narrow == [] and again.programs == 0 and again.targets == 4
    # The homeless and housed students withheld too: 2 more counts to solve, both wide
    # (homeless students can be anything from the 6 suspended up).
    more = rates | ((cells["indicator"] == "students") & (cells["group"] != "all")).to_numpy()
    last = attack_equations(system, more, 10, witnesses=witnesses)
    assert last.narrow == [] and last.programs > 0 and last.targets == 6 and proven.sum() == 6


def _suspension_counts(system):
    """The positions of homeless and housed suspended, and not suspended, in ``system``."""
    q = system.quantities.reset_index(drop=True)

    def at(group, measure):
        (i,) = np.flatnonzero(
            (q["family"] == "suspension") & (q["group"] == group) & (q["measure"] == measure)
        )
        return i

    return [at("homeless", "yes"), at("housed", "yes"), at("homeless", "no"), at("housed", "no")]


def _rows(system, changes):
    """Hand-made witnesses: one row per change to the four suspension counts."""
    n = len(system.value)
    cols = _suspension_counts(system)
    return [sparse.csr_matrix((c, ([0] * 4, cols)), shape=(1, n)) for c in changes]


def test_the_audit_believes_a_solution_only_once_it_has_checked_it():
    # The suspension example above. Homeless suspended (6) moving by d moves housed
    # suspended by -d (all 26 suspended are published), homeless not suspended by -d (40
    # homeless published) and housed not suspended by +d (160 housed published). Up 10:
    # 16, 10, 24, 150, all at least 0. Down 6: 0, 26, 40, 134. Together they show each
    # count 16 wide.
    cells, system, rates = _suspension_example()
    up, down = [10.0, -10, -10, 10], [-6.0, 6, 6, -6]
    four = np.zeros(len(system.value), dtype=bool)
    four[_suspension_counts(system)] = True

    def proven(changes, withheld=rates):
        return Witnesses(four.copy(), _rows(system, changes)).verify(system, withheld, 10)

    assert (proven([up, down]) == four).all()
    # Housed not suspended up by 9, not 10: the 160 housed no longer add up. Down alone
    # shows 6 values: not enough.
    assert not proven([[10.0, -10, -10, 9], down]).any()
    # Down by 7 takes homeless suspended to -1: not believed. Up alone shows 10 wide.
    assert (proven([up, [-7.0, 7, 7, -7]]) == four).all()
    # Up by 11 takes nothing below zero, and is believed: 11 wide with the truth.
    assert (proven([[11.0, -11, -11, 11]]) == four).all()
    # With only the homeless rate withheld, the housed counts are published: a row that
    # changes them is not a solution a reader could hold.
    homeless = rates & (cells["group"] == "homeless").to_numpy()
    assert not proven([up, down], homeless).any()


def test_the_audit_solves_no_program_for_counts_the_suppressors_solutions_show_wide():
    cells, system, rates = _suspension_example()
    witnesses = Witnesses.none(len(system.value))
    first = attack_equations(system, rates, 10, witnesses=witnesses)
    assert first.narrow == [] and first.programs > 0 and first.witnessed == 0
    # Every solution kept moves the four counts as the example above works out: homeless
    # suspended by d, housed suspended and homeless not suspended by -d, housed not
    # suspended by +d.
    h, o, hn, on = _suspension_counts(system)
    (rows,) = witnesses.rows
    for x in rows.toarray():
        assert x[o] == pytest.approx(-x[h]) and x[hn] == pytest.approx(-x[h])
        assert x[on] == pytest.approx(x[h]) and x[h] != 0
    equations._SOLVED.clear()  # nothing remembered: only the solutions can save programs
    checked = Witnesses(witnesses.verify(system, rates, 10))
    audited = attack_equations(system, rates, 10, witnesses=checked)
    assert (audited.narrow, audited.programs, audited.witnessed) == ([], 0, 4)
    # Solutions that do not check out save nothing: each one with housed not suspended
    # one higher breaks the 160 housed, and every program is solved again.
    one_more = np.zeros(rows.shape)
    one_more[:, on] = 1.0
    witnesses.rows[0] = rows + sparse.csr_matrix(one_more)
    checked = Witnesses(witnesses.verify(system, rates, 10))
    audited = attack_equations(system, rates, 10, witnesses=checked)
    assert (audited.narrow, audited.witnessed) == ([], 0) and audited.programs > 0


def test_a_fresh_audit_takes_nothing_from_the_suppressor():
    # The suspension example, as the build audits it: the suppressor's check solved its
    # block (remembered) and kept the solutions. By default the audit checks them and
    # solves nothing; with fresh_audit it neither believes them nor asks the memory, and
    # solves the block's programs itself, finding the same 4 counts wide.
    cells, system, rates = _suspension_example()
    cells = cells.assign(geo_name="City")
    table = protect(cells, count_indicators=COUNTS, min_count=10, min_denominator=30, precision=1)
    # The complement the suppressor chose: housed suspended, withheld with homeless.
    table.loc[rates, ["numerator", "denominator", "value"]] = np.nan
    table.loc[rates, "flag"] = "withheld"
    witnesses = Witnesses.none(len(system.value))
    assert attack_equations(system, rates, 10, witnesses=witnesses).programs > 0
    found = {}
    for fresh in (False, True):
        privacy = Privacy(min_count=10, fresh_audit=fresh)
        config = SimpleNamespace(privacy=privacy, indicators=Indicators(rate_precision=1))
        report: dict = {}
        both = (system, cells)
        audit(Rendered(), table, config=config, system=both, report=report, witnesses=witnesses)
        found[fresh] = report["audit"]
    assert (found[False]["programs"], found[False]["proven_by_checked_solutions"]) == (0, 4)
    assert found[True]["programs"] > 0 and found[True]["proven_by_checked_solutions"] == 0
    assert found[True]["fresh"] and not found[False]["fresh"]
    assert found[True]["passed"] and found[True]["targets"] == 4


def test_counts_proven_while_their_block_was_small_stay_proven_when_it_grows_too_large():
    # The suspension example: its block of 4 solved whole proves the 4 counts. Under a
    # limit of 3 unknowns the same block is too large to solve: without the solutions
    # kept, all 4 are checked by equation only; with them, none is.
    cells, system, rates = _suspension_example()
    witnesses = Witnesses.none(len(system.value))
    assert attack_equations(system, rates, 10, witnesses=witnesses).narrow == []
    alone = attack_equations(system, rates, 10, max_block=3)
    assert (alone.targets, alone.unproven, alone.witnessed) == (4, 4, 0)
    checked = Witnesses(witnesses.verify(system, rates, 10))
    kept = attack_equations(system, rates, 10, max_block=3, witnesses=checked)
    assert (kept.targets, kept.unproven, kept.witnessed) == (4, 0, 4)


def test_a_program_that_stalls_going_on_from_its_last_basis_is_solved_again_from_scratch():
    # The worked example above: y (3 now) is at most 4, so its change is at most +1.
    a = sparse.csr_matrix(
        np.array(
            [[1.0, -1, -1, 0, 0, 0], [0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0], [0, 0, 1, 0, 0, -1]]
        )
    )
    value = np.array([12.0, 3, 9, 1, 3, 1])
    program = equations._Program(a, *equations._bounds(value, np.ones(6, dtype=bool), 10))
    assert program.solve(np.zeros(6)) is not None

    class Stalling:  # HiGHS, whose next solve ends as "unknown"
        def __init__(self, highs):
            self.highs, self.stalled = highs, False

        def __getattr__(self, name):
            return getattr(self.highs, name)

        def getModelStatus(self):  # noqa: N802 (HiGHS's name)
            if not self.stalled:
                self.stalled = True
                return highspy.HighsModelStatus.kUnknown
            return self.highs.getModelStatus()

    program.highs = Stalling(program.highs)
    x = program.solve(np.array([0.0, -1, 0, 0, 0, 0]))
    assert program.restarts == 1 and x is not None and x[1] == pytest.approx(1.0)


def test_a_count_is_not_called_narrow_because_the_other_counts_are_capped():
    # Three withheld counts: x = 3, p = 13, w = 26, with two published differences,
    # p - x = 10 and w - x - p = 10. A reader knows x = t, p = t + 10, w = 2t + 20 for
    # some t >= 0: x is anything from 0 up, so nothing is narrow. Were every count held
    # within 10 of its truth, w (which moves twice as far as x) would stop x at 3 + 5:
    # an interval 8 wide, a leak that is not there. In changes: dp - dx = 0 and
    # dw - dx - dp = 0.
    a = sparse.csr_matrix(np.array([[-1.0, 1, 0], [-1, -1, 1]]))
    value = np.array([3.0, 13, 26])
    low, high, _, binding = equations._intervals(a, value, np.ones(3, dtype=bool), 10)[:4]
    assert binding == {}
    assert low[0] == pytest.approx(-3) and high[0] - low[0] >= 10


def _spy(method, calls):
    def spied(self, *args, **kwargs):
        calls.append(args)
        return method(self, *args, **kwargs)

    return spied


def test_a_community_district_within_a_council_district_gives_away_the_schools_between():
    # Homeless students by school (not published by school): a 20 and b 20 in community
    # district C1 and council district K1; c 5 in C2 and K1; d 55 in C2 and K2. So
    # C1 = 40, C2 = 60, K1 = 45, K2 = 55, the city 100; every figure is 10 or more and
    # the primary rule withholds nothing. But the schools are public: C1's lie within
    # K1 and K2's within C2, so K1 - C1 = 5 and C2 - K2 = 5, school c, twice.
    schools = pd.DataFrame(
        {
            "school_id": ["a", "b", "c", "d"],
            "community_district": ["C1", "C1", "C2", "C2"],
            "council_district": ["K1", "K1", "K1", "K2"],
        }
    )
    within = within_by_schools(schools, ["community_district", "council_district"], {})
    rows = _students("city", "city", {"all": 100})
    for layer, geo, n in (
        ("community_district", "C1", 40), ("community_district", "C2", 60),
        ("council_district", "K1", 45), ("council_district", "K2", 55),
    ):  # fmt: skip
        rows += _students(layer, geo, {"all": n})
    cells = _cells(rows)
    secret, withheld, before, after, system = _run(cells, within)
    assert not secret.any()
    # Both differences are pinned to 5 (they are rests, past the cells' quantities).
    assert [_named(system, n) for n in before.narrow] == [
        ("difference", None, None, None, 5.0, 5.0)
    ] * 2
    # K1 - C1: C1 (40) is cheaper than K1 (45); C2 - K2: K2 (55) than C2 (60). Then the
    # city = C1 + C2 gives C1 back unless C2 goes, and the city = K1 + K2 gives K2 back
    # unless K1 goes (both cheaper than the city). With all four withheld, the
    # difference is anything from 0 to 100.
    assert set(cells.loc[withheld, "geo_id"]) == {"C1", "C2", "K1", "K2"}
    assert after.narrow == []


def test_a_count_pinned_through_equations_it_is_not_in_gets_a_complement_where_they_bind():
    # Homeless students of borough B and district D1 within it (B's other districts
    # unpublished, so B - D1 is a difference area for each group):
    #                 homeless  shelter  doubled up  unsheltered  other
    #   B                  66       27          20            9     10
    #   D1                 40       17          10            5      8
    # The primary rule withholds the 9, 5 and 8; the rounds add B's 10 (B's group
    # equation had one unknown). Then B's unsheltered and other are 19 together, D1's
    # 13, so the two differences (4 unsheltered, 2 other) add up to 6: each is 0 to 6.
    # Neither is in B's or D1's group equation, the two that bind, and the equations
    # each is in (B = D1 + difference) hold no published count left to withhold.
    rows = _students(
        "borough",
        "B",
        {"homeless": 66, "shelter": 27, "doubled_up": 20, "unsheltered": 9, "other_homeless": 10},
    )
    rows += _students(
        "district",
        "D1",
        {"homeless": 40, "shelter": 17, "doubled_up": 10, "unsheltered": 5, "other_homeless": 8},
    )
    cells = _cells(rows)
    parents = {"district": [pd.Series({"D1": "B"}, name="borough")]}
    secret = primary_withheld(cells, count_indicators=COUNTS, min_count=10).to_numpy()
    rounds_only = build_system(cells, count_indicators=COUNTS, parents=parents)
    withheld = complement(rounds_only, secret, min_count=10)
    hidden = cells.loc[withheld]
    assert set(zip(hidden["geo_id"], hidden["group"], strict=True)) == {
        ("B", "unsheltered"), ("B", "other_homeless"), ("D1", "unsheltered"),
        ("D1", "other_homeless"),
    }  # fmt: skip
    system = build_system(cells, count_indicators=COUNTS, parents=parents)
    narrow = attack_equations(system, withheld, 10).narrow
    assert sorted(_named(system, n)[4:] for n in narrow) == [(0.0, 6.0), (0.0, 6.0)]
    # The equations binding at their ends include both group equations.
    groups = {
        e for e in np.unique(system.eq)
        if set(system.quantities.iloc[system.q[(system.eq == e) & (system.q < system.n)]]["group"])
        == {"homeless", "shelter", "doubled_up", "unsheltered", "other_homeless"}
    }  # fmt: skip
    assert len(groups) == 2
    assert all(groups <= set(n.binding) for n in narrow)
    # Widening by the differences' own equations withholds nothing more.
    own = np.unique(rounds_only.eq[np.isin(rounds_only.q, [n.quantity for n in narrow])])
    before = rounds_only.hidden.copy()
    rounds_only.widen(own)
    assert (rounds_only.hidden == before).all()
    # The suppressor's checks, which widen where the equations bind, close it.
    protected = complement(
        build_system(cells, count_indicators=COUNTS, parents=parents),
        secret,
        min_count=10,
        check=audit_check(system, 10),
    )
    assert attack_equations(system, protected, 10).narrow == []


def test_a_rate_population_a_little_under_the_students_gives_away_the_students_outside():
    # 120 students; 117 of them in absent_40_days's population (K-12 with a day
    # enrolled), 30 of those absent 40 days. Published together, 120 - 117 = 3 students
    # with no day enrolled.
    rows = _students("city", "city", {"all": 120})
    rows += [("absent_40_days", "city", "city", "all", "all", 30, 117)]
    cells = _cells(rows)
    secret, withheld, before, after, system = _run(cells)
    assert not secret.any()
    assert [_named(system, n) for n in before.narrow] == [
        ("difference", None, None, None, 3.0, 3.0)
    ]
    # Hiding one member of 120 - yes - no = 3 needs one of at least 7 students: the
    # numerator (30) is cheaper than the rest (87) and the students (120). The cell
    # shows both its sides, so the rate is withheld and the students stay.
    assert cells.loc[withheld, "indicator"].tolist() == ["absent_40_days"]
    assert after.narrow == []


def test_gaps_can_be_left_to_the_reader_but_not_areas():
    # [privacy] protect_gaps = false: the 3 students outside absent_40_days's population
    # may be worked out, so nothing is withheld; a difference between geographies (the
    # community district within a council district) is protected all the same.
    rows = _students("city", "city", {"all": 120})
    rows += [("absent_40_days", "city", "city", "all", "all", 30, 117)]
    cells = _cells(rows)
    system = build_system(cells, count_indicators=COUNTS, parents={})
    nothing = np.zeros(len(cells), dtype=bool)
    assert attack_equations(system, nothing, 10, gaps=False).narrow == []
    assert not complement(system, nothing, min_count=10, gaps=False).any()

    schools = pd.DataFrame(
        {"school_id": ["a", "b"], "community_district": ["C1", None], "council": ["K1", "K1"]}
    )
    within = within_by_schools(schools, ["community_district", "council"], {})
    rows = _students("council", "K1", {"all": 45}) + _students(
        "community_district", "C1", {"all": 40}
    )
    cells = _cells(rows)
    system = build_system(cells, count_indicators=COUNTS, parents=within)
    nothing = np.zeros(len(cells), dtype=bool)
    assert [
        _named(system, n) for n in attack_equations(system, nothing, 10, gaps=False).narrow
    ] == [("difference", None, None, None, 5.0, 5.0)]
    # C1 (40) is cheaper than K1 (45); nothing else is published to recover it from.
    withheld = complement(system, nothing, min_count=10, gaps=False)
    assert cells.loc[withheld, "geo_id"].tolist() == ["C1"]
    assert attack_equations(system, withheld, 10, gaps=False).narrow == []


def test_the_audit_names_a_difference_at_risk_by_its_published_figures():
    rows = _students("city", "city", {"all": 120})
    rows += [("absent_40_days", "city", "city", "all", "all", 30, 117)]
    cells = _cells(rows).assign(geo_name="City")
    table = protect(cells, count_indicators=COUNTS, min_count=10, min_denominator=30, precision=1)
    config = SimpleNamespace(privacy=Privacy(min_count=10), indicators=Indicators(rate_precision=1))
    system = build_system(cells, count_indicators=COUNTS, parents={})
    report: dict = {}
    with pytest.raises(ProtectionError) as caught:
        audit(Rendered(), table, config=config, system=(system, cells), report=report)
    # One target: the gap of 3 (nothing is withheld).
    assert (report["audit"]["targets"], report["audit"]["differences"]) == (1, 1)
    assert str(caught.value) == (
        "protection could not be proven; nothing was published:\n"
        "  - students no cell shows, 2014-15: students (students) for all, all grades, "
        "city city minus absent_40_days (numerator) for all, all grades, city city + "
        "absent_40_days (denominator minus numerator) for all, all grades, city city: "
        "recoverable from published numbers to between 3 and 3"
    )


def test_two_differences_over_the_same_school_are_one_count():
    # Schools: a 20 in school district D1 and no community district; b 30 in D2 and
    # CD1; c 5 in D2 and CD2; d 40 in D3 and CD2. So the city is 95, D1 20, D2 35,
    # D3 40, CD1 30, CD2 45. CD1 lies within D2 and D3 within CD2, by their schools:
    # D2 - CD1 and CD2 - D3 are both school c. Withhold the three school districts. A
    # reader who knows the schools adds the two: D2 + D3 = CD1 + CD2 = 75, so D1 =
    # 95 - 75 = 20. Taken as two unknowns r1 = D2 - CD1 and r2 = CD2 - D3, they leave
    # D1 = 95 - (30 + r1) - (45 - r2) = 20 - r1 + r2, anywhere from 0 (r1 = 20) to 65
    # (r2 = 45, D3 = 0); tied (r1 = r2), D1 is pinned.
    schools = pd.DataFrame(
        {
            "school_id": ["a", "b", "c", "d"],
            "school_district": ["D1", "D2", "D2", "D3"],
            "community_district": [None, "CD1", "CD2", "CD2"],
        }
    )
    layers = ["school_district", "community_district"]
    within = within_by_schools(schools, layers, {})
    rows = _students("city", "city", {"all": 95})
    for layer, geo, n in (
        ("school_district", "D1", 20), ("school_district", "D2", 35),
        ("school_district", "D3", 40), ("community_district", "CD1", 30),
        ("community_district", "CD2", 45),
    ):  # fmt: skip
        rows += _students(layer, geo, {"all": n})
    cells = _cells(rows)
    withheld = (cells["layer"] == "school_district").to_numpy()

    apart = build_system(cells, count_indicators=COUNTS, parents=within)
    assert attack_equations(apart, withheld, 10).narrow == []

    tied = build_system(cells, count_indicators=COUNTS, parents=within, schools=schools)
    # One rest for school c (5); the city minus the community districts is D1 itself.
    assert sorted(tied.value[tied.n :]) == [5.0]
    assert [_named(tied, n) for n in attack_equations(tied, withheld, 10).narrow] == [
        ("school_district", "D1", "all", "all", 20.0, 20.0)
    ]
    protected = complement(tied, withheld, min_count=10)
    assert attack_equations(tied, protected, 10).narrow == []


def test_the_privacy_report_says_how_many_counts_were_not_proven_safe(tmp_path):
    audit_result = {
        "passed": True,
        "min_count": 10,
        "targets": 1200,
        "differences": 200,
        "by_equation_only": 900,
        "proven_in_pieces": 50,
        "seconds": 2.5,
    }
    report = {
        "cells": 0,
        "withheld_by_reason": {},
        "by_group": [],
        "hidden": [],
        "audit": audit_result,
    }
    write_privacy_report(report, tmp_path)
    page = " ".join((tmp_path / "privacy.html").read_text().split())
    assert (
        "Passed, on 1,200 withheld counts and differences of 1 to 9 students that no cell "
        "shows (200 of them differences; 2.5 s). 300 were proven by linear programming: "
        "none can be narrowed to fewer than 10 possible values (50 of them in pieces"
    ) in page
    assert "<strong>900 were not proven safe</strong>: they lie in blocks too large" in page
    # Proofs the audit checked rather than found say so.
    checked = {**audit_result, "proven_by_checked_solutions": 250}
    write_privacy_report({**report, "audit": checked}, tmp_path)
    page = " ".join((tmp_path / "privacy.html").read_text().split())
    assert (
        "then moved); for 250 of them the proof is a solution the suppressor found, which "
        "the audit checked against every equation and bound. <strong>900 were not"
    ) in page
    # A fresh audit says it solved everything itself.
    write_privacy_report({**report, "audit": {**audit_result, "fresh": True}}, tmp_path)
    page = " ".join((tmp_path / "privacy.html").read_text().split())
    assert "the audit took nothing from the suppressor and solved every program itself." in page
    # Without proofs in pieces (the default), the sentence says nothing of them.
    write_privacy_report({**report, "audit": {**audit_result, "proven_in_pieces": 0}}, tmp_path)
    page = " ".join((tmp_path / "privacy.html").read_text().split())
    assert "possible values. <strong>900 were not proven safe" in page


def test_the_checks_stop_when_their_equations_have_nothing_left_to_withhold():
    # Students all 200 = homeless 40 + housed 160, and a check that always names that
    # equation. First the cheapest member goes (homeless), and the rounds take housed
    # (one unknown in an equation is given away); the second check takes all. The
    # third has nothing left to withhold there, and checking again would say the same.
    cells = _cells(_students("city", "city", {"all": 200, "homeless": 40, "housed": 160}))
    system = build_system(cells, count_indicators=COUNTS, parents={})
    (eq,) = np.unique(system.eq[system.q < system.n])
    calls = []

    def check(withheld):
        calls.append(withheld.copy())
        return np.array([eq]), np.array([], dtype=np.int64)

    said = []
    withheld = complement(
        system, np.zeros(3, dtype=bool), min_count=10, check=check, progress=said.append
    )
    assert len(calls) == 3
    assert [c.sum() for c in calls] == [0, 2, 3] and withheld.all()
    # A build at full scale spends many minutes here: each check is told as it starts.
    found = "1 equation pinning counts too closely, 0 counts given away exactly"
    assert said == [
        "Checking what the release gives away, pass 1",
        f"Checking what the release gives away, pass 2 (pass 1: {found})",
        f"Checking what the release gives away, pass 3 (pass 2: {found})",
    ]


def test_relaxed_pieces_cut_side_by_side_are_the_pieces_cut_one_by_one():
    # Two pieces once the held column 0 drops its equations: columns 1-2 (rows 1, 2)
    # and 3-5 (rows 3, 4). Row 0 holds the held column and goes.
    a = sparse.csr_matrix(
        np.array(
            [
                [1.0, 1, 0, 1, 0, 0],
                [0, 1, -1, 0, 0, 0],
                [0, 2, 1, 0, 0, 0],
                [0, 0, 0, 1, 1, 0],
                [0, 0, 0, 0, 1, -3],
            ]
        )
    )
    held = np.array([True, False, False, False, False, False])
    pieces = equations._relaxed_pieces(a, held, 10)
    assert sorted((list(c), list(r)) for c, r in pieces) == [([1, 2], [1, 2]), ([3, 4, 5], [3, 4])]
    for (cols, rows), piece in zip(pieces, equations._cut(a, pieces), strict=True):
        assert (piece.toarray() == a.toarray()[np.ix_(rows, cols)]).all()
    # Held columns 0 and 1 (student counts), a rest 2, a rate's count 3. The rates'
    # relaxation keeps row 2 (rest and rate); the students' keeps rows 0 and 1 (held and
    # rest only). Row 3 holds a student count and a rate's count: neither keeps it. The
    # rest lies in a piece of each.
    a = sparse.csr_matrix(np.array([[1.0, -1, 0, 0], [0, 1, -1, 0], [0, 0, 1, -1], [1, 0, 0, 1]]))
    held = np.array([True, True, False, False])
    rest = np.array([False, False, True, False])
    pieces = equations._relaxed_pieces(a, held, 10, rest)
    assert [(list(c), list(r)) for c, r in pieces] == [([2, 3], [2]), ([0, 1, 2], [0, 1])]
    for (cols, rows), piece in zip(pieces, equations._cut(a, pieces), strict=True):
        assert (piece.toarray() == a.toarray()[np.ix_(rows, cols)]).all()


def test_certificates_are_found_near_their_count_and_far_ones_only_when_allowed():
    # Unknowns x0..x9 (all hidden); equations (rows), each summing to a known constant:
    #   r0: x0 + x1      r1: x1              -> x0 = r0 - r1, two equations near x0
    #   r2: x2 - x3      r3: x3 - x4   r4: x4 - x5   r5: x5 - x6   r6: x6
    #                                        -> x2 = r2 + r3 + r4 + r5 + r6, five in a chain
    #   r7: x7 + x8      r8: x8 + x9         -> x7 is never alone: no certificate
    rows = [[(0, 1), (1, 1)], [(1, 1)], [(2, 1), (3, -1)], [(3, 1), (4, -1)]]
    rows += [[(4, 1), (5, -1)], [(5, 1), (6, -1)], [(6, 1)], [(7, 1), (8, 1)], [(8, 1), (9, 1)]]
    r, c, v = zip(*[(i, j, x) for i, row in enumerate(rows) for j, x in row], strict=True)
    a = sparse.csr_matrix((v, (r, c)), shape=(len(rows), 10))
    near = complement_module.Neighbours(a)

    found = near.certificate(0, max_rows=2)
    assert found is not None
    eqs, y = found
    assert set(eqs[np.abs(y) > 1e-9].tolist()) == {0, 1}
    assert np.allclose(a[eqs].T @ y, np.eye(10)[0])
    assert np.allclose(y[np.searchsorted(eqs, [0, 1])], [1, -1])

    # x2's certificate needs all five equations of the chain: not within two.
    assert near.certificate(2, max_rows=2) is None
    assert 2 not in near.searched
    eqs, y = near.certificate(2)
    assert set(eqs.tolist()) == {2, 3, 4, 5, 6}
    assert np.allclose(y[np.searchsorted(eqs, [2, 3, 4, 5, 6])], 1)

    # x7 has none in its whole block (r7, r8), however far one looks.
    assert near.certificate(7) is None
    assert 7 in near.searched
