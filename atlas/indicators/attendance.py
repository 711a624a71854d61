"""Attendance: chronic absence under the configured rule pack (``atlas.rules``)."""

from __future__ import annotations

from atlas.indicators import Indicator
from atlas.rules import get_pack


def indicators(pack_name: str) -> list[Indicator]:
    pack = get_pack(pack_name)
    return [Indicator(pack.indicator, pack.population, pack.event, needs=pack.fields)]
