"""An attacker on the published release, written apart from atlas's suppressor and audit.

It knows what a journalist knows: the long table as published (``data/atlas_long.csv``),
which school lies in which geography (school locations are public), and the rules that
docs/indicators.md and docs/privacy.md state. It does not import
``atlas.protect.complement`` nor ``atlas.audit``: its equations are its own, so that an
equation the suppressor forgets is not forgotten here too.

Its unknowns are the finest units the release adds up: the students of each school, in
each finest housing group (a homeless type; housed, by lunch eligibility and, where the
five-year groups are published, by whether homeless in the four years before), each
grade band and year; and, for each rate, its numerator on the same units (and its
denominator where the docs do not make it the students themselves). Every published
number is a sum of units. What it assumes, each from the docs:

* every unit is at least zero; a rate's numerator is at most its denominator;
* ``students`` counts the units; ``share_of_students`` is a group's students over all
  students of the same place and band;
* a rate over "all student-years" (``english_learner``, ``late_entry``) has the students
  as its denominator; over "student-years in K-12" (``midyear_transfer``,
  ``suspension``, ``retention``) the K-12 students; over "K-12 with at least one day
  enrolled" (``chronic_absence_nyc``, ``absent_40_days``) at most the K-12 students, the
  same population for both, and missing 40 days is within missing 20;
* a rate's ``all`` grade band covers the bands it is defined on (K-12 rates: no pre-K).

Then, for every withheld cell, it asks a linear program (scipy's HiGHS) the least and
the most its numerator, and a rate's denominator minus numerator (a share's
denominator: both its sides are counts of students), can be, given everything
published.

It also asks the same of counts that no cell publishes but that published cells imply
(``derived``):

* **difference areas**: where the schools of a geography A lie within those of a
  geography B of another layer (the city included), B minus A counts the students of
  B's other schools; and B minus every geography of A's layer within it, where there
  are several (the city minus a layer's geographies: the schools outside them all). Per
  indicator, group, band and year that both publish: its numerator, and a rate's
  denominator minus numerator;
* **population gaps**: a rate whose denominator is a part of the students (``within``)
  leaves the students outside it, students minus denominator, on the cell's units.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import cast

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

BANDS = ("pre_k", "elementary", "middle", "high")
K12 = BANDS[1:]
HOMELESS_TYPES = ("shelter", "doubled_up", "unsheltered", "other_homeless")
INCOME = ("housed_low_income", "housed_not_low_income")
#: The groups defined over the four years before (docs/indicators.md, "Housing groups").
FIVE_YEAR = ("formerly_homeless", "ever_homeless", "always_housed")


@dataclass(frozen=True)
class RateRule:
    """What docs/indicators.md says of a rate: the bands its ``all`` covers, and its
    denominator: ``students`` (exactly the students of those bands) or ``within`` (a
    part of them, the same part for every rate of the same ``population``)."""

    bands: tuple[str, ...]
    denominator: str
    population: str


RATES: dict[str, RateRule] = {
    "english_learner": RateRule(BANDS, "students", "all"),
    "late_entry": RateRule(BANDS, "students", "all"),
    "midyear_transfer": RateRule(K12, "students", "k12"),
    "suspension": RateRule(K12, "students", "k12"),
    "retention": RateRule(K12, "students", "k12"),
    "chronic_absence_nyc": RateRule(K12, "within", "k12_enrolled"),
    "absent_40_days": RateRule(K12, "within", "k12_enrolled"),
}
#: Numerators within numerators, unit by unit (40 days absent are 20 days absent).
WITHIN = {"absent_40_days": "chronic_absence_nyc"}

#: A cell, as the long table names it.
KEY = ("year", "layer", "geo_id", "indicator", "group", "grade_band")
Key = tuple[str, str, str, str, str, str]
#: A cell, one of its sides (``numerator``, ``denominator``, ``complement``) and a sign:
#: what a finding is, as a signed sum of cells' sides (for the test to weigh the truth).
Term = tuple[Key, str, int]
#: A side of a count, as the side names it: its units plus, and its units minus.
SIDES = {"numerator": ("num", None), "complement": ("den", "num"), "denominator": ("den", None)}

#: Values at most this: bounds every program (no count in a test city comes near it).
CAP = 1e6


@dataclass(frozen=True)
class Finding:
    """A withheld cell's side (``numerator``; for a rate its ``complement``, denominator
    minus numerator; for a share of students its ``denominator``), or a derived count
    (``side`` says which: ``difference (<side>): <layer> <geo> minus <layer> <geo>``,
    ``outside rate population``; ``key`` is the cell it is read from), and the interval
    the published release allows it. ``exact`` when the interval is the program's
    optimum both ways; otherwise it is only known to be at least as wide (two releases
    that agree with everything published differ that much). ``terms``: the count as a
    signed sum of cells' sides."""

    key: Key
    side: str
    low: float
    high: float
    exact: bool
    terms: tuple[Term, ...]

    @property
    def width(self) -> float:
        return self.high - self.low


def read_published(csv: bytes) -> pd.DataFrame:
    """The long table as a reader loads it."""
    return pd.read_csv(
        io.BytesIO(csv),
        dtype={"year": str, "layer": str, "geo_id": str, "group": str, "grade_band": str},
        keep_default_na=False,
        na_values={"numerator": [""], "denominator": [""], "value": [""]},
    )


def fine_groups(five_year: bool) -> tuple[str, ...]:
    housed = INCOME if not five_year else tuple(f"{i}&{p}" for i in INCOME for p in ("f", "a"))
    return HOMELESS_TYPES + housed


def group_members(group: str, fine: tuple[str, ...]) -> tuple[str, ...] | None:
    """The finest groups a published group is made of; None when the attacker does not
    know the group."""
    housed = tuple(f for f in fine if f not in HOMELESS_TYPES)
    former = tuple(f for f in housed if f.endswith("&f"))
    members = {
        "all": fine,
        "homeless": HOMELESS_TYPES,
        "housed": housed,
        **{t: (t,) for t in HOMELESS_TYPES},
        **{i: tuple(f for f in housed if f.split("&")[0] == i) for i in INCOME},
    }
    if former:
        members |= {
            "formerly_homeless": former,
            "ever_homeless": HOMELESS_TYPES + former,
            "always_housed": tuple(f for f in housed if f.endswith("&a")),
        }
    return members.get(group)


@dataclass(frozen=True)
class _Cell:
    """A cell of the published table the attacker can read: the units of its sides
    (``num``; ``den`` but for counts) and the sides it publishes, by value."""

    key: Key
    withheld: bool
    units: dict[str, list[int]]
    shown: dict[str, float]

    @property
    def place(self) -> tuple[str, str]:
        return self.key[1], self.key[2]

    def sides(self) -> list[str]:
        """The counts a cell holds, by the side names of :data:`SIDES`."""
        if "den" not in self.units:
            return ["numerator"]
        return ["numerator", "denominator" if self.key[3] == "share_of_students" else "complement"]


@dataclass(frozen=True)
class _Target:
    """A count to bound: the units plus, the units minus, and what it is."""

    key: Key
    side: str
    plus: list[int]
    minus: list[int]
    terms: tuple[Term, ...]

    @property
    def sign(self) -> tuple[frozenset[int], frozenset[int]]:
        return frozenset(self.plus), frozenset(self.minus)


class Attacker:
    """The units, the published equations over them, and the programs."""

    def __init__(
        self,
        table: pd.DataFrame,
        schools: Mapping[str, Mapping[str, str]],
    ) -> None:
        """``schools``: each school's geography, {school: {layer: geo_id}} (the city
        and the school itself are implied)."""
        self.table = table
        self.schools = sorted(schools)
        self.places: dict[tuple[str, str], list[str]] = {("city", "city"): self.schools}
        for school, where in schools.items():
            self.places[("school", school)] = [school]
            for layer, geo in where.items():
                self.places.setdefault((layer, geo), []).append(school)
        self.sets = {place: frozenset(in_place) for place, in_place in self.places.items()}
        self.layers = sorted({layer for layer, _geo in self.places})
        #: (B, layer): the geographies of ``layer`` whose schools all lie in B's.
        self.inside: dict[tuple[tuple[str, str], str], list[tuple[str, str]]] = {}
        for b, in_b in self.sets.items():
            for a, in_a in self.sets.items():
                if a[0] != b[0] and in_a <= in_b:
                    self.inside.setdefault((b, a[0]), []).append(a)
        self.fine = fine_groups(bool(table["group"].isin(FIVE_YEAR).any()))
        self.years = sorted(table["year"].unique())
        self.rates = sorted(set(table["indicator"]) & set(RATES))
        self.index: dict[tuple[str, ...], int] = {}
        self.upper: list[tuple[int, int]] = []  # x[a] <= x[b]
        for year in self.years:
            for s in self.schools:
                for g in self.fine:
                    for b in BANDS:
                        self._unit("students", s, g, b, year)
                    for rate in self.rates:
                        self._rate_units(rate, s, g, year)

    def _unit(self, *key: str) -> int:
        return self.index.setdefault(key, len(self.index))

    def _rate_units(self, rate: str, s: str, g: str, year: str) -> None:
        rule = RATES[rate]
        for b in rule.bands:
            num = self._unit(rate, "num", s, g, b, year)
            students = self.index[("students", s, g, b, year)]
            if rule.denominator == "within":
                den = self._unit(rule.population, "den", s, g, b, year)
                self.upper.append((den, students))
            else:
                den = students
            self.upper.append((num, den))
            if rate in WITHIN and WITHIN[rate] in self.rates:
                self.upper.append((num, self._unit(WITHIN[rate], "num", s, g, b, year)))

    def units(self, cell: Mapping[str, str], side: str) -> list[int] | None:
        """The units whose sum is the cell's numerator or denominator (side ``num`` or
        ``den``); None when the attacker does not know how the cell is made."""
        schools = self.places.get((cell["layer"], cell["geo_id"]))
        if schools is None:
            return None
        indicator, group, band = cell["indicator"], cell["group"], cell["grade_band"]
        return self.units_over(schools, indicator, group, band, cell["year"], side)

    def units_over(
        self, schools: Iterable[str], indicator: str, group: str, band: str, year: str, side: str
    ) -> list[int] | None:
        """The units of ``side`` (``num``, ``den``) of an indicator, group, band and
        year, over ``schools``; None when the attacker does not know them."""
        if indicator == "share_of_students":
            indicator, group = "students", (group if side == "num" else "all")
        members = group_members(group, self.fine)
        if members is None:
            return None
        students = lambda s, g, b: ("students", s, g, b, year)  # noqa: E731
        if indicator == "students":
            key, bands = students, BANDS
        elif indicator in RATES:
            rule = RATES[indicator]
            bands = rule.bands
            if side == "num":
                key = lambda s, g, b: (indicator, "num", s, g, b, year)  # noqa: E731
            elif rule.denominator == "within":
                key = lambda s, g, b: (rule.population, "den", s, g, b, year)  # noqa: E731
            else:
                key = students
        else:
            return None
        wanted = bands if band == "all" else (band,)
        if not set(wanted) <= set(bands):
            return None
        return [self.index[key(s, g, b)] for s in schools for g in members for b in wanted]

    def _cells(self) -> list[_Cell]:
        out = []
        for cell in self.table.to_dict("records"):
            num = self.units(cell, "num")
            if num is None:
                continue
            units = {"num": num}
            den = None if cell["indicator"] == "students" else self.units(cell, "den")
            if den is not None:
                units["den"] = den
            withheld = cell["flag"] == "withheld"
            shown = {
                side: float(cell[column])
                for side, column in (("num", "numerator"), ("den", "denominator"))
                if side in units and not withheld and cell[column] == cell[column]
            }
            out.append(_Cell(cast(Key, tuple(str(cell[c]) for c in KEY)), withheld, units, shown))
        return out

    @staticmethod
    def _side(units: Mapping[str, list[int]], side: str) -> tuple[list[int], list[int]]:
        """A side's units plus and minus, from the units of ``num`` and ``den``."""
        plus, minus = SIDES[side]
        return units[plus], units[minus] if minus else []

    def _differences(self, cells: list[_Cell]) -> Iterable[_Target]:
        """Difference areas: B minus a geography A of another layer within it, and B
        minus every geography of A's layer within it, where both publish a side."""
        at: dict[tuple[str, str, str, str], dict[tuple[str, str], _Cell]] = {}
        for c in cells:
            if c.key[3] == "students" or c.key[3] in RATES:
                year, _layer, _geo, indicator, group, band = c.key
                at.setdefault((year, indicator, group, band), {})[c.place] = c
        for (year, indicator, group, band), here in at.items():
            for b, big in here.items():
                for layer in self.layers:
                    within = self.inside.get((b, layer), [])
                    choices = [[a] for a in within if self.sets[a] < self.sets[b]]
                    if len(within) > 1:
                        choices.append(within)
                    for minus_places in choices:
                        rest = self.sets[b].difference(*(self.sets[a] for a in minus_places))
                        if not rest or any(a not in here for a in minus_places):
                            continue
                        parts = [big, *(here[a] for a in minus_places)]
                        names = " + ".join(f"{a[0]} {a[1]}" for a in minus_places)
                        units = {
                            s: self.units_over(sorted(rest), indicator, group, band, year, s) or []
                            for s in big.units
                        }
                        for side in big.sides():
                            if not all(s in p.shown for p in parts for s in SIDES[side] if s):
                                continue
                            plus, minus = self._side(units, side)
                            terms = tuple((p.key, side, -1 if p is not big else 1) for p in parts)
                            name = f"difference ({side}): {b[0]} {b[1]} minus {names}"
                            yield _Target(big.key, name, plus, minus, terms)

    def _gaps(self, cells: list[_Cell]) -> Iterable[_Target]:
        """Population gaps: the students outside a ``within`` rate's population, on the
        units of each rate cell that publishes its denominator."""
        for c in cells:
            rule = RATES.get(c.key[3])
            if rule is None or rule.denominator != "within" or "den" not in c.shown:
                continue
            year, layer, geo, _indicator, group, band = c.key
            wanted = rule.bands if band == "all" else (band,)
            plus = [
                u
                for b in wanted
                for u in self.units_over(self.places[c.place], "students", group, b, year, "num")
                or []
            ]
            terms = (
                *(((year, layer, geo, "students", group, b), "numerator", 1) for b in wanted),
                (c.key, "denominator", -1),
            )
            yield _Target(c.key, "outside rate population", plus, c.units["den"], terms)

    def attack(
        self,
        min_count: int,
        probe: Callable[[tuple[Term, ...]], bool] | None = None,
        derived: bool = True,
    ) -> list[Finding]:
        """Every withheld cell's hidden sides, and with ``derived`` every derived count
        (difference areas, population gaps), with the interval the release allows each.

        A side is hidden unless another cell publishes the very same number (a share's
        numerator is the group's students, published as a count while the share is
        withheld for its denominator, say); a derived count is probed unless a cell
        publishes it or it is a withheld side's. ``probe`` (a count's terms) picks the
        counts to solve; by default every one.
        """
        n = len(self.index)
        cells = self._cells()
        rows, cols, rhs = [], [], []
        shown: set[frozenset[int]] = set()
        for c in cells:
            for side, value in c.shown.items():
                units = c.units[side]
                rows += [len(rhs)] * len(units)
                cols += units
                rhs.append(value)
                shown.add(frozenset(units))
        candidates: list[_Target] = []
        # Counts already accounted for: published, or a withheld cell's side.
        seen = {(u, frozenset[int]()) for u in shown}
        for c in cells:
            if len(c.shown) == 2:
                seen.add((frozenset(c.units["den"]), frozenset(c.units["num"])))
            if not c.withheld:
                continue
            for side in c.sides():
                target = _Target(c.key, side, *self._side(c.units, side), ((c.key, side, 1),))
                seen.add(target.sign)
                if not all(frozenset(u) in shown for u in (target.plus, target.minus) if u):
                    candidates.append(target)
        if derived:
            for target in chain(self._differences(cells), self._gaps(cells)):
                if target.sign not in seen:
                    seen.add(target.sign)
                    candidates.append(target)
        targets = [t for t in candidates if probe is None or probe(t.terms)]
        a_eq = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(rhs), n))
        a_eq.sum_duplicates()
        b_eq = np.array(rhs)
        ub = np.array(self.upper, dtype=np.int64).reshape(-1, 2)
        m = len(ub)
        a_ub = sparse.csr_matrix(
            (
                np.concatenate([np.ones(m), -np.ones(m)]),
                (np.concatenate([np.arange(m), np.arange(m)]), ub.T.reshape(-1)),
            ),
            shape=(m, n),
        )
        t_rows, t_cols, t_vals = [], [], []
        for i, target in enumerate(targets):
            t_rows += [i] * (len(target.plus) + len(target.minus))
            t_cols += target.plus + target.minus
            t_vals += [1.0] * len(target.plus) + [-1.0] * len(target.minus)
        t = sparse.csr_matrix((t_vals, (t_rows, t_cols)), shape=(len(targets), n))
        t.sum_duplicates()

        def solve(cost: np.ndarray) -> np.ndarray:
            res = linprog(
                cost,
                A_ub=a_ub,
                b_ub=np.zeros(m),
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=(0, CAP),
                method="highs",
            )
            if res.status != 0:  # the truth is feasible: the attacker misread a rule
                raise AssertionError(f"the attacker's program failed: {res.message}")
            return t @ res.x

        if not targets:
            return []
        at = solve(np.zeros(n))
        low, high = at.copy(), at.copy()
        exact = np.zeros(len(targets), dtype=bool)

        def short() -> np.ndarray:
            return ~exact & (high - low < min_count - 1e-6)

        def push(cost: np.ndarray) -> None:
            """Solve for ``cost`` and its opposite; widen every side to both solutions."""
            for sense in (-1.0, 1.0):
                at = solve(sense * cost)
                np.minimum(low, at, out=low)
                np.maximum(high, at, out=high)

        # Push every still-short side up together, then down, while that opens some; then
        # each a way of its own, drawn at random (seeded): sides that add up to something
        # published move against each other, so pushed all one way none of them moves.
        # Every solution is one the release allows: this only saves the programs below.
        draw = np.random.default_rng(0)
        for ways in ("together", "apart"):
            while (before := short()).any():
                k = int(before.sum())
                way = np.ones(k) if ways == "together" else draw.choice([-1.0, 1.0], size=k)
                push(np.asarray(t[before].T @ way).ravel())
                if short().sum() == before.sum():
                    break
        # Then each that is still short, exactly, both ways; each solution widens the
        # others too, and one it opens needs no programs of its own.
        for i in np.flatnonzero(short()):
            if short()[i]:
                push(t[i].toarray().ravel())
                exact[i] = True
        return [
            Finding(t.key, t.side, float(low[i]), float(high[i]), bool(exact[i]), t.terms)
            for i, t in enumerate(targets)
        ]


def attack(
    table: pd.DataFrame,
    schools: Mapping[str, Mapping[str, str]],
    min_count: int = 10,
    probe: Callable[[tuple[Term, ...]], bool] | None = None,
    derived: bool = True,
) -> list[Finding]:
    return Attacker(table, schools).attack(min_count, probe, derived)


def too_narrow(findings: Iterable[Finding], min_count: int = 10) -> list[Finding]:
    return [f for f in findings if f.width < min_count - 1e-6]
