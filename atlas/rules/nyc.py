"""New York City (the model atlas): absent 20 or more days in the school year.

Source: NYC Department of Education, chronic absenteeism as used in *On the Map*
(ICPH, 2015-2018 editions). Days of out-of-school suspension are not absences.
Counted: every student-year in grades K-12 with at least one day enrolled.
"""

from __future__ import annotations

from fractions import Fraction

from atlas.rules import Measure, Pack, k12

PACK = Pack(
    name="nyc",
    title="New York City: 20 or more days absent",
    agency="New York City Department of Education; Institute for Children, Poverty, and "
    "Homelessness",
    document="On the Map: The Atlas of Student Homelessness in New York City",
    years="2015 to 2018 editions",
    rule="Chronically absent when absent 20 or more days in the school year. Days of "
    "out-of-school suspension are not absences. Counted: students in K-12 with at least "
    "one day enrolled.",
    fields=("days_enrolled", "days_absent"),
    defaults={"threshold_days": Fraction(20)},
    headline="chronic_absence_nyc",
    measures=(
        Measure(
            "chronic_absence_nyc",
            population=lambda sy, p: k12(sy),
            event=lambda sy, p: (
                sy.days_absent * p["threshold_days"].denominator >= p["threshold_days"].numerator
            ),
        ),
    ),
)
