"""School outcomes of the model atlas beyond attendance and tests: late enrollment,
suspension, grade retention and English language learners; and who the students are
(race and ethnicity, as reported, and grade, by housing group: each grade as a share of
the students of its grade band, so that the grades of a band add up to the band).

Each reads one flag of the student-year (see :mod:`atlas.groups`): ``late_entry``,
``ell`` and ``retained`` are true when any of the year's spells says so; ``suspended``
is read at the final school of the year, where the student-year belongs.
"""

from __future__ import annotations

from typing import Any

from atlas.indicators import Indicator
from atlas.model import BAND_GRADES, RACES


def _k12(sy: Any) -> Any:
    return sy.grade != "PK"


def _race(race: str) -> Indicator:
    return Indicator(
        f"race_{race}",
        population=lambda sy: sy.race_ethnicity.notnull(),
        event=lambda sy: sy.race_ethnicity == race,
        needs=("race_ethnicity",),
    )


def _grade(grade: str) -> Indicator:
    return Indicator(
        f"grade_{grade.lower()}",
        population=lambda sy: sy.grade.notnull(),
        event=lambda sy: sy.grade == grade,
    )


INDICATORS = [
    Indicator(
        "late_entry",
        population=lambda sy: sy.student_id.notnull(),
        event=lambda sy: sy.late_entry.fill_null(False),
        needs=("late_entry",),
    ),
    Indicator(
        "suspension",
        population=_k12,
        event=lambda sy: sy.suspended.fill_null(False),
        needs=("suspended",),
    ),
    Indicator(
        "retention",
        population=_k12,
        event=lambda sy: sy.retained.fill_null(False),
        needs=("retained",),
    ),
    Indicator(
        "english_learner",
        population=lambda sy: sy.student_id.notnull(),
        event=lambda sy: sy.ell.fill_null(False),
        needs=("ell",),
    ),
    *[_race(race) for race in RACES],
    *[_grade(grade) for grade in BAND_GRADES],
]
