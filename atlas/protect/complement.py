"""Complementary suppression: withhold more cells, so that no withheld number can be
worked out from what is published beside it.

The release is seen as quantities (counts of students) tied by equations that hold
exactly and that a reader knows:

* a count cell shows one quantity, ``n``; a rate cell shows two, the students with the
  outcome (``yes``) and those without (``no``), whose sum is its denominator; a share
  of students shows two counts of the ``students`` table;
* the housing-group hierarchy (all = homeless + housed, homeless = its types, housed =
  its two income groups, ever homeless = homeless + formerly homeless, all = ever
  homeless + always housed, homeless = ever + never in shelter);
* grade bands within all grades; every layer within the city; districts within their
  parent layer; schools within the district of every layer they lie in (school
  locations are public, so a reader can add up the schools of a community district
  and compare it with the school districts that overlap it);
* a rate's denominator is a count of the ``students`` table where the two agree in
  every cell (all students, or all but pre-K), and rates with the same denominator
  (the race shares, graduation and dropout) share it; shares of one partition (race
  and ethnicity) add up to it.

Where a published total is not exactly the sum of its published parts (students at a
school outside every council district, say), the difference is an unpublished
quantity of the equation, hidden for good. Such a rest is itself a count of students
(those at the schools of a council district outside the community district within it,
or those outside a rate's population), so one of 1 to ``min_count - 1`` is protected
like a cell: no equation may give it away.

An equation exposes its hidden members when only one is hidden (subtraction recovers
it) or when the hidden ones all sit on one side and add up to fewer than
``min_count`` students (their sum is then known and small). Each round withholds, for
every exposing equation, the published member that costs least: one large enough to
close the gap, counting its students times the number of cells that show it (a
denominator shown by many rates is expensive). A cell that shows a hidden quantity is
withheld, and a quantity that no remaining cell shows is hidden, until nothing changes.
The same input always gives the same pattern.

This heuristic looks at one equation at a time. :mod:`atlas.audit.equations` then
combines them all, by linear programming, over the same system (:func:`build_system`),
and names the equations binding at each count it finds narrow: each gets one more
complement. A count that some sum of the equations gives away exactly (no program, no
binding equation) gets complements in its own equations, or, where those do not free
it, the cheapest published count that its certificate (that sum) reads
(:meth:`System.unpin`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import lsqr

from atlas.model import CITY_LAYER, SCHOOL_LAYER, SHARE_SOURCES
from atlas.protect.exhaustive import exhaustive_equations
from atlas.rules import packs

#: Pins read from certificates found farther than ``NEAR`` equations from them, at one
#: check, at most (:meth:`System.unpin`); when there are no more than this, every pin is
#: read (each such certificate is a least-squares solve over up to its whole block: 30 s
#: over a year's at scale 0.01).
CERTIFIED = 10
#: Equations near a pin within which its certificate is looked for first; every pin
#: whose certificate lies there is read at once (most: under a second each at 0.01).
NEAR = 50_000
#: total = sum of parts, among housing groups.
GROUP_RELATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("all", ("homeless", "housed")),
    ("homeless", ("shelter", "doubled_up", "unsheltered", "other_homeless")),
    ("housed", ("housed_low_income", "housed_not_low_income")),
    ("ever_homeless", ("homeless", "formerly_homeless")),
    ("all", ("ever_homeless", "always_housed")),
    ("homeless", ("ever_in_shelter", "never_in_shelter")),
)
_PLACE = ["year", "layer", "geo_id", "group", "grade_band"]
#: Per layer, where its geographies lie: a Series (child id -> parent id, named after
#: the parent layer) for each layer that contains them.
Parents = Mapping[str, "list[pd.Series]"]
_Q = ["family", "measure", *_PLACE]


def complement(
    system: System,
    secret: np.ndarray,
    *,
    min_count: int,
    max_rounds: int = 200,
    check: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
    max_checks: int = 50,
    gaps: bool = True,
    progress: Callable[[str], None] | None = None,
) -> np.ndarray:
    """Which cells to withhold (by position in the cells ``system`` was built from):
    the primary ones (``secret``) and their complements.

    ``check``, given the cells withheld, returns the equations (ids) that, taken
    together, still pin some quantity too closely, and the quantities they give away
    exactly (the audit's attacker). Each of those equations gets one more complement,
    each of those quantities the complements that free it (:meth:`System.unpin`),
    and the rounds run again, up to ``max_checks`` times, or until a check finds nothing
    left to withhold. Whatever the last check leaves, the audit finds again and refuses
    to publish. ``progress`` is told of each check as it starts, and of what the one
    before found (a build at full scale runs for many minutes here).
    """
    secret = np.asarray(secret, dtype=bool)
    system.min_count = min_count
    system.gaps = gaps
    shown = system.shown
    start = shown.loc[shown["secret"].to_numpy() & secret[shown["cell"]], "q"].to_numpy()
    # A quantity a reader knows already (``System.known``) is not hidden by withholding
    # a cell that shows it; the cell is withheld all the same.
    system.hide(start[~system.known[start]])

    def withheld() -> np.ndarray:
        out = np.zeros(system.n_cells, dtype=bool)
        out[system.withheld_cells()] = True
        return out | secret

    def rounds() -> None:
        for _ in range(max_rounds):
            if not system.round():
                return

    say = progress or (lambda _message: None)
    rounds()
    found = ""
    for number in range(1, max_checks + 1):
        if check is None:
            break
        say(f"Checking what the release gives away, pass {number}{found}")
        binding, pinned = check(withheld())
        if len(binding) == 0 and len(pinned) == 0:
            break
        found = (
            f" (pass {number}: {len(binding):,} equation{'s' * (len(binding) != 1)} "
            f"pinning counts too closely, {len(pinned):,} count{'s' * (len(pinned) != 1)} "
            "given away exactly)"
        )
        widened = system.widen(binding)
        if not (system.unpin(pinned) or widened):
            break  # nothing left to withhold there: checking again would find the same
        rounds()
    return withheld()


def build_system(
    cells: pd.DataFrame,
    *,
    count_indicators: set[str],
    parents: Parents,
    schools: pd.DataFrame | None = None,
) -> System:
    """The quantities that ``cells`` show (cells numbered by position) and the
    equations a reader knows between them.

    ``schools`` (``school_id`` and a column per layer naming each school's geography,
    empty where it lies in none) lets rests over the same schools be one quantity.

    ``parents`` gives, for a layer, the id of the place each of its geographies lies in,
    as a list of Series, each named after a containing layer (a district lies in its
    borough; a school in a district of every layer)."""
    cells = cells.reset_index(drop=True)
    shown = _shown_quantities(cells, count_indicators)
    quantities = shown.drop_duplicates(_Q).reset_index(drop=True)[[*_Q, "value"]]
    quantities["q"] = np.arange(len(quantities))
    shown = shown.merge(quantities[[*_Q, "q"]], on=_Q)
    areas = None
    if schools is not None:
        areas = Areas(schools, [c for c in schools.columns if c != "school_id"])
        quantities["area"] = areas.number(quantities)
    eqs = _equations(quantities, count_indicators, parents, areas)
    return System(quantities, shown, eqs, n_cells=len(cells))


#: Indicators that count a student in every school and geography attended (Ohio): the
#: rest of their geographic equations counts students twice, not the students of an area.
PER_UNIT = {i for pack in packs().values() for i in pack.per_unit}


class Areas:
    """The set of schools of each geography, every distinct set numbered once.

    A layer's figure for a geography counts the students of its schools (school
    locations are public), for every indicator but those counted per unit. So the rest
    of "the city (or a geography) minus the geographies of a layer within it" counts the
    students of the schools left over, and two rests, or a rest and a geography, over the
    same schools are the same count.
    """

    def __init__(self, schools: pd.DataFrame, layers: Iterable[str]) -> None:
        self.sets: list[frozenset[str]] = []
        self._ids: dict[frozenset[str], int] = {}
        ids = schools["school_id"].astype(str)
        self.of = {(CITY_LAYER, CITY_LAYER): self.id(frozenset(ids))}
        self.of |= {(SCHOOL_LAYER, s): self.id(frozenset([s])) for s in ids}
        for layer in layers:
            for geo, members in school_sets(schools.assign(school_id=ids), layer).items():
                self.of[(layer, str(geo))] = self.id(members)

    def id(self, members: frozenset[str]) -> int:
        if members not in self._ids:
            self._ids[members] = len(self.sets)
            self.sets.append(members)
        return self._ids[members]

    def number(self, places: pd.DataFrame) -> np.ndarray:
        """Each row's geography's number (-1 for one unknown here, or per unit)."""
        known = pd.Series(self.of)
        index = pd.MultiIndex.from_frame(places[["layer", "geo_id"]].astype(str))
        out = known.reindex(index).fillna(-1).to_numpy(np.int64)
        return np.where(places["family"].isin(PER_UNIT).to_numpy(), -1, out)

    def rest(self, top: int, parts: Iterable[int]) -> int:
        """The number of the schools of ``top`` outside ``parts``; -1 unless every part
        lies within ``top`` (a declared parent need not hold its parts' schools)."""
        if top < 0:
            return -1
        inside = self.sets[top]
        left = set(inside)
        for part in parts:
            if part < 0 or not self.sets[part] <= inside:
                return -1
            left -= self.sets[part]
        return self.id(frozenset(left))


def school_sets(schools: pd.DataFrame, layer: str) -> pd.Series:
    """Each geography of ``layer`` (``schools`` has a column naming each school's) and
    the set of its schools' ids; a geography with no school is not listed."""
    return schools.dropna(subset=[layer]).groupby(layer)["school_id"].agg(frozenset)


def within_by_schools(
    schools: pd.DataFrame, layers: Iterable[str], declared: Parents
) -> dict[str, list[pd.Series]]:
    """Geographies of one layer that lie, by their schools, within one of another layer.

    A layer's figures are sums over the schools in each geography, and school locations
    are public. So where every school of X (a community district, say) lies in Y (a
    council district), a reader knows Y = X + the other geographies of X's layer within
    Y + the rest of Y's schools, the rest at least zero; where X's layer covers Y
    exactly, the rest is zero. Returned as parents (X's id -> Y's id, a Series named
    after Y's layer, per X's layer), for every ordered pair of ``layers`` but those
    ``declared`` already; a geography holding the same schools as another of a later
    layer is mapped once. ``schools`` has a column per layer naming each school's
    geography (empty where it lies in none)."""
    layers = list(layers)
    sets = {layer: school_sets(schools, layer) for layer in layers}
    out: dict[str, list[pd.Series]] = {}
    for a in layers:
        known = {series.name for series in declared.get(a, [])}
        for b in layers:
            if b == a or b in known:
                continue
            inside = {
                str(x): str(y)
                for x, xs in sets[a].items()
                for y, ys in sets[b].items()
                if xs < ys or (xs == ys and a < b)
            }
            if inside:
                out.setdefault(a, []).append(pd.Series(inside, name=b))
    return out


class System:
    """Quantities, the cells that show them and the equations that tie them.

    Quantities ``0 .. n-1`` are shown by cells; those from ``n`` on are the equations'
    unpublished rests. ``eq``, ``q`` and ``coef`` list the equations' terms; every
    equation sums to zero over the true ``value`` times ``coef``.
    """

    min_count = 10
    gaps = True  # whether rests that are not areas are protected (``Privacy.protect_gaps``)

    def __init__(
        self, quantities: pd.DataFrame, shown: pd.DataFrame, eqs: pd.DataFrame, n_cells: int
    ) -> None:
        self.quantities = quantities
        self.shown = shown
        self.n = len(quantities)
        # An equation's unpublished rest is a quantity of its own, hidden for good; the
        # rests of several equations over the same schools are one quantity, and one
        # over exactly a geography's schools is that geography's (_same_rests).
        rest = eqs.loc[eqs["rest"].notna()].drop_duplicates("eq")
        own, rest_q = _same_rests(rest, quantities)
        #: Per rest: a difference between geographies (an area), not a gap between a
        #: rate's population and the students, or between nested rules.
        self.rest_area = own["block"].astype(str).str.startswith("layer:").to_numpy()
        self.value = np.concatenate(
            [quantities["value"].to_numpy(float), own["rest"].abs().to_numpy(float)]
        )
        self.eq = np.concatenate([eqs["eq"].to_numpy(), rest["eq"].to_numpy()])
        self.q = np.concatenate([eqs["q"].to_numpy(), rest_q])
        self.coef = np.concatenate([eqs["coef"].to_numpy(), -np.sign(rest["rest"].to_numpy())])
        self.hidden = np.zeros(len(self.value), dtype=bool)
        self.hidden[self.n :] = True
        # Quantities a reader knows from elsewhere (a previous edition published them
        # with the same value): hiding them hides nothing, so they count as published.
        self.known = np.zeros(len(self.value), dtype=bool)
        self.cell = shown["cell"].to_numpy()
        self.cell_q = shown["q"].to_numpy()
        self.n_cells = n_cells
        refs = np.bincount(self.cell_q, minlength=len(self.value))
        self.cost = self.value * np.maximum(refs, 1)
        #: Quantities :meth:`unpin` spends last: the city's (the release's headline) and
        #: the schools' (its dot maps); and those it has met before.
        self.spared = np.zeros(len(self.value), dtype=bool)
        self.spared[: self.n] = quantities["layer"].isin([CITY_LAYER, SCHOOL_LAYER]).to_numpy()
        self.met = np.zeros(len(self.value), dtype=bool)

    def protected(self) -> np.ndarray:
        """The quantities no reader may work out: every one a cell shows, and every
        rest of 1 to ``min_count - 1`` students (a difference area, or the students
        outside a rate's population, would otherwise be a small count published by
        subtraction)."""
        out = np.zeros(len(self.value), dtype=bool)
        out[: self.n] = True
        rest = self.value[self.n :]
        out[self.n :] = (rest >= 1) & (rest < self.min_count) & (self.rest_area | self.gaps)
        return out

    def withheld_cells(self) -> np.ndarray:
        bad = np.zeros(self.n_cells, dtype=bool)
        np.logical_or.at(bad, self.cell, self.hidden[self.cell_q])
        return np.flatnonzero(bad)

    def hide(self, qs: Iterable[int]) -> bool:
        """Hide quantities, then every cell showing one, then what only those showed;
        whether any was not hidden before."""
        before = self.hidden.copy()
        self.hidden[np.fromiter(qs, dtype=np.int64)] = True
        while True:
            withheld = np.zeros(self.n_cells, dtype=bool)
            withheld[self.withheld_cells()] = True
            visible = np.zeros(len(self.value), dtype=bool)
            np.logical_or.at(visible, self.cell_q, ~withheld[self.cell])
            now = self.hidden | (~visible & (np.arange(len(self.value)) < self.n))
            now[self.n :] = True
            if (now == self.hidden).all():
                return bool((self.hidden != before).any())
            self.hidden = now

    def widen(self, equations: np.ndarray) -> bool:
        """Hide the cheapest published member of each of ``equations`` (ids): those
        that, taken together, pin a quantity too closely. False when none has one left."""
        n_eq = int(self.eq.max(initial=-1)) + 1
        chosen = np.zeros(n_eq, dtype=bool)
        chosen[equations] = True
        return self.hide(self._cheapest(chosen, np.full(n_eq, float(self.min_count))))

    def unpin(self, pins: Iterable[int]) -> bool:
        """Let each of ``pins`` move: quantities that the equations give away exactly
        (some sum of them, times factors, is the quantity alone). Whether any quantity
        was not hidden before.

        A pin met for the first time, when there are many, gets a complement in each of
        its equations that has a published member neither the city's nor a school's
        (``spared``): the cheapest of those, as in the rounds. Most pins are freed so,
        and the release's headline and its dot maps are not spent on them. A pin met
        again, or any when there are few (``CERTIFIED``), is read from its certificate
        (:meth:`_certified`)."""
        pins = np.unique(np.asarray(list(pins), dtype=np.int64))
        if len(pins) == 0:
            return False
        again = self.met[pins] | (len(pins) <= CERTIFIED)
        self.met[pins] = True
        n_eq = int(self.eq.max(initial=-1)) + 1
        own = np.zeros(n_eq, dtype=bool)
        own[self.eq[np.isin(self.q, pins[~again])]] = True
        among = self._candidates() & ~self.spared
        own &= np.bincount(self.eq, weights=among[self.q], minlength=n_eq) > 0
        chosen = self._cheapest(own, np.full(n_eq, float(self.min_count)), among)
        return self.hide(np.concatenate([chosen, self._certified(pins[again])]))

    def _certified(self, pins: np.ndarray) -> np.ndarray:
        """For each pin (one per count repeated over several layers), the published
        quantity to hide: where the pin's certificate reads it. Every pin whose
        certificate lies within ``NEAR`` equations of it is read; of the others,
        ``CERTIFIED`` at most (the next check finds the rest again).

        The certificate is a set of factors ``y`` whose sum of equations over the hidden
        quantities is the pin alone, the least-squares one among the equations nearest
        the pin that hold one (:class:`Neighbours`). A reader then has pin = constant -
        sum of ``s_j`` times each published count ``j``, with ``s_j`` = ``y`` dotted
        with ``j``'s column.
        Hiding the cheapest count among those of ``|s_j|`` at least half the largest
        (not ``spared``, unless all are) takes a term the reading needs; if another
        certificate does without it, the next check finds the pin again. Where no
        published count is read, each equation of the pin gets its cheapest published
        member."""
        if len(pins) == 0:
            return np.zeros(0, dtype=np.int64)
        # A count repeated over layers of the same schools is one count: one certificate.
        same = ["family", "measure", "year", "group", "grade_band", "value"]
        repeated = self.quantities.reindex(pins)[same].duplicated().to_numpy() & (pins < self.n)
        pins = pins[~repeated]
        n_eq = int(self.eq.max(initial=-1)) + 1
        terms = sparse.csr_matrix((self.coef, (self.eq, self.q)), shape=(n_eq, len(self.value)))
        hidden = np.flatnonzero(self.hidden & ~self.known)
        on_hidden = terms[:, hidden].tocsr()
        near = Neighbours(on_hidden)
        published = np.flatnonzero(self._candidates())
        chosen: list[int] = []
        stuck: list[int] = []

        def read(at: int, max_rows: int | None) -> bool:
            """Hide what the certificate of ``hidden[at]`` reads; False when it has none
            within ``max_rows`` equations (and more are left to look in)."""
            found = near.certificate(at, max_rows)
            if found is None:
                if at not in near.searched:
                    return False
                stuck.append(int(hidden[at]))
                return True
            rows, y = found
            weight = np.abs(terms[rows][:, published].T @ y)
            if weight.max(initial=0.0) < 1e-9:
                stuck.append(int(hidden[at]))
                return True
            strong = np.flatnonzero(weight >= weight.max() / 2)
            if not self.spared[published[strong]].all():
                strong = strong[~self.spared[published[strong]]]
            chosen.append(int(published[strong[np.argmin(self.cost[published[strong]])]]))
            return True

        at = np.searchsorted(hidden, pins)
        at = at[(at < len(hidden)) & (hidden[np.minimum(at, len(hidden) - 1)] == pins)]
        far = [a for a in at.tolist() if not read(a, NEAR)]
        for a in far[:CERTIFIED]:
            read(a, None)
        own = np.zeros(n_eq, dtype=bool)
        own[self.eq[np.isin(self.q, stuck)]] = True
        return np.concatenate(
            [chosen, self._cheapest(own, np.full(n_eq, float(self.min_count)))]
        ).astype(np.int64)

    def round(self) -> bool:
        """Withhold one complement in every exposing equation; False when none exposes."""
        h = self.hidden[self.q] & ~self.known[self.q]
        n_eq = int(self.eq.max(initial=-1)) + 1
        count = np.bincount(self.eq, weights=h, minlength=n_eq)
        guarded = np.bincount(self.eq, weights=h & self.protected()[self.q], minlength=n_eq)
        pos = np.bincount(self.eq, weights=h & (self.coef > 0), minlength=n_eq)
        total = np.bincount(self.eq, weights=h * self.value[self.q], minlength=n_eq)
        one_side = (pos == 0) | (pos == count)
        # An equation whose only unknown is a rest of 0, or of min_count or more,
        # exposes nothing a cell would not publish.
        exposed = (guarded >= 1) & ((count == 1) | (one_side & (total < self.min_count)))
        if not exposed.any():
            return False
        need = np.where(one_side, np.maximum(self.min_count - total, 1), 1)
        return self.hide(self._cheapest(exposed, need))

    def _candidates(self) -> np.ndarray:
        """Quantities a complement may hide: shown, published, not known from elsewhere,
        and not zero."""
        out = ~self.hidden & ~self.known & (self.value > 0)
        out[self.n :] = False
        return out

    def _cheapest(
        self, equations: np.ndarray, need: np.ndarray, among: np.ndarray | None = None
    ) -> np.ndarray:
        """For each flagged equation, its published member that costs least among those
        of at least ``need`` students; else its largest. Ties go to the lower id."""
        among = self._candidates() if among is None else among
        cand = equations[self.eq] & among[self.q]
        frame = pd.DataFrame(
            {
                "eq": self.eq[cand],
                "q": self.q[cand],
                "value": self.value[self.q[cand]],
                "cost": self.cost[self.q[cand]],
            }
        )
        frame["short"] = frame["value"] < need[frame["eq"]]
        frame["rank"] = np.where(frame["short"], -frame["value"], frame["cost"])
        best = frame.sort_values(["eq", "short", "rank", "q"]).drop_duplicates("eq")
        return best["q"].unique()


class Neighbours:
    """Certificates found near their count: the equations of ``a`` (equations by hidden
    quantities) within some steps of a column, the steps doubling until a certificate
    is found or the column's whole block is taken.

    A certificate is a set of factors ``y``, one per equation, whose sum of equations is
    the column's quantity alone over every hidden quantity. Equations whose hidden
    quantities all lie near the column are a subset of the block's: a certificate among
    them is one over the block (each other equation gets a factor of zero). Most
    counts are given away by a few geographies and groups of one table, so most
    certificates are found in a few steps, by a solve over a few hundred equations
    where the whole block's takes a year's (tens of thousands)."""

    def __init__(self, a: sparse.csr_matrix) -> None:
        self.a = a
        self.touch = (abs(a) > 0).astype(np.int32).tocsr()
        self.touch_t = self.touch.T.tocsr()
        #: Columns whose whole block was looked in.
        self.searched: set[int] = set()

    def certificate(
        self, col: int, max_rows: int | None = None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The equations (rows of ``a``) and factors of a certificate for ``col``; None
        when its whole block holds none (within LSQR's tolerance: ``col`` is then in
        ``searched``), or none lies within ``max_rows`` equations of it."""
        cols = np.zeros(self.a.shape[1], dtype=bool)
        cols[col] = True
        taken, steps = 0, 2
        while True:
            whole = False
            while taken < steps and not whole:
                rows_near = self.touch @ cols.astype(np.int32) > 0
                grown = (self.touch_t @ rows_near.astype(np.int32) > 0) | cols
                whole = grown.sum() == cols.sum()
                cols, taken = grown, taken + 1
            inside = np.flatnonzero(cols)
            near = self.touch @ cols.astype(np.int32)
            rows = np.flatnonzero((near > 0) & (near == np.diff(self.touch.indptr)))
            if max_rows is not None and len(rows) > max_rows and not whole:
                return None
            y = _certificate(self.a[rows][:, inside], int(np.searchsorted(inside, col)))
            if y is not None:
                return rows, y
            if whole:
                self.searched.add(col)
                return None
            steps *= 2


def _certificate(sub: sparse.csr_matrix, target: int) -> np.ndarray | None:
    """Factors ``y`` (per row of ``sub``) with ``sub.T @ y`` the unit vector at
    ``target``, by least squares; None when the rows hold no such sum."""
    # Rows and columns scaled to unit length (LSQR is twice as fast), then back.
    by_row, row_scale, col_scale = unit_scaled(sub)
    unit = np.zeros(sub.shape[1])
    unit[target] = col_scale[target]
    y = row_scale * lsqr(by_row, unit, atol=1e-14, btol=1e-14, iter_lim=20 * sub.shape[0])[0]
    unit[target] = 1.0
    if np.abs(sub.T @ y - unit).max() > 1e-6:
        return None
    return y


def unit_scaled(a: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """``a`` with its rows, then its columns, scaled to unit length, transposed; and the
    factors of its rows and of its columns."""
    row_norm = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
    row_scale = 1.0 / np.where(row_norm > 0, row_norm, 1.0)
    a = sparse.diags(row_scale) @ a
    col_norm = np.sqrt(np.asarray(a.multiply(a).sum(axis=0)).ravel())
    col_scale = 1.0 / np.where(col_norm > 0, col_norm, 1.0)
    return (a @ sparse.diags(col_scale)).T.tocsr(), row_scale, col_scale


def _same_rests(rest: pd.DataFrame, quantities: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rests that are quantities of their own (one row each), and each equation's
    rest quantity (in ``rest``'s order).

    ``rest`` has an equation's first member (its family, measure, year, group and band)
    and, for a geographic equation, ``rest_area``: the number of the set of schools its rest
    counts (-1 if none). Rests of the same indicator, group, band and year over the same
    schools are one quantity; a rest over exactly the schools of a geography is that
    geography's quantity, where the values agree (they always do for a count made school
    by school; a mismatch keeps the rest apart).
    """
    n = len(quantities)
    keys = ["family", "measure", "year", "group", "grade_band", "area"]
    first = quantities.iloc[rest["q"].to_numpy()][keys[:-1]].reset_index(drop=True)
    frame = first.assign(
        area=rest["rest_area"].to_numpy(np.int64),
        value=rest["rest"].to_numpy(),
        row=np.arange(len(rest)),
    )
    # A count of the students of an area is at least zero: a negative rest is not one.
    pooled = (frame["area"] >= 0) & (frame["value"] > 0)
    target = np.full(len(rest), -1, dtype=np.int64)
    if pooled.any() and "area" in quantities:
        named = quantities.loc[quantities["area"] >= 0, [*keys, "q", "value"]]
        hit = frame[pooled].merge(named, on=keys, suffixes=("", "_q"))
        hit = hit[hit["value"] == hit["value_q"]]
        target[hit["row"].to_numpy()] = hit["q"].to_numpy()
    left = target < 0
    group = np.arange(len(rest))
    share = left & pooled.to_numpy()
    if share.any():
        same = frame[share].groupby(keys + ["value"], sort=False)["row"].transform("min")
        group[frame.index[share]] = same.to_numpy()
    firsts = np.flatnonzero(left & (group == np.arange(len(rest))))
    number = np.full(len(rest), -1, dtype=np.int64)
    number[firsts] = n + np.arange(len(firsts))
    target[left] = number[group[left]]
    return rest.iloc[firsts], target


def _shown_quantities(cells: pd.DataFrame, count_indicators: set[str]) -> pd.DataFrame:
    """One row per (cell, quantity it shows), with the quantity's value and whether it
    is the cell's small side (``secret``: what the primary rule protects)."""
    num = cells["numerator"].astype(float)
    den = cells["denominator"].astype(float)
    ind = cells["indicator"]
    parts = []
    base = cells[_PLACE].assign(cell=np.arange(len(cells)))
    counts = ind.isin(count_indicators).to_numpy()
    share = ind.isin(list(SHARE_SOURCES)).to_numpy()
    rate = ~counts & ~share
    family = ind.map(lambda i: SHARE_SOURCES.get(i, i))
    measure_of_share = np.where(ind == "share_of_students", "n", "yes")
    parts.append(
        base[counts].assign(family=ind[counts], measure="n", value=num[counts], secret=True)
    )
    parts.append(
        base[share].assign(
            family=family[share], measure=measure_of_share[share], value=num[share], secret=True
        )
    )
    parts.append(
        base[share].assign(
            family=family[share],
            measure=measure_of_share[share],
            group="all",
            value=den[share],
            secret=False,
        )
    )
    for measure, value in (("yes", num), ("no", den - num)):
        parts.append(
            base[rate].assign(family=ind[rate], measure=measure, value=value[rate], secret=True)
        )
    shown = pd.concat(parts, ignore_index=True)
    return shown[shown["value"].notna()]


def _equations(
    quantities: pd.DataFrame,
    count_indicators: set[str],
    parents: Parents,
    areas: Areas | None = None,
) -> pd.DataFrame:
    """Every equation as rows (eq, q, coef), plus ``rest``: the unpublished difference
    (NaN where the equation holds exactly among published quantities)."""
    blocks = []
    q = quantities
    same_table = ["family", "measure", "year"]
    # Housing groups.
    for total, members in GROUP_RELATIONS:
        blocks.append(
            _sum_equation(
                q, same_table + ["layer", "geo_id", "grade_band"], "group", total, members
            )
        )
    # Grade bands: all grades as the sum of the bands each family publishes.
    for family, fq in q.groupby("family", sort=True):
        bands = sorted(b for b in fq["grade_band"].unique() if b != "all")
        by = same_table + ["layer", "geo_id", "group"]
        blocks.append(_sum_equation(fq, by, "grade_band", "all", bands, tag=str(family)))
    # Geography: every layer within the city, children within their parent.
    for layer in q["layer"].unique():
        if layer == CITY_LAYER:
            continue
        blocks.append(_layer_equation(q, layer, None, areas))
        for parent in parents.get(layer, []):
            blocks.append(_layer_equation(q, layer, parent, areas))
    blocks.append(_denominator_equations(q, count_indicators))
    # Rates declared to partition their population (atlas.protect.exhaustive).
    partitions = exhaustive_equations(q)
    if len(partitions):
        blocks.append(_finish(partitions, "exhaustive"))
    blocks = [b for b in blocks if len(b)]
    if not blocks:  # nothing published adds up to anything else
        empty: dict[str, list[float]] = {"eq": [], "q": [], "coef": [], "rest": [], "block": []}
        return pd.DataFrame({**empty, "rest_area": []})
    eqs = pd.concat(blocks, ignore_index=True)
    eqs["eq"] = eqs.groupby(["block", "key"], sort=True).ngroup()
    eqs["rest_area"] = eqs["rest_area"].fillna(-1) if "rest_area" in eqs else -1
    return eqs[["eq", "q", "coef", "rest", "block", "rest_area"]]


def _finish(rows: pd.DataFrame, block: str) -> pd.DataFrame:
    """Add each equation's rest (sum of coef * value), and drop trivia: an equation of
    one quantity says only that it is itself (its rest would be the same count)."""
    rows = rows.assign(block=block, contrib=rows["coef"] * rows["value"])
    sums = rows.groupby("key")["contrib"].transform("sum")
    rows["rest"] = sums.where(sums != 0)
    sizes = rows.groupby("key")["q"].transform("size")
    return rows[sizes > 1]


def _sum_equation(
    q: pd.DataFrame, by: list[str], dim: str, total: str, members: Iterable[str], tag: str = ""
) -> pd.DataFrame:
    """total - sum(members) along ``dim``, for every key ``by`` where the total and
    every member exist (``tag`` keeps equations of separate calls apart)."""
    members = list(members)
    wanted = q[q[dim].isin([total, *members])]
    if wanted.empty:
        return wanted
    complete = wanted.groupby(by, sort=False)[dim].transform("nunique") == len(members) + 1
    rows = wanted[complete]
    rows = rows.assign(
        key=rows.groupby(by, sort=False).ngroup().astype(str) + f"|{dim}:{total}",
        coef=np.where(rows[dim] == total, 1.0, -1.0),
    )
    return _finish(rows[["key", "q", "coef", "value"]], f"{tag}{dim}:{total}:{','.join(members)}")


def _layer_equation(
    q: pd.DataFrame, layer: str, parent: pd.Series | None, areas: Areas | None = None
) -> pd.DataFrame:
    """The city (or each parent) as the sum of the layer's geographies; with ``areas``,
    each equation's ``rest_area``, the number of the schools its rest counts."""
    by = ["family", "measure", "year", "group", "grade_band"]
    children = q[q["layer"] == layer]
    if parent is None:
        totals = q[q["layer"] == CITY_LAYER].assign(_top=CITY_LAYER)
        children = children.assign(_top=CITY_LAYER)
    else:
        children = children.assign(_top=children["geo_id"].map(parent))
        children = children[children["_top"].notna()]
        top_layer = parent.name
        totals = q[q["layer"] == top_layer].assign(_top=q["geo_id"])
    keyed = pd.concat([totals.assign(coef=1.0), children.assign(coef=-1.0)], ignore_index=True)
    has_total = keyed.groupby([*by, "_top"])["coef"].transform("max") > 0
    keyed = keyed[has_total]
    keyed["key"] = keyed.groupby([*by, "_top"]).ngroup().astype(str)
    name = f"layer:{layer}:{'city' if parent is None else parent.name}"
    columns = ["key", "q", "coef", "value"]
    if areas is not None:
        keyed["rest_area"] = _rest_areas(keyed, areas)
        columns.append("rest_area")
    return _finish(keyed[columns], name)


def _rest_areas(keyed: pd.DataFrame, areas: Areas) -> np.ndarray:
    """Per row of ``keyed`` (an equation's total, coef 1, and its parts, coef -1, with
    each row's ``area``), the number of the schools its equation's rest counts."""
    parts = keyed[keyed["coef"] < 0].sort_values("area")
    with_parts = parts.groupby("key", sort=False)["area"].agg(tuple)
    total = keyed[keyed["coef"] > 0].drop_duplicates("key").set_index("key")["area"]
    pairs = pd.DataFrame({"top": total, "parts": with_parts.reindex(total.index)})
    pairs["parts"] = pairs["parts"].apply(lambda t: t if isinstance(t, tuple) else ())
    found = {
        (top, parts): areas.rest(int(top), parts)
        for top, parts in pairs.drop_duplicates().itertuples(index=False)
    }
    per_key = pd.Series(
        [found[(top, parts)] for top, parts in pairs.itertuples(index=False)], index=pairs.index
    )
    return keyed["key"].map(per_key).to_numpy(np.int64)


def _denominator_equations(q: pd.DataFrame, count_indicators: set[str]) -> pd.DataFrame:
    """Rates whose denominator a reader knows from elsewhere: yes + no = that count.

    Decided from the data, per rate: its denominator equals the students in the same
    cell everywhere, or all but pre-K, or is at most that (the gap is then unknown); or
    equals another rate's everywhere (graduation
    and dropout, the race shares), in which case the shares of one partition add up to
    it too.
    """
    rates = q[q["measure"].isin(["yes", "no"]) & ~q["family"].isin(count_indicators)]
    if rates.empty:
        return pd.DataFrame(columns=["key", "q", "coef", "value"])
    wide = rates.pivot_table(
        index=["family", *_PLACE], columns="measure", values=["q", "value"], aggfunc="first"
    ).dropna()
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    wide = wide.reset_index()
    wide["den"] = wide["value_yes"] + wide["value_no"]
    students = q[(q["family"] == "students") & (q["measure"] == "n")]
    stud = students[[*_PLACE, "q", "value"]].rename(columns={"q": "s_q", "value": "s_val"})
    pre_k = stud[stud["grade_band"] == "pre_k"].drop(columns="grade_band")
    pre_k = pre_k.rename(columns={"s_q": "p_q", "s_val": "p_val"}).assign(grade_band="all")
    wide = wide.merge(stud, on=_PLACE, how="left").merge(pre_k, on=_PLACE, how="left")
    wide["p_val"] = wide["p_val"].fillna(0)
    frames = []
    aliased = set()
    for family, part in wide.groupby("family", sort=True):
        rows = [
            part[["q_yes"]].rename(columns={"q_yes": "q"}).assign(coef=-1.0, _i=part.index),
            part[["q_no"]].rename(columns={"q_no": "q"}).assign(coef=-1.0, _i=part.index),
        ]
        # The denominator is the students, or the students but pre-K; or it is bounded
        # by them (a rate on students with a day enrolled): then the gap is the
        # equation's unpublished rest, at least zero (taken as exact where it is zero,
        # which only makes the attacker stronger).
        k12 = part["s_val"] - part["p_val"]
        exact = (part["den"] == part["s_val"]).all() or (part["den"] == k12).all()
        if (part["den"] == part["s_val"]).all() or not (part["den"] <= k12).all():
            if not (part["den"] <= part["s_val"]).all():
                continue
            rows.append(part[["s_q"]].rename(columns={"s_q": "q"}).assign(coef=1.0, _i=part.index))
        else:
            rows.append(part[["s_q"]].rename(columns={"s_q": "q"}).assign(coef=1.0, _i=part.index))
            pk = part[part["p_q"].notna()]
            rows.append(pk[["p_q"]].rename(columns={"p_q": "q"}).assign(coef=-1.0, _i=pk.index))
        if exact:
            aliased.add(family)
        eq = pd.concat(rows, ignore_index=True)
        eq["key"] = f"{family}|" + eq["_i"].astype(str)
        frames.append(eq)
    frames += _shared_denominators(wide, aliased)
    if not frames:
        return pd.DataFrame(columns=["key", "q", "coef", "value"])
    frame = pd.concat(frames, ignore_index=True)
    frame["q"] = frame["q"].astype(np.int64)
    value = q.set_index("q")["value"]
    frame["value"] = value.reindex(frame["q"]).to_numpy()
    return _finish(frame[["key", "q", "coef", "value"]], "denominator")


def _shared_denominators(wide: pd.DataFrame, aliased: set[str]) -> list[pd.DataFrame]:
    """Rates with the same denominator in every cell: yes_a + no_a = yes_b + no_b (unless
    both are known from the students already), and where the numerators of such rates
    add up to it (a partition, as race and ethnicity), no_a = the other rates' yes."""
    frames = []
    by_den: dict[bytes, list[pd.DataFrame]] = {}
    for _family, part in wide.groupby("family", sort=True):
        part = part.set_index(_PLACE).sort_index()
        signature = pd.util.hash_pandas_object(part["den"]).to_numpy().tobytes()
        by_den.setdefault(signature, []).append(part)

    def rows(key: pd.Series, src: pd.DataFrame, col: str, coef: float) -> pd.DataFrame:
        return pd.DataFrame({"key": key.to_numpy(), "q": src[col].to_numpy(), "coef": coef})

    for group in by_den.values():
        if len(group) < 2:
            continue
        first = group[0]
        name = first["family"].iloc[0]
        index = pd.Series(np.arange(len(first))).astype(str)
        for n, other in enumerate(group[1:]):
            if {name, other["family"].iloc[0]} <= aliased:
                continue
            key = f"shared|{name}|{n}|" + index
            frames += [
                rows(key, first, "q_yes", 1.0),
                rows(key, first, "q_no", 1.0),
                rows(key, other, "q_yes", -1.0),
                rows(key, other, "q_no", -1.0),
            ]
        if (sum(g["value_yes"] for g in group) == first["den"]).all():
            key = f"partition|{name}|" + index
            frames.append(rows(key, first, "q_no", 1.0))
            frames += [rows(key, g, "q_yes", -1.0) for g in group[1:]]
    return frames
