"""Pennsylvania, Regular Attendance (Future Ready PA Index).

A student counts only when enrolled 90 or more school days. Chronically absent when
absent MORE THAN 10% of enrolled days, where excused, unexcused and out-of-school
suspension days all count as absence; Regular Attendance is the share present 90% or
more of enrolled days. Rates are reported for a school or student group of 20 or more
(the authority's floor, applied on top of our privacy rules). Performance bands on
Regular Attendance: Exceeds (blue) 94.1% or higher; Meets (green) 80.9% to 94.0%; Does
Not Meet (red) 80.8% or below. A year-over-year mark: up when the rate rose, same
(circle) when it held, down when it fell. Bands and marks use the rate rounded to one
decimal, the precision in which the authority states its ranges.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from atlas.rules import Measure, Pack, missed_days, share_above, share_at_least


def counted(sy: Any, p: Any) -> Any:
    """K-12 student-years enrolled at least the minimum days (90)."""
    days = p["min_days_enrolled"]
    return (sy.grade != "PK") & (sy.days_enrolled * days.denominator >= days.numerator)


def rounded_tenths(numerator: int, denominator: int) -> Fraction:
    """The rate in percent rounded half up to one decimal, exactly (80.85 -> 80.9)."""
    tenths = (2000 * int(numerator) + int(denominator)) // (2 * int(denominator))
    return Fraction(tenths, 10)


def band(rate: Fraction, p: Any) -> str:
    """The performance band of a Regular Attendance rate already rounded to one decimal."""
    if rate >= p["exceeds_from_percent"]:
        return "blue"
    if rate >= p["meets_from_percent"]:
        return "green"
    return "red"


def mark(rate: Fraction, prior: Fraction) -> str:
    """The year-over-year mark of two rates rounded to one decimal."""
    return "up" if rate > prior else "down" if rate < prior else "same"


PACK = Pack(
    name="pennsylvania",
    title="Pennsylvania: Regular Attendance",
    agency="Pennsylvania Department of Education",
    document="Future Ready PA Index, Regular Attendance and chronic absenteeism",
    years="2018-19 onward",
    rule="Counted when enrolled 90 or more school days. Chronically absent when absent "
    "more than 10% of enrolled days (excused, unexcused and out-of-school suspension all "
    "count). Regular Attendance: present 90% or more of enrolled days. Rates reported "
    "for 20 or more students. Bands on Regular Attendance, rounded to one decimal: "
    "Exceeds (blue) 94.1% or higher, Meets (green) 80.9% to 94.0%, Does Not Meet (red) "
    "80.8% or below; a mark up, same or down against the year before.",
    fields=("days_enrolled", "days_absent", "days_suspended"),
    defaults={
        "min_days_enrolled": Fraction(90),
        "chronic_above_percent": Fraction(10),
        "regular_from_percent": Fraction(90),
        "exceeds_from_percent": Fraction("94.1"),
        "meets_from_percent": Fraction("80.9"),
        "min_students": Fraction(20),
    },
    headline="chronic_absence_pennsylvania",
    measures=(
        Measure(
            "chronic_absence_pennsylvania",
            population=counted,
            event=lambda sy, p: share_above(
                missed_days(sy), sy.days_enrolled, p["chronic_above_percent"]
            ),
        ),
        Measure(
            "regular_attendance_pennsylvania",
            population=counted,
            event=lambda sy, p: share_at_least(
                sy.days_enrolled - missed_days(sy), sy.days_enrolled, p["regular_from_percent"]
            ),
        ),
    ),
    derived=("band_pennsylvania", "mark_pennsylvania"),
)
