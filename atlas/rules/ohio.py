"""Ohio, Chronic Absenteeism Improvement Indicator: hours-based, FTE-weighted.

A student is included where enrolled with at least 100 hours of possible attendance
(attended + excused + unexcused hours); a student with all three at zero is dropped.
Chronically absent when absent (excused + unexcused) at least 10% of possible hours.
The rate is weighted by FTE: each student counts as the fraction of the full year's
hours for which they were enrolled; a student enrolled in several schools in a year
counts, with partial FTE, in each where the 100 hours are met (and so in each district
and other geography, summing the hours spent in its schools).

A school or district MEETS the indicator when either (a) its rate is at or below that
year's state goal, or (b) it improved on its prior-year rate: by at least 1.1
percentage points when that baseline is 36.7% or higher, otherwise by at least a 3%
relative reduction. Ohio compares exact, unrounded rates; only the published figure is
rounded. In years the goals table does not cover, the goal pathway is not applicable
and the improvement pathway still applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from atlas.rules import Pack, share_at_least

#: The state goals by school year (percent chronically absent), 2020-21 baseline to 2030-31.
GOALS: dict[str, Fraction] = {
    f"{2020 + i}-{(21 + i) % 100:02d}": Fraction(240 - 19 * i, 10) for i in range(11)
}

HOURS_COLUMNS = ("hours_attended", "hours_absent_excused", "hours_absent_unexcused")


def included(possible: Any, p: Mapping[str, Any]) -> Any:
    """At least the minimum hours of possible attendance (``possible`` in hundredths)."""
    hours = p["min_hours"]
    return possible * hours.denominator >= hours.numerator * 100


def chronic(absent: Any, possible: Any, p: Mapping[str, Any]) -> Any:
    """Absent at least the share of possible hours (both in the same unit)."""
    return share_at_least(absent, possible, p["share_percent"])


def target(prior: Fraction, p: Mapping[str, Any]) -> Fraction:
    """The highest rate that meets the improvement pathway after ``prior`` (percent)."""
    if prior >= p["large_baseline_percent"]:
        return prior - p["improvement_points"]
    return prior * (1 - p["improvement_relative_percent"] / 100)


def met(rate: Fraction, prior: Fraction | None, year: str, p: Mapping[str, Any]) -> str | None:
    """``met_goal``, ``met_improvement`` or ``not_met``; None when neither pathway applies
    (no goal for the year and no prior-year rate). Exact rates in percent."""
    goal = p["goals"].get(year)
    if goal is not None and rate <= goal:
        return "met_goal"
    if prior is not None and rate <= target(prior, p):
        return "met_improvement"
    if goal is None and prior is None:
        return None
    return "not_met"


def full_year_hours(grade: str, p: Mapping[str, Any]) -> Fraction:
    """The full year's hours for a grade (the FTE's denominator)."""
    hours = p["full_year_hours"]
    return hours.get(grade, hours["default"])


PACK = Pack(
    name="ohio",
    title="Ohio: Chronic Absenteeism Improvement Indicator",
    agency="Ohio Department of Education and Workforce",
    document="Ohio School Report Cards, Chronic Absenteeism Improvement Indicator "
    "(ESSA state plan goals, 2020-21 baseline to 2030-31)",
    years="2020-21 onward",
    rule="Hours-based. Included where enrolled with at least 100 hours of possible "
    "attendance (attended, excused and unexcused hours); chronically absent when absent "
    "(excused and unexcused) at least 10% of possible hours. The rate is weighted by "
    "FTE, the fraction of the full year's hours enrolled; a student in several schools "
    "counts, with partial FTE, in each where the 100 hours are met. Met when the rate is "
    "at or below the year's state goal (24% in 2020-21, falling by 1.9 points a year to "
    "5.0% in 2030-31), or when it improved on the year before by at least 1.1 points "
    "(from a baseline of 36.7% or more) or by at least 3% of the baseline (below 36.7%). "
    "Exact, unrounded rates are compared.",
    fields=HOURS_COLUMNS,
    defaults={
        "min_hours": Fraction(100),
        "share_percent": Fraction(10),
        # Ohio's minimum school year (Ohio Revised Code 3313.48): 910 hours in
        # grades K-6, 1,001 in grades 7-12.
        "full_year_hours": {
            **{g: Fraction(910) for g in ("K", "1", "2", "3", "4", "5", "6")},
            "default": Fraction(1001),
        },
        "goals": GOALS,
        "large_baseline_percent": Fraction("36.7"),
        "improvement_points": Fraction("1.1"),
        "improvement_relative_percent": Fraction(3),
    },
    headline="chronic_absence_ohio",
    per_unit=("chronic_absence_ohio",),
    derived=("goal_ohio", "target_ohio", "met_ohio"),
)
