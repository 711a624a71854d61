"""Ten percent: the convention of most states and of Attendance Works.

Chronically absent when the days missed for any reason, out-of-school suspension
included, are at least 10% of the days enrolled. Counted: K-12, at least one day
enrolled.
"""

from __future__ import annotations

from fractions import Fraction

from atlas.rules import Measure, Pack, k12, missed_days, share_at_least

PACK = Pack(
    name="ten_percent",
    title="Ten percent of days missed",
    agency="Attendance Works; most state education agencies (ESSA school quality indicator)",
    document="Attendance Works, chronic absence defined as missing 10% of the school year "
    "for any reason",
    years="in use since about 2008; in most states' ESSA plans since 2017-18",
    rule="Chronically absent when the days missed for any reason (excused, unexcused and "
    "out-of-school suspension) are at least 10% of the days enrolled. Counted: students "
    "in K-12 with at least one day enrolled.",
    fields=("days_enrolled", "days_absent", "days_suspended"),
    defaults={"share_percent": Fraction(10)},
    headline="chronic_absence_ten_percent",
    measures=(
        Measure(
            "chronic_absence_ten_percent",
            population=lambda sy, p: k12(sy),
            event=lambda sy, p: share_at_least(
                missed_days(sy), sy.days_enrolled, p["share_percent"]
            ),
        ),
    ),
)
