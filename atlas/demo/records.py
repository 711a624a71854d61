"""Students, places and outcomes -> the extract, as an agency would send it: one row per
student, school year and enrollment spell, and one row per high-school cohort member.

* School: a student keeps a persistent seat that picks, by school size, among the
  schools of the district serving the grade, so that a student stays in a school while
  its span allows. Students of districts 75 and 79 go to their district's schools in
  their home borough. A student in shelter goes to one of the schools nearest the
  shelter, and the shelter is in the home district or, less often, elsewhere in the
  borough.
* A student who changes school during the year has two spells: the first at another
  school (for a student who entered shelter, the school before it), ending a few days
  before the second begins. A student who leaves during the year has an exit date on
  the last spell; a late entrant enters after October 31.
* Days absent and suspended are split over the spells (suspensions at the final
  school); hours come from days at 6.5 hours a day, less some partial-day absences.
  Out-of-school suspension days are counted in ``hours_absent_excused`` (the hours
  fields have no suspension column), so that hours cover every enrolled day. Test
  results sit on the spell at the end of the year.

The enrollment file is written one school year at a time (a Parquet row group each),
rows ordered by student id, so memory stays near one year's rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from atlas.demo import calibration as cal
from atlas.demo.outcomes import draw_outcomes, transfers
from atlas.demo.places import Places
from atlas.demo.students import (
    D75,
    D79,
    DISTRICTS,
    DOUBLED_UP,
    G9,
    HOUSED,
    SHELTER,
    STATUS_CODES,
    Panel,
    group_of,
)

N_GRADES = len(cal.GRADE_CODES)
BOROUGHS = tuple(cal.BOROUGH_LETTER)
#: Enrollment columns and types, in the order of the input contract.
SCHEMA = pa.schema(
    [
        ("student_id", pa.string()),
        ("school_year", pa.string()),
        ("school_id", pa.string()),
        ("entry_date", pa.date32()),
        ("exit_date", pa.date32()),
        ("grade", pa.string()),
        ("housing_status", pa.string()),
        ("lunch_eligible", pa.bool_()),
        ("days_enrolled", pa.int64()),
        ("days_absent", pa.int64()),
        ("days_absent_excused", pa.int64()),
        ("days_absent_unexcused", pa.int64()),
        ("days_suspended", pa.int64()),
        ("hours_attended", pa.float64()),
        ("hours_absent_excused", pa.float64()),
        ("hours_absent_unexcused", pa.float64()),
        ("late_entry", pa.bool_()),
        ("suspended", pa.bool_()),
        ("ell", pa.bool_()),
        ("iep_grade", pa.string()),
        ("ela_level", pa.int64()),
        ("math_level", pa.int64()),
        ("retained", pa.bool_()),
        ("race_ethnicity", pa.string()),
        ("gender", pa.string()),
        ("shelter_id", pa.string()),
    ]
)
#: Chance that a student in shelter who moved school started the year doubled up or
#: housed (entered shelter during the year); other homeless movers started housed.
_FIRST_SPELL_SHELTER = {"DBL": 0.35, "PH": 0.15}
_FIRST_SPELL_HOUSED = 0.3
#: Calendar, in school days from the first (0): late entrants arrive by early March;
#: students who leave during the year stay at least _MIN_STAY days and go by mid-June;
#: a move leaves up to _MAX_GAP school days between the two spells.
_LAST_LATE_ENTRY = 130
_LAST_EXIT = 170
_MIN_STAY = 10
_MAX_GAP = 3


def school_years(first_year: str) -> list[str]:
    """The five school years from ``first_year`` ('2010-11')."""
    start = int(first_year[:4])
    return [f"{s}-{(s + 1) % 100:02d}" for s in range(start, start + cal.YEARS)]


def school_days(start_year: int) -> tuple[np.ndarray, int]:
    """The school days of the year starting in ``start_year`` (weekdays from early
    September to late June, thinned evenly to SCHOOL_DAYS), and the index of the last
    school day on or before the count date (October 31)."""
    first = np.busday_offset(np.datetime64(dt.date(start_year, 9, 8)), 0, roll="forward")
    last = np.busday_offset(np.datetime64(dt.date(start_year + 1, 6, 26)), 0, roll="backward")
    weekdays = np.arange(first, last + 1)
    weekdays = weekdays[np.is_busday(weekdays)]
    pick = np.round(np.linspace(0, len(weekdays) - 1, cal.SCHOOL_DAYS)).astype(np.int64)
    days = weekdays[pick]
    count_date = np.datetime64(dt.date(start_year, *cal.COUNT_DATE))
    return days, int(np.searchsorted(days, count_date, side="right")) - 1


def student_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Scrambled ids: distinct random 9-digit numbers."""
    return rng.choice(900_000_000, size=n, replace=False) + 100_000_000


class _Choice:
    """Weighted choice among lists of items, one list per integer key."""

    def __init__(self, keys: np.ndarray, items: np.ndarray, weights: np.ndarray, n_keys: int):
        order = np.lexsort((items, keys))
        keys, self.items, weights = keys[order], items[order], weights[order]
        self.count = np.bincount(keys, minlength=n_keys)
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]])
        total = np.bincount(keys, weights=weights, minlength=n_keys)
        before = np.concatenate([[0.0], np.cumsum(weights)])[self.start]
        self.bounds = keys + (np.cumsum(weights) - before[keys]) / total[keys]

    def pick(self, key: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The item of ``key``'s list where the cumulative weight passes ``u`` (0-1)."""
        if np.any(self.count[key] == 0):
            raise RuntimeError("the demo has no candidate for some students")
        pos = np.searchsorted(self.bounds, key + u, side="right")
        last = self.start[key] + self.count[key] - 1
        return self.items[np.clip(pos, self.start[key], last)]

    def other(self, key: np.ndarray, u: np.ndarray, exclude: np.ndarray) -> np.ndarray:
        """An item of ``key``'s list other than ``exclude``, uniformly (lists of 2+)."""
        count = self.count[key]
        j = np.minimum((u * count).astype(np.int64), count - 1)
        out = self.items[self.start[key] + j]
        same = out == exclude
        out[same] = self.items[self.start[key] + (j + 1) % count][same]
        return out


class _Schools:
    """Which schools a student can attend: by district (or citywide district and
    borough) and grade, and the schools nearest each shelter."""

    # Keys per grade: geographic districts, then 75 and 79 by borough, 75 and 79
    # citywide, geographic schools by borough, geographic schools citywide.
    D75_BOROUGH = len(DISTRICTS) - 2
    D79_BOROUGH = D75_BOROUGH + len(BOROUGHS)
    D75_CITY = D79_BOROUGH + len(BOROUGHS)
    D79_CITY = D75_CITY + 1
    GEO_BOROUGH = D79_CITY + 1
    GEO_CITY = GEO_BOROUGH + len(BOROUGHS)
    N_KEYS = (GEO_CITY + 1) * N_GRADES

    def __init__(self, places: Places):
        schools = places.schools
        self.district = np.array([DISTRICTS.index(d) for d in schools["district"]])
        self.borough = np.array([BOROUGHS.index(b) for b in schools["borough"]])
        low, high = schools["low"].to_numpy(), schools["high"].to_numpy()
        rows, grades = [], []
        for g in range(N_GRADES):
            serve = np.flatnonzero((low <= g) & (g <= high))
            rows.append(serve)
            grades.append(np.full(len(serve), g))
        school, grade = np.concatenate(rows), np.concatenate(grades)
        d, b = self.district[school], self.borough[school]
        geo = d < self.D75_BOROUGH
        own = np.select([geo, d == D75], [d, self.D75_BOROUGH + b], self.D79_BOROUGH + b)
        wide = np.select([geo, d == D75], [self.GEO_BOROUGH + b, self.D75_CITY], self.D79_CITY)
        keys = np.concatenate([own, wide, np.where(geo, self.GEO_CITY, -1)])
        keep = keys >= 0
        school3 = np.tile(school, 3)[keep]
        self.choice = _Choice(
            keys[keep] * N_GRADES + np.tile(grade, 3)[keep],
            school3,
            schools["weight"].to_numpy()[school3],
            self.N_KEYS,
        )
        self.near = self._nearest(places)

    def _nearest(self, places: Places) -> _Choice:
        """Per shelter and grade, the NEAREST_SCHOOLS nearest schools of the shelter's
        district serving the grade (distances on a local flat projection)."""
        schools, shelters = places.schools, places.shelters
        squash = np.cos(np.radians(schools["latitude"].mean()))
        x, y = schools["longitude"].to_numpy() * squash, schools["latitude"].to_numpy()
        low, high = schools["low"].to_numpy(), schools["high"].to_numpy()
        district = schools["district"].to_numpy()
        keys, items = [], []
        for s, row in enumerate(shelters.itertuples()):
            here = np.flatnonzero(district == row.district)
            here = here[
                np.argsort(
                    np.hypot(x[here] - row.longitude * squash, y[here] - row.latitude),
                    kind="stable",
                )
            ]
            for g in range(N_GRADES):
                best = here[(low[here] <= g) & (g <= high[here])][: cal.NEAREST_SCHOOLS]
                keys.append(np.full(len(best), s * N_GRADES + g))
                items.append(best)
        key, item = np.concatenate(keys), np.concatenate(items)
        return _Choice(key, item, np.ones(len(item)), len(shelters) * N_GRADES)

    def usual_key(self, district: np.ndarray, borough: np.ndarray, grade: np.ndarray) -> np.ndarray:
        """The key of the schools a student of ``district`` (home ``borough``) attends."""
        citywide = np.where(district == D75, self.D75_BOROUGH, self.D79_BOROUGH) + borough
        key = np.where(district < self.D75_BOROUGH, district, citywide) * N_GRADES + grade
        fallback = np.where(district == D75, self.D75_CITY, self.D79_CITY) * N_GRADES + grade
        return np.where(self.choice.count[key] > 0, key, fallback)

    def first_school(self, final: np.ndarray, grade: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Another school serving the grade: in the final school's district if it has
        another, else in its borough, else anywhere."""
        d, b = self.district[final], self.borough[final]
        geo = d < self.D75_BOROUGH
        tries = [
            self.usual_key(d, b, grade),
            np.where(geo, self.GEO_BOROUGH + b, np.where(d == D75, self.D75_CITY, self.D79_CITY))
            * N_GRADES
            + grade,
            self.GEO_CITY * N_GRADES + grade,
        ]
        key = tries[-1]
        for k in reversed(tries[:-1]):
            key = np.where(self.choice.count[k] >= 2, k, key)
        return self.choice.other(key, u, final)


class _Shelters:
    """Which shelter a student in shelter stays in: the home district's, or the
    borough's, by capacity."""

    def __init__(self, places: Places):
        shelters = places.shelters
        n_geo = len(DISTRICTS) - 2
        district = np.array([DISTRICTS.index(d) for d in shelters["district"]])
        borough = np.array([BOROUGHS.index(b) for b in shelters["borough"]])
        keys = np.concatenate([district, n_geo + borough])
        units = shelters["capacity_units"].to_numpy(float)
        self.n_geo = n_geo
        self.choice = _Choice(
            keys, np.tile(np.arange(len(shelters)), 2), np.tile(units, 2), n_geo + len(BOROUGHS)
        )

    def pick(self, home: np.ndarray, borough: np.ndarray, u: np.ndarray) -> np.ndarray:
        p = cal.SHELTER_OUTSIDE_DISTRICT
        own = (u >= p) & (self.choice.count[home] > 0)
        key = np.where(own, home, self.n_geo + borough)
        seat = np.where(own, (u - p) / (1 - p), np.where(u < p, u / p, (u - p) / (1 - p)))
        return self.choice.pick(key, np.clip(seat, 0, 1 - 1e-12))


def write_enrollment(
    path: Path,
    rng: np.random.Generator,
    panel: Panel,
    places: Places,
    years: list[str],
    ids: np.ndarray,
) -> int:
    """Write every spell of every student-year to ``path`` (Parquet); return the rows."""
    schools = _Schools(places)
    shelters = _Shelters(places)
    home_borough = np.array(
        [BOROUGHS.index(places.borough_of[DISTRICTS[d]]) for d in range(len(DISTRICTS) - 2)]
    )
    rows = 0
    with pq.ParquetWriter(path, SCHEMA, compression="zstd", compression_level=3) as writer:
        for t, label in enumerate(years):
            table = _year(rng, panel, places, schools, shelters, home_borough, ids, t, label)
            writer.write_table(table, row_group_size=table.num_rows)
            rows += table.num_rows
    return rows


def _year(
    rng: np.random.Generator,
    panel: Panel,
    places: Places,
    schools: _Schools,
    shelters: _Shelters,
    home_borough: np.ndarray,
    ids: np.ndarray,
    t: int,
    label: str,
) -> pa.Table:
    """The spells of school year ``t``, ordered by student id."""
    s = np.flatnonzero(panel.active[:, t])
    s = s[np.argsort(ids[s], kind="stable")]
    n = len(s)
    grade = panel.grade[s, t].astype(np.int64)
    status = panel.status[s, t]
    lunch = panel.lunch[s, t]
    group = group_of(status, lunch)
    home = panel.home[s].astype(np.int64)
    borough = home_borough[home]
    district = np.where(
        panel.special[s], D75, np.where(panel.alternative[s] & (grade >= G9), D79, home)
    )
    seat = panel.seat[s]

    # Where they slept and went to school.
    in_shelter = status == SHELTER
    shelter = np.full(n, -1)
    shelter[in_shelter] = shelters.pick(
        home[in_shelter], borough[in_shelter], panel.u_shelter[s[in_shelter]]
    )
    usual = schools.choice.pick(schools.usual_key(district, borough, grade), seat)
    near = in_shelter & (district < D75)
    final = usual.copy()
    final[near] = schools.near.pick(shelter[near] * N_GRADES + grade[near], seat[near])
    school_district = schools.district[final]

    # Mid-year moves: from the school before the shelter, or from another school.
    moved = transfers(rng, group, grade, school_district)
    first = np.full(n, -1)
    other = schools.first_school(final[moved], grade[moved], rng.random(int(moved.sum())))
    first[moved] = np.where(near[moved] & (usual[moved] != final[moved]), usual[moved], other)

    # Calendar: entry, move, exit, as school-day indices.
    days, count_day = school_days(int(label[:4]))
    late = panel.late[s, t]
    begin = np.where(late, rng.integers(count_day + 1, _LAST_LATE_ENTRY + 1, n), 0)
    leaves = panel.leaves[s, t]
    stay = (rng.random(n) * (_LAST_EXIT + 1 - _MIN_STAY - begin)).astype(np.int64)
    end = np.where(leaves, begin + _MIN_STAY + stay, cal.SCHOOL_DAYS - 1)
    # The first spell ends on a day that leaves the second, after the gap, 5 days or more.
    room = end - begin - _MAX_GAP - 5
    move = begin + 1 + (rng.random(n) * room).astype(np.int64)
    resume = np.where(moved, move + 1 + rng.integers(0, _MAX_GAP + 1, n), begin)
    days_first = np.where(moved, move - begin + 1, 0)
    days_last = end - resume + 1
    days_enrolled = days_first + days_last

    prior = (panel.status[s, :t] != HOUSED) & panel.active[s, :t]
    iep = panel.iep_grade[s]
    has_iep = (iep >= 0) & (iep <= grade)
    out = draw_outcomes(
        rng,
        group=group,
        district=school_district,
        grade=grade,
        days_enrolled=days_enrolled,
        last_days=days_last,
        formerly=(status == HOUSED) & prior.any(axis=1),
        habit=panel.habit[s],
        ability=panel.ability[s],
        has_iep=has_iep,
        u_ell=panel.u_ell[s],
    )
    # Absences split over the spells in proportion to the days each could be attended.
    can_last = days_last - out.days_suspended
    absent_first = rng.binomial(out.days_absent, days_first / np.maximum(days_first + can_last, 1))
    absent_first = np.clip(absent_first, out.days_absent - can_last, days_first)

    # The first spell's status: some students entered shelter or became homeless
    # during the year (the year's status is the one that ranks first).
    draw = rng.random(n)
    first_status = np.where(
        status == SHELTER,
        np.select(
            [draw < _FIRST_SPELL_SHELTER["DBL"], draw < sum(_FIRST_SPELL_SHELTER.values())],
            [DOUBLED_UP, HOUSED],
            SHELTER,
        ),
        np.where(draw < _FIRST_SPELL_HOUSED, HOUSED, status),
    ).astype(np.int8)

    # Rows: each student's first spell (if any), then the final one.
    count = 1 + moved
    at = np.repeat(np.arange(n), count)
    is_first = np.zeros(len(at), bool)
    is_first[(np.cumsum(count) - count)[moved]] = True

    def pick(first_values: np.ndarray, last_values: np.ndarray) -> np.ndarray:
        return np.where(is_first, first_values[at], last_values[at])

    enrolled = pick(days_first, days_last)
    absent = pick(absent_first, out.days_absent - absent_first)
    suspended_days = pick(np.zeros(n, np.int64), out.days_suspended)
    excused = rng.binomial(absent, out.excused_share[at])
    present = enrolled - absent - suspended_days
    partial = np.round(rng.uniform(0, 0.03, len(at)) * present * cal.HOURS_PER_DAY, 1)
    hours = cal.HOURS_PER_DAY
    spell_status = pick(first_status, status)
    in_shelter_spell = spell_status == SHELTER
    levels = {
        name: pa.array(values[at].astype(np.int64), mask=is_first | (values[at] == 0))
        for name, values in (("ela_level", out.ela_level), ("math_level", out.math_level))
    }
    codes = pa.array(cal.GRADE_CODES)
    columns = {
        "student_id": pc.cast(pa.array(ids[s][at]), pa.string()),
        "school_year": pc.take(pa.array([label]), pa.array(np.zeros(len(at), np.int32))),
        "school_id": _take(places.schools["school_id"], pick(first, final)),
        "entry_date": pa.array(days[pick(begin, resume)]),
        "exit_date": pa.array(days[pick(move, end)], pa.date32(), mask=~is_first & ~leaves[at]),
        "grade": pc.take(codes, pa.array(grade[at])),
        "housing_status": _take(STATUS_CODES, spell_status),
        "lunch_eligible": pa.array(lunch[at]),
        "days_enrolled": pa.array(enrolled.astype(np.int64)),
        "days_absent": pa.array(absent.astype(np.int64)),
        "days_absent_excused": pa.array(excused.astype(np.int64)),
        "days_absent_unexcused": pa.array((absent - excused).astype(np.int64)),
        "days_suspended": pa.array(suspended_days.astype(np.int64)),
        "hours_attended": pa.array(np.round(present * hours - partial, 1)),
        "hours_absent_excused": pa.array(np.round((excused + suspended_days) * hours, 1)),
        "hours_absent_unexcused": pa.array(np.round((absent - excused) * hours + partial, 1)),
        "late_entry": pa.array(pick(late, late & ~moved)),
        "suspended": pa.array(suspended_days > 0),
        "ell": pa.array(out.ell[at]),
        "iep_grade": _take(cal.GRADE_CODES, np.where(has_iep, iep, -1)[at]),
        **levels,
        "retained": pa.array(~is_first & panel.retained[s, t][at]),
        "race_ethnicity": _take(cal.RACES, panel.race[s][at]),
        "gender": _take(("M", "F"), panel.female[s][at].astype(np.int64)),
        "shelter_id": _take(
            places.shelters["shelter_id"], np.where(in_shelter_spell, shelter[at], -1)
        ),
    }
    return pa.table(columns, schema=SCHEMA)


def _take(values: pd.Series | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """``values[index]`` as Arrow text, null where ``index`` is -1."""
    missing = index < 0
    taken = pc.take(pa.array(list(values), pa.string()), pa.array(np.where(missing, 0, index)))
    return (
        pc.if_else(pa.array(missing), pa.nulls(len(index), pa.string()), taken)
        if missing.any()
        else taken
    )


def cohorts_frame(panel: Panel, years: list[str], ids: np.ndarray) -> pd.DataFrame:
    """Students who entered grade 9 in the first two years, with their four-year outcome
    (their enrollment follows it), ordered by cohort and student id."""
    who = np.flatnonzero(panel.cohort >= 0)
    who = who[np.lexsort((ids[who], panel.cohort[who]))]
    return pd.DataFrame(
        {
            "student_id": ids[who].astype(str),
            "cohort_year": np.array(years)[panel.cohort[who]],
            "outcome": np.array(cal.COHORT_OUTCOMES)[panel.outcome[who]],
        }
    )
