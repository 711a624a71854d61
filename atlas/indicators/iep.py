"""Late IEP: among the students of a kindergarten cohort who have an IEP (an
individualized education program) by the fifth year, the share whose first IEP came
after kindergarten.

This runs on kindergarten cohort members (:func:`atlas.groups.kindergarten_cohort`), not
on student-years: one row per student of a cohort whose five years (kindergarten and the
four after it) are all in the data, at the last school attended in them, dated by the
fifth year. Housing groups describe the five years: homeless at any time in them, else
housed, low-income when eligible for lunch in any of them.
"""

from __future__ import annotations

from atlas.indicators import Indicator
from atlas.model import GRADES

KINDERGARTEN = GRADES.index("K")

INDICATORS = [
    Indicator(
        "late_iep",
        population=lambda m: m.iep_rank.notnull(),
        event=lambda m: m.iep_rank > KINDERGARTEN,
        needs=("iep_rank",),
    )
]
