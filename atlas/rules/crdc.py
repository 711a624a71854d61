"""Federal Civil Rights Data Collection (CRDC): absent 15 or more school days.

Source: U.S. Department of Education, Office for Civil Rights, CRDC, "chronically
absent" (collected since 2013-14; 2015-16 onward as here): absent 15 or more school
days during the year for any reason, excused or unexcused, suspension included.
"""

from __future__ import annotations

from fractions import Fraction

from atlas.rules import Measure, Pack, k12, missed_days

PACK = Pack(
    name="crdc",
    title="Federal civil rights data: 15 or more days missed",
    agency="U.S. Department of Education, Office for Civil Rights",
    document="Civil Rights Data Collection, chronic student absenteeism",
    years="2013-14 onward",
    rule="Chronically absent when absent 15 or more school days in the year for any "
    "reason, excused or unexcused, out-of-school suspension included. Counted: students "
    "in K-12 with at least one day enrolled.",
    fields=("days_enrolled", "days_absent", "days_suspended"),
    defaults={"threshold_days": Fraction(15)},
    headline="chronic_absence_crdc",
    measures=(
        Measure(
            "chronic_absence_crdc",
            population=lambda sy, p: k12(sy),
            event=lambda sy, p: (
                missed_days(sy) * p["threshold_days"].denominator >= p["threshold_days"].numerator
            ),
        ),
    ),
)
