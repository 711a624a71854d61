"""Attendance rule packs: each authority's own definition of chronic absence.

A pack declares the input fields it needs (so validation can check them) and turns a
student-year table into two boolean columns: who is counted (``population``) and who
is chronically absent (``event``). Packs are looked up by name in :data:`PACKS`; an
unknown name is an error that lists the known ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atlas.errors import ConfigError


@dataclass(frozen=True)
class AttendanceRule:
    """One authority's definition, as an indicator over student-years."""

    name: str
    indicator: str  # stable indicator id, carrying the pack's name
    source: str  # agency, document, years in force
    fields: tuple[str, ...]  # input columns the rule needs
    population: Callable[[Any], Any]
    event: Callable[[Any], Any]
    parameters: dict[str, Any] = field(default_factory=dict)


def _nyc() -> AttendanceRule:
    from atlas.rules.nyc import RULE

    return RULE


_FACTORIES: dict[str, Callable[[], AttendanceRule]] = {"nyc": _nyc}
PACK_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def get_pack(name: str) -> AttendanceRule:
    """The pack called ``name``; unknown names list the known ones."""
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise ConfigError(
            f"unknown attendance rule pack {name!r}; known packs: {', '.join(PACK_NAMES)}"
        ) from None
