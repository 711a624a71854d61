"""Attendance: every configured rule pack's measures (``atlas.rules``), and missing 40 or
more days (the model atlas's measure of severe absence, the same under every pack: days
absent, suspension days not counted).

Ohio's indicator counts a student in every school attended, not per student-year; it is
computed apart (:mod:`atlas.rules.units`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atlas.indicators import Indicator
from atlas.rules import Measure, get_pack


def _indicator(measure: Measure, params: Mapping[str, Any], needs: tuple[str, ...]) -> Indicator:
    return Indicator(
        measure.id,
        population=lambda sy: measure.population(sy, params),
        event=lambda sy: measure.event(sy, params),
        needs=("grade", *needs),
    )


def indicators(packs: Mapping[str, Mapping[str, Any]]) -> list[Indicator]:
    """The student-year measures of ``packs`` (name -> parameters), then absent 40 days."""
    out = []
    for name, params in packs.items():
        pack = get_pack(name)
        out += [_indicator(m, params, pack.fields) for m in pack.measures]
    out.append(
        Indicator(
            "absent_40_days",
            population=lambda sy: (sy.days_enrolled > 0) & (sy.grade != "PK"),
            event=lambda sy: sy.days_absent >= ABSENT_40_DAYS,
            needs=("days_enrolled", "days_absent"),
        )
    )
    return out


#: Days absent in the year that make "missing 40 or more days".
ABSENT_40_DAYS = 40
