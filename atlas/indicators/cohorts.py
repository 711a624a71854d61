"""Cohort outcomes: four-year graduation and dropout of ninth-grade cohorts.

These run on cohort members (:func:`atlas.groups.cohort_members`), not on student-years:
one row per student of a cohort whose four high-school years are all in the data,
placed at the last school attended in those years and dated by the year the fourth
ends. Housing groups describe the four years: homeless at any time in them, and among
those, ever or never in shelter.
"""

from __future__ import annotations

from atlas.indicators import Indicator

INDICATORS = [
    Indicator(
        "graduation_4yr",
        population=lambda m: m.outcome.notnull(),
        event=lambda m: m.outcome == "graduated",
        needs=("outcome",),
    ),
    Indicator(
        "dropout_4yr",
        population=lambda m: m.outcome.notnull(),
        event=lambda m: m.outcome == "dropped_out",
        needs=("outcome",),
    ),
]
