"""Random small cities through the whole protection stage, then an independent attacker
(tests/attacker.py) against what is published; and one regression per leak of issue 5.

The attacker reads the long table as published (the CSV bytes), the schools' geography,
and the documented rules, and solves each withheld number's least and greatest value by
linear programming. It never succeeds when every withheld count it can pin lies in an
interval at least ``min_count`` (10) wide, or is a true zero (nobody to protect).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from atlas.audit import audit
from atlas.config import Indicators, Privacy
from atlas.errors import ProtectionError
from atlas.model import Rendered
from atlas.protect.complement import Parents, within_by_schools
from atlas.protect.stage import protect_cells
from atlas.render.long_csv import long_csv
from tests.attacker import (
    BANDS,
    FIVE_YEAR,
    HOMELESS_TYPES,
    INCOME,
    RATES,
    Finding,
    Term,
    attack,
    fine_groups,
    group_members,
    read_published,
    too_narrow,
)

MIN_COUNT = 10
YEAR = "2014-15"


def protection_stage(
    cells: pd.DataFrame,
    parents: Parents,
    *,
    complements: bool = True,
    where: dict[str, dict[str, str]] | None = None,
) -> pd.DataFrame:
    """The protect stage of atlas/pipeline.py's build_atlas (protect_cells: primary rule,
    the equations, complements with the audit's attacker as ``check``, flags), then the
    audit's own equation check, which a build must pass to publish. ``where``: each
    school's geography per layer, as the pipeline gives the stage."""
    config = _Config()
    done = protect_cells(
        cells,
        parents=parents,
        privacy=config.privacy,
        precision=config.indicators.rate_precision,
        complements=complements,
        schools=school_frame(where) if where is not None else None,
    )
    if complements:
        audit(Rendered(), done.table, config=config, system=(done.system, done.system_cells))  # type: ignore[arg-type]
    return done.table


class _Config:
    privacy = Privacy(min_count=MIN_COUNT)
    indicators = Indicators(rate_precision=1)


def published(table: pd.DataFrame) -> pd.DataFrame:
    """What a reader downloads: data/atlas_long.csv, read back."""
    return read_published(long_csv(table, precision=1))


# --- Random small cities ---------------------------------------------------------------

#: Rates whose denominators the docs tie to the students in three different ways.
RATE_CHOICES = ("english_learner", "midyear_transfer", "chronic_absence_nyc")
#: Groups published on the school layer (the dot maps), band ``all`` only.
SCHOOL_GROUPS = ("all", "homeless", *HOMELESS_TYPES)


@dataclass
class City:
    cells: pd.DataFrame
    schools: dict[str, dict[str, str]]  # school -> {layer: geo_id}
    parents: dict[str, list[pd.Series]]


#: The layers of a random city, as a config lists them: districts nest in boroughs;
#: community districts nest in nothing.
LAYERS = ("borough", "district", "community")


def school_frame(where: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Each school's geography per layer (empty where it lies in none of the layer)."""
    layers = [layer for layer in LAYERS if any(layer in w for w in where.values())]
    return pd.DataFrame(
        [{"school_id": s, **w} for s, w in where.items()], columns=["school_id", *layers]
    )


def build_parents(
    where: dict[str, dict[str, str]], declared: dict[str, list[pd.Series]]
) -> Parents:
    """What atlas/pipeline.py's ``_parents`` gives the stage: the ``declared`` parents
    of nested layers, the geographies lying within others by their schools
    (``within_by_schools``), and each school's geography of every layer it lies in."""
    schools = school_frame(where)
    layers = list(schools.columns[1:])
    parents = {layer: list(series) for layer, series in declared.items()}
    for layer, within in within_by_schools(schools, layers, parents).items():
        parents.setdefault(layer, []).extend(within)
    indexed = schools.set_index("school_id")
    parents["school"] = [indexed[layer].dropna().astype(str).rename(layer) for layer in layers]
    return parents


def make_city(
    districts: dict[str, str],
    schools: dict[str, str],
    students: np.ndarray,
    rates: dict[str, tuple[np.ndarray, np.ndarray]],
    five_year: bool,
    community: dict[str, str | None] | None = None,
) -> City:
    """Cells from units: ``students[school, fine group, band]``; per rate its numerator
    and denominator on the same units (zero outside the rate's bands). ``community``:
    each school's community district, or None for a school in none."""
    names = sorted(schools)
    fine = fine_groups(five_year)
    where = {s: {"district": schools[s], "borough": districts[schools[s]]} for s in names}
    for s, cd in (community or {}).items():
        if cd is not None:
            where[s]["community"] = cd
    places = {("city", "city"): names, **{("school", s): [s] for s in names}}
    for s in names:
        for layer, geo in where[s].items():
            places.setdefault((layer, geo), []).append(s)
    groups = ["all", "homeless", *HOMELESS_TYPES, "housed", *INCOME]
    if five_year:
        groups += list(FIVE_YEAR)
    rows = []

    def total(array: np.ndarray, schools_in: list[str], group: str, bands) -> float:
        gi = [fine.index(g) for g in group_members(group, fine) or ()]
        si = [names.index(s) for s in schools_in]
        bi = [BANDS.index(b) for b in bands]
        return float(array[np.ix_(si, gi, bi)].sum())

    for (layer, geo), in_geo in places.items():
        for group in groups:
            if layer == "school" and group not in SCHOOL_GROUPS:
                continue
            for band in ("all", *BANDS):
                if layer == "school" and band != "all":
                    continue
                bands = BANDS if band == "all" else (band,)
                base = {"year": YEAR, "layer": layer, "geo_id": geo, "geo_name": geo}
                base |= {"group": group, "grade_band": band}
                n = total(students, in_geo, group, bands)
                rows.append(base | {"indicator": "students", "numerator": n})
                d = total(students, in_geo, "all", bands)
                rows.append(
                    base | {"indicator": "share_of_students", "numerator": n, "denominator": d}
                )
                if layer == "school":
                    continue
                for rate, (num, den) in rates.items():
                    if band != "all" and band not in RATES[rate].bands:
                        continue
                    rate_bands = RATES[rate].bands if band == "all" else (band,)
                    rows.append(
                        base
                        | {
                            "indicator": rate,
                            "numerator": total(num, in_geo, group, rate_bands),
                            "denominator": total(den, in_geo, group, rate_bands),
                        }
                    )
    cells = pd.DataFrame(rows)
    parents = build_parents(where, {"district": [pd.Series(districts, name="borough")]})
    return City(cells, where, parents)


@st.composite
def cities(draw, absent_days: bool = False, community: bool = False) -> City:
    """One or two boroughs, one to three districts, one or two schools each; students
    per school, finest group and band, many of them small; one or two rates.

    A rate over K-12 students with a day enrolled has them all as its denominator,
    unless ``absent_days``: then up to two of each unit's students have no day. With
    ``community``, one to three community districts, published like school districts,
    each school drawn into one of them or into none, apart from its school district."""
    n_districts = draw(st.integers(1, 3))
    n_boroughs = draw(st.integers(1, min(2, n_districts)))
    districts = {f"D{d + 1}": f"B{d % n_boroughs + 1}" for d in range(n_districts)}
    schools = {}
    for d in districts:
        for k in range(draw(st.integers(1, 2))):
            schools[f"{d}S{k + 1}"] = d
    cds: dict[str, str | None] | None = None
    if community:
        choices = [None, *(f"CD{c + 1}" for c in range(draw(st.integers(1, 3))))]
        cds = {s: draw(st.sampled_from(choices)) for s in schools}
    five_year = draw(st.booleans())
    chosen = draw(st.lists(st.sampled_from(RATE_CHOICES), min_size=1, max_size=2, unique=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (len(schools), len(fine_groups(five_year)), len(BANDS))
    # A third empty, a third 1-9 (what the primary rule withholds), a third 10-60.
    kind = rng.integers(0, 3, size=shape)
    students = np.select(
        [kind == 1, kind == 2], [rng.integers(1, 10, shape), rng.integers(10, 61, shape)], 0
    )
    rates = {}
    for rate in chosen:
        rule = RATES[rate]
        in_bands = np.array([b in rule.bands for b in BANDS])[None, None, :]
        den = students.copy()
        if rule.denominator == "within" and absent_days:
            den = np.maximum(den - rng.integers(0, 3, shape), 0)
        den = den * in_bands
        # Shares near 0 and 100% too, so that both sides of a rate are often small.
        share = rng.choice([0.0, 0.05, 0.3, 0.7, 0.95, 1.0], size=shape)
        rates[rate] = (np.rint(den * share), den.astype(float))
    return make_city(districts, schools, students.astype(float), rates, five_year, cds)


def _truth(cells: pd.DataFrame) -> dict[tuple, dict[str, float]]:
    key = ["year", "layer", "geo_id", "indicator", "group", "grade_band"]
    out = {}
    for row in cells.to_dict("records"):
        num, den = row["numerator"], row.get("denominator", np.nan)
        out[tuple(str(row[k]) for k in key)] = {
            "numerator": num,
            "complement": den - num if den == den else np.nan,
            "denominator": den,
        }
    return out


def _weigh(truth: dict[tuple, dict[str, float]], terms: tuple[Term, ...]) -> float | None:
    """A count's true value, from the cells' sides it sums; None when a cell it names is
    not among the truth."""
    if any(key not in truth for key, _side, _sign in terms):
        return None
    return sum(sign * truth[key][side] for key, side, sign in terms)


def _at_risk(value: float | None, derived: bool) -> bool:
    """Whether a count's true value is worth protecting: a withheld side holding someone
    (a withheld true zero hides nobody); a derived count of 1 to MIN_COUNT - 1 (a derived
    0, or one of MIN_COUNT or more, is as publishable as a cell). A count whose truth the
    test does not know is probed all the same."""
    if value is None:
        return True
    return 0.5 < value < (MIN_COUNT - 0.5 if derived else np.inf)


def attack_truly(table: pd.DataFrame, city: City, derived: bool = False) -> list[Finding]:
    """The attacker on the published table, probing the withheld sides that hold someone
    and, with ``derived``, the derived counts (difference areas, population gaps: more
    than one term) of 1 to 9."""
    truth = _truth(city.cells)
    findings = attack(
        published(table),
        city.schools,
        MIN_COUNT,
        probe=lambda terms: _at_risk(_weigh(truth, terms), len(terms) > 1),
        derived=derived,
    )
    # Its exact intervals hold the truth (else it misread a rule).
    for f in findings:
        value = _weigh(truth, f.terms)
        if f.exact and value is not None:
            assert f.low - 1e-6 <= value <= f.high + 1e-6, f
    return findings


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same cities on every run: CI does not flake
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(city=cities())
def test_no_withheld_cell_of_a_random_city_can_be_recovered(city):
    try:
        table = protection_stage(city.cells, city.parents, where=city.schools)
    except ProtectionError:
        # The audit refuses, the build exits with code 3: nothing is published.
        event("the audit refused to publish")
        return
    assert too_narrow(attack_truly(table, city), MIN_COUNT) == []


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(city=cities(absent_days=True))
def test_a_denominator_a_little_under_the_students_gives_no_withheld_count_away(city):
    # Chronic absence counts K-12 students with a day enrolled: at most the K-12 students
    # in every cell. The suppressor ties the two with the gap as an unknown of at least
    # zero; before it did, a reader's inequality pinned withheld counts (a city count of
    # 51 to [45, 53]).
    try:
        table = protection_stage(city.cells, city.parents, where=city.schools)
    except ProtectionError:
        return
    assert too_narrow(attack_truly(table, city), MIN_COUNT) == []


def _leaks(findings: list[Finding]) -> str:
    """The findings, one a line, for an assertion's message."""
    return "\n".join(f"{f.side}: {f.key} in [{f.low:g}, {f.high:g}]" for f in findings)


#: No shrinking: a failing city takes minutes to shrink on two cores, and the message
#: names every count the attacker pins.
NO_SHRINK = (Phase.explicit, Phase.generate)


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(city=cities(community=True))
def test_no_count_a_random_city_with_community_districts_implies_can_be_recovered(city):
    # Community districts overlap school districts, and some schools lie in none: a
    # school district minus a community district within it (or the reverse), or the
    # city minus every community district, counts students that no cell publishes.
    # Neither such a count of 1 to 9 nor a withheld cell may be pinned.
    try:
        table = protection_stage(city.cells, city.parents, where=city.schools)
    except ProtectionError:
        event("the audit refused to publish")
        return
    found = too_narrow(attack_truly(table, city, derived=True), MIN_COUNT)
    assert found == [], _leaks(found)


@settings(max_examples=8, deadline=None, derandomize=True, database=None, phases=NO_SHRINK)
@given(city=cities(absent_days=True))
def test_no_count_of_students_outside_a_rate_population_can_be_recovered(city):
    # Chronic absence counts the K-12 students with a day enrolled, up to two a unit
    # fewer than the students: students minus its denominator, both published, counts
    # students that no cell publishes. Neither such a count of 1 to 9 nor any other
    # derived count or withheld cell may be pinned.
    try:
        table = protection_stage(city.cells, city.parents, where=city.schools)
    except ProtectionError:
        event("the audit refused to publish")
        return
    found = too_narrow(attack_truly(table, city, derived=True), MIN_COUNT)
    assert found == [], _leaks(found)


# --- One regression per leak of issue 5 -------------------------------------------------


def _rows(layer, geo, indicator, groups, band="all"):
    """Cells of one place: ``groups`` maps a group to a count, or to (numerator,
    denominator) for a rate."""
    out = []
    for group, v in groups.items():
        num, den = (v, np.nan) if indicator == "students" else v
        out.append(
            {"year": YEAR, "layer": layer, "geo_id": geo, "geo_name": geo, "group": group}
            | {"grade_band": band, "indicator": indicator}
            | {"numerator": float(num), "denominator": float(den)}
        )
    return out


def _pinned(table, schools, cells):
    """The attacker's findings narrower than MIN_COUNT on sides that hold someone, and
    on derived counts of 1 to 9, as (layer, geo_id, indicator, group, side, low, high)."""
    city = City(cells, schools, {})
    return sorted(
        (f.key[1], f.key[2], f.key[3], f.key[4], f.side, round(f.low), round(f.high))
        for f in too_narrow(attack_truly(table, city, derived=True), MIN_COUNT)
    )


ONE_SCHOOL = {"S1": {}}


def test_97_percent_of_120_chronically_absent_says_3_were_not():
    # City, all grades. Chronic absence: all 150 of 300; housed 33 of 180; homeless 117 of
    # 120 ("97.5% of 120 were chronically absent": 3 were not). The primary rule
    # withholds the homeless rate, yet 150 - 33 = 117 and 300 - 180 = 120 give it back.
    cells = pd.DataFrame(
        _rows(
            "city",
            "city",
            "chronic_absence_nyc",
            {"all": (150, 300), "housed": (33, 180), "homeless": (117, 120)},
        )
    )
    primary_only = protection_stage(cells, {}, complements=False)
    assert _pinned(primary_only, ONE_SCHOOL, cells) == [
        ("city", "city", "chronic_absence_nyc", "homeless", "complement", 3, 3),
        ("city", "city", "chronic_absence_nyc", "homeless", "numerator", 117, 117),
    ]
    table = protection_stage(cells, {})
    assert _pinned(table, ONE_SCHOOL, cells) == []
    # So all or housed is withheld too: with both published, the subtraction works.
    assert set(table.loc[table["flag"] == "withheld", "group"]) > {"homeless"}


def _splice(protected: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """A release whose ``cells`` went through the primary rule only, beside the
    ``protected`` rest: what happens when a figure escapes the protection stage."""
    return pd.concat([protected, protection_stage(cells, {}, complements=False)])


STUDENTS = {"all": 140, "homeless": 40, "housed": 100, "shelter": 4, "doubled_up": 36}
NO_OTHER = {"unsheltered": 0, "other_homeless": 0}


def test_a_rate_published_with_its_denominator_gives_a_hidden_count_away():
    # City, all grades: 140 = 40 homeless + 100 housed; homeless 40 = 4 in shelter + 36
    # doubled up. English learners (all students are its denominator): 70 of 140, 20 of
    # 40, 50 of 100, 2 of 4, 18 of 36. The shelter count (4) is withheld, and a
    # complement hides doubled up (36) or homeless (40); but the rates' denominators
    # are those counts: 40 - 36 = 4 in shelter.
    counts = pd.DataFrame(_rows("city", "city", "students", STUDENTS | NO_OTHER))
    rates = pd.DataFrame(
        _rows(
            "city",
            "city",
            "english_learner",
            {
                "all": (70, 140),
                "homeless": (20, 40),
                "housed": (50, 100),
                "shelter": (2, 4),
                "doubled_up": (18, 36),
                "unsheltered": (0, 0),
                "other_homeless": (0, 0),
            },
        )
    )
    cells = pd.concat([counts, rates], ignore_index=True)
    escaped = _splice(protection_stage(counts, {}), rates)
    assert ("city", "city", "students", "shelter", "numerator", 4, 4) in _pinned(
        escaped, ONE_SCHOOL, cells
    )
    assert _pinned(protection_stage(cells, {}), ONE_SCHOOL, cells) == []


def test_ever_homeless_in_five_years_beside_the_yearly_count_gives_the_formerly_homeless():
    # City, all grades: ever homeless (in five years) 150, homeless this year 145: the
    # formerly homeless, withheld (5), are 150 - 145 = 5; and housed 55 - always housed
    # 50 = 5 again.
    cells = pd.DataFrame(
        _rows(
            "city",
            "city",
            "students",
            {
                "all": 200,
                "homeless": 145,
                "housed": 55,
                "ever_homeless": 150,
                "formerly_homeless": 5,
                "always_housed": 50,
            },
        )
    )
    primary_only = protection_stage(cells, {}, complements=False)
    assert _pinned(primary_only, ONE_SCHOOL, cells) == [
        ("city", "city", "students", "formerly_homeless", "numerator", 5, 5)
    ]
    assert _pinned(protection_stage(cells, {}), ONE_SCHOOL, cells) == []


def test_a_school_on_the_dot_map_undoes_a_district_complement():
    # District D1 (schools A, B) has 6 homeless students, withheld; district D2 has one
    # school, C, with 500; the city 506. To protect D1 the district layer must hide D2's
    # 500 (or the city's 506). But the dot map shows school C, D2's only school: 500,
    # and 506 - 500 = 6.
    schools = {"A": {"district": "D1"}, "B": {"district": "D1"}, "C": {"district": "D2"}}
    parents = {"school": [pd.Series({"A": "D1", "B": "D1", "C": "D2"}, name="district")]}
    places = [
        ("city", "city", 1100, 506),
        ("district", "D1", 100, 6),
        ("district", "D2", 1000, 500),
    ]
    dots = [("school", "A", 60, 0), ("school", "B", 40, 6), ("school", "C", 1000, 500)]

    def cells_of(rows):
        return pd.DataFrame(
            [
                r
                for layer, geo, n_all, n_homeless in rows
                for r in _rows(layer, geo, "students", {"all": n_all, "homeless": n_homeless})
            ]
        )

    cells = pd.concat([cells_of(places), cells_of(dots)], ignore_index=True)
    escaped = _splice(protection_stage(cells_of(places), {}), cells_of(dots))
    assert ("district", "D1", "students", "homeless", "numerator", 6, 6) in _pinned(
        escaped, schools, cells
    )
    assert _pinned(protection_stage(cells, parents, where=schools), schools, cells) == []


def test_a_community_district_minus_an_overlapping_school_district_is_a_school():
    # Districts D1 = schools A, B and D2 = C, E; community districts CD1 = A, B, C and
    # CD2 = E. Homeless: A 20, B 20, C 4, E 30. C's 4 is withheld on the dot map, so D2
    # (34) = C + E loses one of its members; but CD1 - D1 = 44 - 40 = 4 is C again, and
    # CD2 = E. Primary rule alone: the attacker gets C back (4). After the stage (the
    # schools tied to every layer they lie in, as atlas/pipeline.py's _parents does):
    # nothing.
    schools = {
        "A": {"district": "D1", "community": "CD1"},
        "B": {"district": "D1", "community": "CD1"},
        "C": {"district": "D2", "community": "CD1"},
        "E": {"district": "D2", "community": "CD2"},
    }
    parents = {
        "school": [
            pd.Series({s: w[layer] for s, w in schools.items()}, name=layer)
            for layer in ("district", "community")
        ]
    }
    homeless = {
        ("city", "city"): 74,
        ("district", "D1"): 40,
        ("district", "D2"): 34,
        ("community", "CD1"): 44,
        ("community", "CD2"): 30,
        ("school", "A"): 20,
        ("school", "B"): 20,
        ("school", "C"): 4,
        ("school", "E"): 30,
    }
    cells = pd.DataFrame(
        [
            r
            for (layer, geo), n in homeless.items()
            for r in _rows(layer, geo, "students", {"homeless": n})
        ]
    )
    primary_only = protection_stage(cells, parents, complements=False)
    assert _pinned(primary_only, schools, cells) == [
        ("school", "C", "students", "homeless", "numerator", 4, 4)
    ]
    assert _pinned(protection_stage(cells, parents, where=schools), schools, cells) == []


def test_a_school_district_minus_a_community_district_within_it_is_a_count_of_students():
    # Districts D1 = schools A, B, C and D2 = D; community districts CD1 = A, B (within
    # D1 by its schools) and CD2 = C, D. English learners (denominator: all students),
    # all grades: A 20 of 50, B 30 of 60, C 4 of 40, D 26 of 70; the rate is not
    # published by school, the students are. Published:
    #   city 80 of 220, D1 54 of 150, D2 26 of 70, CD1 50 of 110, CD2 30 of 110;
    # every numerator, and every denominator minus numerator (140, 96, 44, 60, 80), is
    # 10 or more, so the primary rule withholds nothing. Yet D1 - CD1 = school C:
    # 54 - 50 = 4 English learners (and CD2 - D2 = 30 - 26 = 4, the same school).
    schools = {
        "A": {"district": "D1", "community": "CD1"},
        "B": {"district": "D1", "community": "CD1"},
        "C": {"district": "D1", "community": "CD2"},
        "D": {"district": "D2", "community": "CD2"},
    }
    learners = {
        ("city", "city"): (80, 220),
        ("district", "D1"): (54, 150),
        ("district", "D2"): (26, 70),
        ("community", "CD1"): (50, 110),
        ("community", "CD2"): (30, 110),
    }
    students = {place: den for place, (_num, den) in learners.items()}
    students |= {("school", "A"): 50, ("school", "B"): 60, ("school", "C"): 40}
    students |= {("school", "D"): 70}
    cells = pd.DataFrame(
        [
            r
            for (layer, geo), v in learners.items()
            for r in _rows(layer, geo, "english_learner", {"all": v})
        ]
        + [
            r
            for (layer, geo), n in students.items()
            for r in _rows(layer, geo, "students", {"all": n})
        ]
    )
    parents = build_parents(schools, {})
    primary_only = protection_stage(cells, parents, complements=False)
    assert not (primary_only["flag"] == "withheld").any()
    either = {
        ("district", "D1", "difference (numerator): district D1 minus community CD1"),
        ("community", "CD2", "difference (numerator): community CD2 minus district D2"),
    }
    [(layer, geo, indicator, group, side, low, high)] = _pinned(primary_only, schools, cells)
    assert (layer, geo, side) in either
    assert (indicator, group, low, high) == ("english_learner", "all", 4, 4)
    assert _pinned(protection_stage(cells, parents, where=schools), schools, cells) == []


def test_students_minus_chronic_absence_s_denominator_counts_those_without_a_day_enrolled():
    # City, middle grades: 120 students; chronic absence 40 of 117 (it counts the K-12
    # students with at least one day enrolled). Both sides of the rate are 10 or more
    # (40, 77), so the primary rule publishes it, and the count: 120 - 117 = 3 students
    # had no day enrolled, a count of 1 to 9 that no cell shows.
    cells = pd.DataFrame(
        _rows("city", "city", "students", {"all": 120}, band="middle")
        + _rows("city", "city", "chronic_absence_nyc", {"all": (40, 117)}, band="middle")
    )
    primary_only = protection_stage(cells, {}, complements=False)
    assert not (primary_only["flag"] == "withheld").any()
    assert _pinned(primary_only, ONE_SCHOOL, cells) == [
        ("city", "city", "chronic_absence_nyc", "all", "outside rate population", 3, 3)
    ]
    assert _pinned(protection_stage(cells, {}), ONE_SCHOOL, cells) == []


def test_the_city_minus_every_community_district_counts_the_schools_in_none():
    # Schools A (community district CD1), B (CD2) and C, in no community district.
    # Homeless students, all grades: A 20, B 23, C 4; published: the city 47, CD1 20,
    # CD2 23, each 10 or more. The city minus CD1 (27) or minus CD2 (24) is large, but
    # the city minus both is school C: 47 - 20 - 23 = 4.
    schools = {"A": {"community": "CD1"}, "B": {"community": "CD2"}, "C": {}}
    homeless = {("city", "city"): 47, ("community", "CD1"): 20, ("community", "CD2"): 23}
    cells = pd.DataFrame(
        [
            r
            for (layer, geo), n in homeless.items()
            for r in _rows(layer, geo, "students", {"homeless": n})
        ]
    )
    parents = build_parents(schools, {})
    primary_only = protection_stage(cells, parents, complements=False)
    assert _pinned(primary_only, schools, cells) == [
        (
            "city",
            "city",
            "students",
            "homeless",
            "difference (numerator): city city minus community CD1 + community CD2",
            4,
            4,
        )
    ]
    assert _pinned(protection_stage(cells, parents, where=schools), schools, cells) == []
