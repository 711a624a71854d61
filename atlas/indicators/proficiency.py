"""Proficiency: level 3 or 4 on the state ELA and math tests, among tested grades 3-8."""

from __future__ import annotations

from atlas.indicators import Indicator

TESTED_GRADES = ("3", "4", "5", "6", "7", "8")
PROFICIENT_LEVEL = 3


def _subject(indicator: str, column: str) -> Indicator:
    return Indicator(
        indicator,
        population=lambda sy: sy.grade.isin(TESTED_GRADES) & sy[column].notnull(),
        event=lambda sy: sy[column] >= PROFICIENT_LEVEL,
        needs=(column,),
    )


INDICATORS = [
    _subject("ela_proficiency", "ela_level"),
    _subject("math_proficiency", "math_level"),
]
