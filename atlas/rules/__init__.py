"""Attendance rule packs: each authority's own definition of chronic absence.

A pack restates one authority's rule: where it comes from (agency, document, years in
force), the enrollment columns it reads, its parameters (each overridable under
``[rules.<pack>]`` in atlas.toml) and the indicators it yields, whose ids carry the
pack's name so that an id never changes meaning. Packs are looked up by name in
:data:`PACK_NAMES`; an unknown name is an error that lists the known ones.

Every comparison a rule makes at an exact edge (10% of days, 100 hours, a band's
bound) is done in whole numbers: days are whole, hours are counted in hundredths, and
percentages are exact fractions (``10`` and ``36.7`` are read as decimals, never as
binary floating point).

Most packs decide per student-year (the student's days summed over the year's spells,
counted at the last school). Ohio counts a student in every school and geography where
the student's hours there reach its threshold (:mod:`atlas.rules.units`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from atlas.errors import ConfigError

#: The packs, in the order pages list them.
PACK_NAMES: tuple[str, ...] = ("nyc", "ten_percent", "crdc", "research", "pennsylvania", "ohio")


@dataclass(frozen=True)
class Measure:
    """One indicator of a pack, over student-years: who is counted, who has the outcome.

    ``population`` and ``event`` take the student-year table (Ibis, or anything with the
    same columns and operators) and the pack's parameters.
    """

    id: str
    population: Callable[[Any, Mapping[str, Any]], Any]
    event: Callable[[Any, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Pack:
    """One authority's definition, with its source and what it needs."""

    name: str
    title: str  # what readers call it
    agency: str
    document: str
    years: str  # years in force
    rule: str  # the rule restated in a sentence or two, for the rules page
    fields: tuple[str, ...]  # enrollment columns the pack reads
    defaults: Mapping[str, Any]
    headline: str  # the indicator pages lead with
    measures: tuple[Measure, ...] = ()
    #: Indicators computed after protection from the pack's published rates
    #: (bands, marks, goals, "met"), in :mod:`atlas.rules.marks`.
    derived: tuple[str, ...] = ()
    #: Counted in every school and geography attended (Ohio), not at the last school.
    per_unit: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def source(self) -> str:
        return f"{self.agency}, {self.document} ({self.years})"

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        return (*(m.id for m in self.measures), *self.per_unit, *self.derived)

    def parameters(self, overrides: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        """The defaults with ``overrides`` (from ``[rules.<name>]``) checked and applied."""
        params = dict(self.defaults)
        for key, value in (overrides or {}).items():
            if key not in params:
                raise ConfigError(
                    f"atlas.toml: key 'rules.{self.name}.{key}' is not a parameter of the "
                    f"{self.name!r} pack; its parameters: {', '.join(params)}"
                )
            params[key] = _like(params[key], value, f"rules.{self.name}.{key}")
        return MappingProxyType(params)


def _like(default: Any, value: Any, key: str) -> Any:
    """``value`` checked against the type of ``default``; numbers become exact fractions."""
    if isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"atlas.toml: key '{key}' must be a table of name = number")
        sample = next(iter(default.values()))
        given = {str(k): _like(sample, v, f"{key}.{k}") for k, v in value.items()}
        return MappingProxyType({**default, **given})
    if isinstance(default, Fraction | int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConfigError(f"atlas.toml: key '{key}' must be a number; got {value!r}")
        try:
            exact = Fraction(str(value))  # 36.7 as the decimal it is written as
        except ValueError:
            raise ConfigError(f"atlas.toml: key '{key}' must be a number; got {value!r}") from None
        if exact < 0:
            raise ConfigError(f"atlas.toml: key '{key}' must not be negative; got {value!r}")
        return exact
    raise ConfigError(f"atlas.toml: key '{key}' cannot be set")  # pragma: no cover


def percent(value: Any) -> Fraction:
    """A percentage written as a decimal ('10', '36.7'), exactly."""
    return Fraction(str(value))


def share_at_least(part: Any, whole: Any, pct: Fraction) -> Any:
    """``part`` is at least ``pct`` percent of ``whole``, in whole numbers (exact)."""
    return part * (100 * pct.denominator) >= whole * pct.numerator


def share_above(part: Any, whole: Any, pct: Fraction) -> Any:
    """``part`` is more than ``pct`` percent of ``whole``, in whole numbers (exact)."""
    return part * (100 * pct.denominator) > whole * pct.numerator


def k12(sy: Any) -> Any:
    """Student-years in grades K-12 with at least one day enrolled."""
    return (sy.days_enrolled > 0) & (sy.grade != "PK")


def missed_days(sy: Any) -> Any:
    """Days missed for any reason: absent, and out-of-school suspension."""
    return sy.days_absent + sy.days_suspended


def _load() -> dict[str, Pack]:
    from atlas.rules import crdc, nyc, ohio, pennsylvania, research, ten_percent

    packs = {m.PACK.name: m.PACK for m in (nyc, ten_percent, crdc, research, pennsylvania, ohio)}
    assert tuple(packs) == PACK_NAMES
    return packs


def packs() -> dict[str, Pack]:
    """Every pack by name, in :data:`PACK_NAMES` order."""
    return _load()


def get_pack(name: str) -> Pack:
    """The pack called ``name``; unknown names list the known ones."""
    if name not in PACK_NAMES:
        raise ConfigError(
            f"unknown attendance rule pack {name!r}; known packs: {', '.join(PACK_NAMES)}"
        )
    return _load()[name]


def missing_fields(pack: Pack, table: Any) -> list[str]:
    """The pack's fields that the enrollment table (Arrow) lacks or leaves empty in every
    row."""
    return [
        f
        for f in pack.fields
        if f not in table.column_names
        or (table.num_rows > 0 and table[f].null_count == table.num_rows)
    ]


def pack_of(indicator: str) -> Pack | None:
    """The pack an indicator id belongs to, if any."""
    for pack in _load().values():
        if indicator in pack.indicator_ids:
            return pack
    return None
