"""Enrollment spells -> one row per student-year, with the housing groups it belongs to.

A student-year belongs to the student's last school of the year (the spell with the
latest exit date; an open spell is the latest), so that schools add up to districts and
districts to the city. Its housing status is the homeless status that comes first in
``[housing] priority`` among its spells, else housed. From the status history:

* homeless: homeless at any time in the year; its types by the status picked;
* housed: not homeless; low-income when eligible for free or reduced-price lunch on
  any spell (homeless students count as eligible);
* formerly homeless: housed in Y, homeless in any of Y-4 .. Y-1;
* ever homeless: homeless in any of Y-4 .. Y; always housed: in none of them.

The last three need the four prior years in the data; for earlier years they are
undefined, and those student-years belong to none of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from atlas.model import BAND_OF_GRADE, GRADES, HOMELESS_TYPES

HISTORY_YEARS = 4  # prior years that formerly / ever homeless look back on
#: The enrollment columns :func:`student_years` reads (the optional ones when present).
SPELL_COLUMNS = (
    "student_id",
    "school_year",
    "school_id",
    "entry_date",
    "exit_date",
    "grade",
    "housing_status",
    "lunch_eligible",
    "days_enrolled",
    "days_absent",
    "days_suspended",
    "ela_level",
    "math_level",
    "ell",
    "late_entry",
    "retained",
    "suspended",
    "race_ethnicity",
    "iep_grade",
)
_HOUSED_RANK = len(HOMELESS_TYPES)


def student_years(spells: ir.Table, *, years: Sequence[str], priority: Sequence[str]) -> ir.Table:
    """Collapse spells to student-years with status, band, last school and sums."""
    rank = ibis.cases(
        *[(spells.housing_status == status, i) for i, status in enumerate(priority)],
        else_=_HOUSED_RANK,
    )
    # Latest spell first: exit date (open = latest), then entry date, then school id.
    last_key = (
        spells.exit_date.fill_null(ibis.date(9999, 12, 31)).strftime("%Y%m%d")
        + spells.entry_date.strftime("%Y%m%d")
        + spells.school_id
    )
    spells = spells.mutate(_rank=rank, _last=last_key)
    optional = set(spells.columns)
    sums = {
        c: spells[c].sum()
        for c in ("days_enrolled", "days_absent", "days_suspended")
        if c in optional
    }
    maxima = {c: spells[c].max() for c in ("ela_level", "math_level") if c in optional}
    flags = {c: spells[c].any() for c in ("ell", "late_entry", "retained") if c in optional}
    if "suspended" in optional:
        # Suspension counts at the final school of the year.
        flags["suspended"] = spells.suspended.fill_null(False).argmax(spells._last)
    if "race_ethnicity" in optional:
        flags["race_ethnicity"] = spells.race_ethnicity.argmax(spells._last)
    if "iep_grade" in optional:
        # The earliest grade of first IEP any spell reports (null: no IEP).
        flags["iep_rank"] = ibis.cases(
            *[(spells.iep_grade == g, i) for i, g in enumerate(GRADES)]
        ).min()
    sy = spells.group_by(["student_id", "school_year"]).aggregate(
        school_id=spells.school_id.argmax(spells._last),
        grade=spells.grade.argmax(spells._last),
        n_schools=spells.school_id.nunique(),
        status_rank=spells._rank.min(),
        lunch_any=spells.lunch_eligible.any(),
        **sums,
        **maxima,
        **flags,
    )
    year_index = ibis.cases(*[(sy.school_year == y, i) for i, y in enumerate(years)])
    status = ibis.cases(*[(sy.status_rank == i, s) for i, s in enumerate(priority)], else_="housed")
    band = ibis.cases(*[(sy.grade == g, b) for g, b in BAND_OF_GRADE.items()])
    sy = sy.mutate(
        year_index=year_index,
        status=status,
        homeless=sy.status_rank < _HOUSED_RANK,
        grade_band=band,
    )
    return _with_history(sy)


def _with_history(sy: ir.Table) -> ir.Table:
    """Add prior_homeless (any of the four prior years), history_complete, and over the
    five years Y-4 .. Y: years_homeless (how many of them) and homeless_types (how many
    distinct types of homelessness, by the type picked in each year)."""
    # The latest earlier year in which the student was homeless, if any.
    before = ibis.window(group_by="student_id", order_by="year_index", rows=(None, -1))
    last_homeless = ibis.cases((sy.homeless, sy.year_index), else_=None).max().over(before)
    # The five years by value, not by rows: a year without a record is not homeless.
    five = ibis.window(group_by="student_id", order_by="year_index", range=(-HISTORY_YEARS, 0))
    years_homeless = sy.homeless.cast("int64").sum().over(five)
    types = [(sy.status == t).cast("int64").max().over(five) for t in HOMELESS_TYPES]
    sy = sy.mutate(
        _last_homeless=last_homeless,
        years_homeless=years_homeless,
        homeless_types=sum(types[1:], types[0]),
    )
    return sy.mutate(
        prior_homeless=(sy._last_homeless >= sy.year_index - HISTORY_YEARS).fill_null(False),
        history_complete=sy.year_index >= HISTORY_YEARS,
    ).drop("_last_homeless")


def group_predicates(sy: ir.Table) -> dict[str, ir.BooleanColumn]:
    """Membership of each row in each housing group, as boolean columns.

    Rows are student-years (:func:`student_years`) or cohort members
    (:func:`cohort_members`, whose ``homeless`` means homeless at some time in high
    school and which add ``ever_in_shelter`` / ``never_in_shelter``).
    """
    homeless = sy.homeless
    housed = ~homeless
    low_income = sy.lunch_any | homeless
    groups: dict[str, ir.BooleanColumn] = {
        "all": sy.school_id.notnull(),
        "homeless": homeless,
        "housed": housed,
        "housed_low_income": housed & low_income,
        "housed_not_low_income": housed & ~low_income,
    }
    if "ever_shelter" in sy.columns:
        groups["ever_in_shelter"] = homeless & sy.ever_shelter
        groups["never_in_shelter"] = homeless & ~sy.ever_shelter
        return groups
    complete = sy.history_complete
    ever = homeless | sy.prior_homeless
    groups |= {t: sy.status == t for t in HOMELESS_TYPES}
    groups |= {
        "formerly_homeless": complete & housed & sy.prior_homeless,
        "ever_homeless": complete & ever,
        "always_housed": complete & ~ever,
    }
    return groups


#: School years from entering grade 9 to the end of the fourth year.
HIGH_SCHOOL_YEARS = 4


def cohort_members(cohorts: ir.Table, sy: ir.Table, *, years: Sequence[str]) -> ir.Table:
    """One row per cohort member whose four years lie in the data: the outcome, the
    housing over those years, and the last school attended in them.

    The row takes the year the fourth year ends (``school_year``), as the long table
    dates a cohort outcome by the year it was reached.
    """
    start = ibis.cases(*[(cohorts.cohort_year == y, i) for i, y in enumerate(years)])
    members = cohorts.mutate(_start=start).filter(
        ibis._._start.notnull() & (ibis._._start + HIGH_SCHOOL_YEARS - 1 < len(years))
    )
    span = sy.join(members, "student_id").filter(
        (sy.year_index >= members._start) & (sy.year_index < members._start + HIGH_SCHOOL_YEARS)
    )
    outcome_year = _last_year(span._start, years, HIGH_SCHOOL_YEARS)
    return (
        span.group_by(["student_id", "outcome"])
        .aggregate(
            school_year=outcome_year.max(),
            school_id=span.school_id.argmax(span.year_index),
            homeless=span.homeless.any(),
            ever_shelter=(span.status == "shelter").any(),
            lunch_any=span.lunch_any.any(),
        )
        .mutate(grade=ibis.literal("12"), grade_band=ibis.literal("high"))
    )


#: School years a kindergarten cohort is followed: kindergarten and the four after it.
KINDERGARTEN_YEARS = HISTORY_YEARS + 1


def kindergarten_cohort(sy: ir.Table, *, years: Sequence[str]) -> ir.Table:
    """One row per student of a kindergarten cohort followed five years: the earliest
    grade of first IEP reported in them, the housing over them, and the last school.

    The cohort of year Y0 is the students whose first year in kindergarten in the data
    is Y0, when Y0 .. Y0+4 are all in the data; the row takes the year Y0+4 (when a
    student promoted each year finishes grade 4), as the long table dates an outcome by
    the year it was reached. A student missing from some of the years is followed in
    the years present.
    """
    kinder = sy.filter(sy.grade == "K")
    first = kinder.group_by("student_id").aggregate(_start=kinder.year_index.min())
    first = first.filter(first._start + KINDERGARTEN_YEARS - 1 < len(years))
    span = sy.join(first, "student_id").filter(
        (sy.year_index >= first._start) & (sy.year_index < first._start + KINDERGARTEN_YEARS)
    )
    reached = _last_year(span._start, years, KINDERGARTEN_YEARS)
    return (
        span.group_by("student_id")
        .aggregate(
            school_year=reached.max(),
            school_id=span.school_id.argmax(span.year_index),
            homeless=span.homeless.any(),
            ever_shelter=(span.status == "shelter").any(),
            lunch_any=span.lunch_any.any(),
            iep_rank=span.iep_rank.min(),
        )
        .mutate(grade=ibis.literal("K"), grade_band=ibis.literal("elementary"))
    )


def _last_year(start: ir.IntegerColumn, years: Sequence[str], span: int) -> ir.StringColumn:
    """The school year in which a cohort followed ``span`` years from the year at index
    ``start`` ends."""
    return ibis.cases(*[(start == i, years[i + span - 1]) for i in range(len(years) - span + 1)])
