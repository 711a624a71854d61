"""Homelessness over five years, among students homeless at some time in Y-4 .. Y: how
many of the five years they were homeless (1 to 5), and through how many types of
homelessness they went (1 to 4, by the type picked in each homeless year; see
:mod:`atlas.groups`).

Each is a distribution: one rate per value, all on the same population (students with
the four prior years in the data who were homeless in at least one of the five), whose
numerators add up to it. Years without the four prior years have no rows.
"""

from __future__ import annotations

from typing import Any

from atlas.groups import HISTORY_YEARS
from atlas.indicators import Indicator
from atlas.model import HOMELESS_TYPES


def _ever_homeless(sy: Any) -> Any:
    return sy.history_complete & (sy.years_homeless > 0)


def _bucket(prefix: str, column: str, value: int) -> Indicator:
    return Indicator(
        f"{prefix}_{value}",
        population=_ever_homeless,
        event=lambda sy: sy[column] == value,
        needs=("years_homeless", "homeless_types"),
        history=True,
    )


INDICATORS = [
    *[_bucket("years_homeless", "years_homeless", n) for n in range(1, HISTORY_YEARS + 2)],
    *[_bucket("homeless_types", "homeless_types", n) for n in range(1, len(HOMELESS_TYPES) + 1)],
]
