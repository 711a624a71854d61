"""Students, places and outcomes -> the extract, as an agency would send it: one row
per student, school year and enrollment spell, and one row per high-school cohort
member.

A student who changes school mid-year gets two spells: the first at another school of
the same level, ending the day before the second begins. Days, absences and hours are
split between the spells; test results sit on the spell at the end of the year.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from atlas.demo import calibration as cal
from atlas.demo.outcomes import GROUP_KEYS, draw_outcomes, group_index
from atlas.demo.places import Places
from atlas.demo.students import (
    DISTRICTS,
    SHELTER,
    STATUS_CODES,
    Panel,
    band_of,
)
from atlas.model import GRADES

_FIRST_DAY = (9, 8)  # school starts on September 8


def school_years(first_year: str) -> list[str]:
    start = int(first_year[:4])
    return [f"{s}-{(s + 1) % 100:02d}" for s in range(start, start + cal.YEARS)]


def enrollment_table(
    rng: np.random.Generator, panel: Panel, places: Places, years: list[str], ids: pa.Array
) -> pa.Table:
    """Every spell of every student-year, as the ``enrollment`` contract asks; ``ids``
    holds each student's scrambled id."""
    student, year = np.nonzero(panel.active)
    order = np.lexsort((student, year))
    student, year = student[order], year[order]
    n = len(student)
    grade = panel.grade[student, year]
    status = panel.status[student, year]
    district = panel.district[student]
    lunch = panel.lunch[student] | (status != 0)
    group = group_index(status, lunch)
    ever_before = np.cumsum(panel.homeless, axis=1) - panel.homeless
    formerly = ever_before[student, year] > 0
    late = panel.late_entry[student, year]

    # Days enrolled: a late entrant starts between November 2 and the end of January.
    start_offset = np.where(late, rng.integers(55, 145, n), 0)
    days_enrolled = np.maximum(cal.SCHOOL_DAYS - (start_offset * 5) // 7, 1)
    u = len(panel.district)
    ability = rng.standard_normal(u)
    has_iep = rng.random(u) < cal.IEP
    late_iep = rng.random(u) < np.where(panel.high_risk, *_iep_late())
    iep = np.where(late_iep, rng.integers(2, 7, u), rng.integers(0, 2, u))
    iep = np.where(has_iep, iep, 99)
    out = draw_outcomes(
        rng,
        group=group,
        district=district,
        grade=grade,
        days_enrolled=days_enrolled,
        formerly=formerly,
        ability=ability[student],
        iep_grade=iep[student],
    )

    final_school = _pick_school(rng, places, district, grade, student)
    shelter = _pick_shelter(rng, places, district, status)
    transfer_p = np.array([cal.TRANSFER[k] for k in GROUP_KEYS])[group]
    elementary_shelter = (status == SHELTER) & (band_of(grade) == 0)
    transfer_p[elementary_shelter] = cal.TRANSFER_SHELTER_ELEMENTARY
    moved = rng.random(n) < transfer_p
    first_school = _other_school(rng, places, grade[moved], final_school[moved])

    starts = np.array(
        [np.datetime64(dt.date(int(y[:4]), *_FIRST_DAY)) for y in years], "datetime64[D]"
    )
    entry = starts[year] + start_offset.astype("timedelta64[D]")
    # A move falls 5% to 85% of the way through the student's days.
    share_first = rng.uniform(0.05, 0.85, int(moved.sum()))
    days_first = np.maximum((days_enrolled[moved] * share_first).astype(np.int64), 1)
    move_date = entry[moved] + (days_first * 7 // 5 + 1).astype("timedelta64[D]")

    years_arr = pa.array(years)
    race = np.where(
        panel.high_risk,
        rng.choice(len(cal.RACES), size=u, p=cal.RACE_HIGH_RISK),
        rng.choice(len(cal.RACES), size=u, p=cal.RACE_OTHER),
    )
    gender = (rng.random(u) < 0.51).astype(np.int8)

    def split(values: np.ndarray, first_part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first spell, second spell) of ``values`` for the movers."""
        second = values.copy()
        second[moved] = values[moved] - first_part
        return first_part, second

    share_days = days_first / days_enrolled[moved]
    absent_1 = rng.binomial(out.days_absent[moved], share_days)
    # Of the first spell's absences, as many excused as a draw without replacement gives.
    excused_1 = _hypergeometric(rng, out.days_excused[moved], out.days_absent[moved], absent_1)
    susp_1 = rng.binomial(out.days_suspended[moved], share_days)
    days_1, days_2 = split(days_enrolled, days_first)
    abs_1, abs_2 = split(out.days_absent, absent_1)
    exc_1, exc_2 = split(out.days_excused, excused_1)
    sus_1, sus_2 = split(out.days_suspended, susp_1)
    entry_2 = entry.copy()
    entry_2[moved] = move_date

    def columns(rows: np.ndarray | slice, **spell: object) -> dict[str, pa.Array]:
        s = student[rows]
        lvl = {k: getattr(out, k)[rows] for k in ("ela_level", "math_level")}
        enrolled = spell["days_enrolled"]
        absent = spell["days_absent"]
        excused = spell["days_excused"]
        suspended_days = spell["days_suspended"]
        assert isinstance(enrolled, np.ndarray) and isinstance(absent, np.ndarray)
        assert isinstance(excused, np.ndarray) and isinstance(suspended_days, np.ndarray)
        present = np.maximum(enrolled - absent - suspended_days, 0)
        partial = np.round(rng.uniform(0, 0.03, len(present)) * present * cal.HOURS_PER_DAY, 1)
        return {
            "student_id": pc.take(ids, pa.array(s)),
            "school_year": pc.take(years_arr, pa.array(year[rows])),
            "school_id": pc.take(pa.array(places.schools["school_id"]), pa.array(spell["school"])),
            "entry_date": pa.array(spell["entry"]),
            "exit_date": pa.array(spell["exit"], pa.date32()),
            "grade": pc.take(pa.array(GRADES), pa.array(grade[rows])),
            "housing_status": pc.take(pa.array(STATUS_CODES), pa.array(status[rows])),
            "lunch_eligible": pa.array(lunch[rows]),
            "days_enrolled": pa.array(enrolled),
            "days_absent": pa.array(absent),
            "days_absent_excused": pa.array(excused),
            "days_absent_unexcused": pa.array(absent - excused),
            "days_suspended": pa.array(suspended_days),
            "hours_attended": pa.array(np.round(present * cal.HOURS_PER_DAY - partial, 1)),
            "hours_absent_excused": pa.array(excused * cal.HOURS_PER_DAY),
            "hours_absent_unexcused": pa.array((absent - excused) * cal.HOURS_PER_DAY + partial),
            "late_entry": pa.array(spell["late"]),
            "suspended": pa.array(spell["suspended"]),
            "ell": pa.array(out.ell[rows]),
            "iep_grade": _take_or_null(GRADES, out.iep_grade[rows]),
            "ela_level": _level(lvl["ela_level"] if spell["tests"] else None, len(present)),
            "math_level": _level(lvl["math_level"] if spell["tests"] else None, len(present)),
            "retained": pa.array(panel.retained[s, year[rows]]),
            "race_ethnicity": pc.take(pa.array(cal.RACES), pa.array(race[s])),
            "gender": pc.take(pa.array(["F", "M"]), pa.array(gender[s])),
            "shelter_id": _take_or_null(list(places.shelters["shelter_id"]), shelter[rows]),
        }

    final = columns(
        slice(None),
        school=final_school,
        entry=np.where(moved, entry_2, entry),
        exit=np.full(n, None),
        days_enrolled=days_2,
        days_absent=abs_2,
        days_excused=exc_2,
        days_suspended=sus_2,
        late=late & ~moved,
        suspended=out.suspended,
        tests=True,
    )
    first = columns(
        moved,
        school=first_school,
        entry=entry[moved],
        exit=move_date - np.timedelta64(1, "D"),
        days_enrolled=days_1,
        days_absent=abs_1,
        days_excused=exc_1,
        days_suspended=sus_1,
        late=late[moved],
        suspended=sus_1 > 0,
        tests=False,
    )
    table = pa.concat_tables([pa.table(first), pa.table(final)])
    key = pa.table({"y": table["school_year"], "s": table["student_id"], "e": table["entry_date"]})
    return table.take(
        pc.sort_indices(key, [("y", "ascending"), ("s", "ascending"), ("e", "ascending")])
    )


def _iep_late() -> tuple[float, float]:
    return cal.IEP_LATE["homeless"], cal.IEP_LATE["housed"]


def _take_or_null(values: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    ok = (index >= 0) & (index < len(values))
    return pc.take(pa.array(values), pa.array(np.where(ok, index, 0), mask=~ok))


def _level(levels: np.ndarray | None, n: int) -> pa.Array:
    if levels is None:
        return pa.nulls(n, pa.int64())
    return pa.array(levels.astype(np.int64), mask=levels == 0)


def _hypergeometric(
    rng: np.random.Generator, good: np.ndarray, total: np.ndarray, sample: np.ndarray
) -> np.ndarray:
    """Good items among ``sample`` drawn without replacement from ``total`` (0 if none)."""
    out = np.zeros(len(total), np.int64)
    some = sample > 0
    out[some] = rng.hypergeometric(good[some], total[some] - good[some], sample[some])
    return out


def student_ids(rng: np.random.Generator, u: int) -> pa.Array:
    """Scrambled ids: distinct random 9-digit numbers, as text."""
    numbers = rng.choice(900_000_000, size=u, replace=False) + 100_000_000
    return pc.cast(pa.array(numbers), pa.string())


def _pick_school(
    rng: np.random.Generator,
    places: Places,
    district: np.ndarray,
    grade: np.ndarray,
    student: np.ndarray,
) -> np.ndarray:
    """The school of each student-year: in the student's district, serving the grade,
    the same one while the student stays at that level."""
    schools = places.schools
    band_names = np.array(["elementary", "middle", "high"])
    school_band = schools["band"].to_numpy()
    school_district = schools["district"].to_numpy()
    wanted_band = band_names[band_of(grade)]
    names = np.array(DISTRICTS)[district]
    key = np.char.add(np.char.add(names.astype(str), "/"), wanted_band.astype(str))
    key = np.where(names == "75", "75/all", key)
    school_key = np.char.add(np.char.add(school_district.astype(str), "/"), school_band.astype(str))
    order = np.argsort(school_key, kind="stable")
    sorted_keys = school_key[order]
    lo = np.searchsorted(sorted_keys, key, side="left")
    hi = np.searchsorted(sorted_keys, key, side="right")
    if np.any(hi == lo):
        raise RuntimeError("the demo has a district without a school for some grade")
    seat = rng.random(int(student.max()) + 1)[student]
    return order[lo + (seat * (hi - lo)).astype(np.int64)]


def _other_school(
    rng: np.random.Generator, places: Places, grade: np.ndarray, final: np.ndarray
) -> np.ndarray:
    """A first school for movers: any school of the same level, not the final one."""
    band = places.schools["band"].to_numpy()
    out = final.copy()
    for b, name in enumerate(("elementary", "middle", "high")):
        pool = np.flatnonzero(band == name)
        rows = band_of(grade) == b
        pick = pool[rng.integers(0, len(pool), int(rows.sum()))]
        same = pick == final[rows]
        pick[same] = pool[(np.searchsorted(pool, pick[same]) + 1) % len(pool)]
        out[rows] = pick
    return out


def _pick_shelter(
    rng: np.random.Generator, places: Places, district: np.ndarray, status: np.ndarray
) -> np.ndarray:
    """A shelter for each student-year in shelter (weighted by units), in the student's
    district, or anywhere for citywide districts; -1 for everyone else."""
    shelters = places.shelters
    out = np.full(len(status), -1, np.int64)
    names = np.array(DISTRICTS)[district]
    units = shelters["capacity_units"].to_numpy(float)
    in_shelter = status == SHELTER
    for d in np.unique(names[in_shelter]):
        rows = in_shelter & (names == d)
        pool = np.flatnonzero(shelters["district"].to_numpy() == d)
        if len(pool) == 0:
            pool = np.arange(len(shelters))
        out[rows] = rng.choice(pool, size=int(rows.sum()), p=units[pool] / units[pool].sum())
    return out


def cohorts_table(
    rng: np.random.Generator, panel: Panel, years: list[str], ids: pa.Array
) -> pd.DataFrame:
    """Students who entered grade 9 in the first two years, with four-year outcomes."""
    g9 = GRADES.index("9")
    rows = []
    ever_shelter: np.ndarray = (panel.status == SHELTER).any(axis=1)
    ever_homeless = np.asarray(panel.homeless.any(axis=1))
    for y in (0, 1):
        entered = panel.active[:, y] & (panel.grade[:, y] == g9)
        if y > 0:
            entered &= ~(panel.active[:, y - 1] & (panel.grade[:, y - 1] == g9))
        rows.append(pd.DataFrame({"student": np.flatnonzero(entered), "year": y}))
    cohort = pd.concat(rows, ignore_index=True)
    s = cohort["student"].to_numpy()
    kinds = np.array(list(cal.COHORT))  # ever in shelter, homeless, low-income, not
    kind = kinds[np.select([ever_shelter[s], ever_homeless[s], panel.lunch[s]], [0, 1, 2], 3)]
    grad = np.array([cal.COHORT[k][0] for k in kind])
    drop = np.array([cal.COHORT[k][1] for k in kind])
    draw = rng.random(len(s))
    outcome = np.where(
        draw < grad,
        "graduated",
        np.where(
            draw < grad + drop,
            "dropped_out",
            np.where(rng.random(len(s)) < 0.6, "still_enrolled", "left_system"),
        ),
    )
    return pd.DataFrame(
        {
            "student_id": pc.take(ids, pa.array(s)).to_pylist(),
            "cohort_year": np.array(years)[cohort["year"].to_numpy()],
            "outcome": outcome,
        }
    )
