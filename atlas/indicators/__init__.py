"""Indicators: for each, who is counted (population) and who has the outcome (event).

Each indicator is written once as Ibis expressions over the student-year table, so it
runs on any backend Ibis supports. A count indicator has no event: its numerator is the
number of students. The registry lists every indicator the pipeline computes; which ones
run depends on the input fields present.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from atlas.model import INDICATOR_INFO

Predicate = Callable[[Any], Any]


@dataclass(frozen=True)
class Indicator:
    """An indicator over student-years."""

    id: str
    population: Predicate
    event: Predicate | None = None  # None: a count of the population
    needs: tuple[str, ...] = ()  # student-year columns it reads
    #: Looks back on Y-4 .. Y: no rows for years without the four prior years.
    history: bool = False

    @property
    def bands(self) -> tuple[str, ...]:
        return INDICATOR_INFO[self.id].bands


def registry(packs: Mapping[str, Mapping[str, Any]]) -> list[Indicator]:
    """Every indicator, in publishing order, with the attendance rule ``packs`` (name ->
    parameters, :func:`atlas.config.pack_parameters`)."""
    from atlas.indicators import (
        attendance,
        enrollment,
        history,
        mobility,
        outcomes,
        proficiency,
    )

    return [
        *enrollment.INDICATORS,
        *mobility.INDICATORS,
        *attendance.indicators(packs),
        *proficiency.INDICATORS,
        *outcomes.INDICATORS,
        *history.INDICATORS,
    ]
