"""Attendance: chronic absence under the configured rule pack (``atlas.rules``), and
missing 40 or more days (the model atlas's measure of severe absence, the same under
every pack: days absent, suspension days not counted)."""

from __future__ import annotations

from atlas.indicators import Indicator
from atlas.rules import get_pack


def indicators(pack_name: str) -> list[Indicator]:
    pack = get_pack(pack_name)
    return [
        Indicator(pack.indicator, pack.population, pack.event, needs=pack.fields),
        Indicator(
            "absent_40_days",
            population=lambda sy: (sy.days_enrolled > 0) & (sy.grade != "PK"),
            event=lambda sy: sy.days_absent >= ABSENT_40_DAYS,
            needs=("days_enrolled", "days_absent"),
        ),
    ]


#: Days absent in the year that make "missing 40 or more days".
ABSENT_40_DAYS = 40
