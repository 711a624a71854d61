"""The New York City rule (the model atlas): absent 20 or more days in the school year.

Source: NYC Department of Education, chronic absenteeism as used in *On the Map* (ICPH,
2015-2018 editions). Days of out-of-school suspension are not absences. Counted: every
student-year in grades K-12 with at least one day enrolled.
"""

from __future__ import annotations

from atlas.rules import AttendanceRule

THRESHOLD_DAYS = 20

RULE = AttendanceRule(
    name="nyc",
    indicator="chronic_absence_nyc",
    source="NYC Department of Education; ICPH, On the Map (2015-2018 editions)",
    fields=("days_enrolled", "days_absent"),
    population=lambda sy: (sy.days_enrolled > 0) & (sy.grade != "PK"),
    event=lambda sy: sy.days_absent >= THRESHOLD_DAYS,
    parameters={"threshold_days": THRESHOLD_DAYS},
)
