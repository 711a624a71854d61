"""The attacker's linear system: can any withheld count be narrowed to fewer than
``min_count`` possible values from what the release publishes?

Written independently of the suppressor (:mod:`atlas.protect.complement`): it knows
nothing of its equations or choices, only the published table and what a reader knows
about how the numbers are made.

**Unknowns.** The attacker's unknowns are the finest pieces the release adds up:
students of one school, one grade band and one *atom* (the finest housing group,
:data:`atlas.groups.GROUP_ATOMS`), for each outcome. School locations are public, so
every layer, nested or not, is a sum of schools, and a difference between layers that
do not nest is caught like any other.

**What a reader knows.** Every published count and denominator is an equality on a
sum of unknowns; every unknown is at least zero; a rate's outcome and non-outcome add
up to its denominator; where an indicator counts all students (or all but pre-K) its
denominator is that count of students; the race and ethnicity shares partition the
students; graduation and dropout are outcomes of one cohort. A published rate adds
nothing once its numerator and denominator are published (the long table has both).

**The test.** For each withheld count (a withheld cell's numerator, and its
denominator minus numerator), the audit proves that the attacker's feasible interval
is at least ``min_count`` wide: it finds, by linear programming (HiGHS), solutions of
the system far enough apart. Solutions are sought around the true values with a set of
unknowns free to move (those inside some withheld cell; the others keep their true
values), so every solution found is one the attacker cannot rule out: the intervals
found lie inside the attacker's, and a pass is a proof. A count whose interval is
narrower is reported, with the interval.

Each year and family of indicators is an independent block. Families that share the
students' unknowns (counts, shares, and race when every student has one) are solved
together; a rate's outcome is solved with the students fixed at their true values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import highspy
import numpy as np
import pandas as pd
from scipy import sparse

from atlas.groups import GROUP_ATOMS
from atlas.model import CITY_LAYER, PARTITIONS, SCHOOL_LAYER, SHARE_SOURCES

SHOWN = ("published", "omitted_reliability", "top_coded", "bottom_coded")
_INF = highspy.kHighsInf


@dataclass(frozen=True)
class Exposure:
    """A withheld count the attacker can pin to an interval narrower than allowed."""

    indicator: str
    layer: str
    geo_id: str
    group: str
    grade_band: str
    year: str
    side: str  # "numerator" or "denominator minus numerator"
    low: float  # interval found (relative: true value lies inside)
    high: float

    def __str__(self) -> str:
        return (
            f"{self.indicator} {self.group} {self.grade_band} in {self.layer} {self.geo_id}, "
            f"{self.year}: its {self.side} can be narrowed to an interval "
            f"{self.high - self.low:g} wide"
        )


def attack(
    table: pd.DataFrame,
    atoms: pd.DataFrame,
    school_geo: pd.DataFrame,
    *,
    min_count: int,
) -> list[Exposure]:
    """Every withheld count of ``table`` whose feasible interval is under ``min_count``.

    ``atoms`` holds the true per-school counts (see :func:`atlas.compute.compute_release`);
    ``school_geo`` maps school_id to its geo_id in each layer.
    """
    geo = school_geo.set_index("school_id").astype(str)
    geo[CITY_LAYER] = CITY_LAYER
    geo[SCHOOL_LAYER] = geo.index
    # Schools in the same geography of every layer are one piece to the attacker,
    # unless the school layer itself is published (the students' block).
    layers = [c for c in geo.columns if c != SCHOOL_LAYER]
    piece = geo.reset_index().groupby(layers, dropna=False)["school_id"].transform("first")
    piece.index = geo.index
    out: list[Exposure] = []
    for year, cells in table.groupby("year", sort=True):
        year_atoms = atoms[atoms["year"] == year]
        for block in _blocks(cells, year_atoms, piece):
            out += [replace(e, year=str(year)) for e in block.solve(geo, min_count)]
    return out


# --- families ---------------------------------------------------------------------


def _students(atoms: pd.DataFrame) -> pd.Series:
    return atoms["p__students"].fillna(0)


def _alias(atoms: pd.DataFrame, indicator: str) -> str | None:
    """How the indicator's population relates to the students, per atom: 'same', 'k12'
    (all but pre-K), or None (a subset only)."""
    pop = atoms.get(f"p__{indicator}")
    stud = atoms.get("p__students")
    if pop is None or stud is None:
        return None
    rows = stud.notna() & pop.notna()
    if not rows.any():
        return None
    pop, stud, band = pop[rows], stud[rows], atoms.loc[rows, "grade_band"]
    if (pop == stud).all():
        return "same"
    if (pop == stud.where(band != "pre_k", 0)).all():
        return "k12"
    return None


@dataclass
class _Block:
    """One independent linear system: its categories of unknowns, the published cells
    (as equalities) and the withheld cells (as objectives)."""

    name: str
    atoms: pd.DataFrame  # school_id, grade_band, atom, and one column per category
    categories: list[str]
    measures: pd.DataFrame  # layer, geo_id, group, grade_band, cats (tuple), shown, target
    atom_rows: list[tuple[tuple[str, ...], tuple[float, ...], str]]  # coefs per atom, sense
    lower: dict[str, pd.Series]  # extra lower bounds on a category's change, per atom

    def solve(self, geo: pd.DataFrame, min_count: int) -> list[Exposure]:
        return _solve(self, geo, min_count)


def _pieces(atoms: pd.DataFrame, piece: pd.Series) -> pd.DataFrame:
    """Atoms summed over the schools of each piece (named by one of its schools)."""
    keyed = atoms.assign(school_id=piece.reindex(atoms["school_id"]).to_numpy())
    value_cols = [c for c in atoms.columns if c[:3] in ("p__", "e__")]
    return keyed.groupby(["year", "school_id", "grade_band", "atom"], as_index=False)[
        value_cols
    ].sum(min_count=1)


def _blocks(cells: pd.DataFrame, atoms: pd.DataFrame, piece: pd.Series) -> list[_Block]:
    """The year's blocks, from its cells and its atoms."""
    present = set(cells["indicator"])
    blocks = []
    student_atoms = atoms[atoms["p__students"].notna()] if "p__students" in atoms else atoms
    race = PARTITIONS["race"]
    race_with_students = (
        "students" in present
        and all(_alias(student_atoms, r) == "same" for r in race if r in present)
        and any(r in present for r in race)
    )
    rates = sorted(
        i
        for i in present
        if f"e__{i}" in atoms.columns and not any(i in p for p in PARTITIONS.values())
    )
    if "students" in present:
        blocks.append(_students_block(cells, student_atoms, rates, race_with_students))
    pieces = _pieces(atoms, piece)
    for indicator in rates:
        blocks.append(_rate_block(cells, pieces, indicator))
    for name, members in PARTITIONS.items():
        if name == "race" and race_with_students:
            continue
        if any(m in present for m in members):
            blocks.append(_partition_block(cells, pieces, name, members))
    return [b for b in blocks if len(b.measures)]


#: How a cell's sum enters the system: its numerator (shown, or the target when the
#: cell is withheld), a denominator (shown only), or its other side (a target only).
NUM, DEN, REST = "numerator", "denominator", "denominator minus numerator"
Spec = dict[str, list[tuple[tuple[str, ...], bool, str]]]


def _measures(cells: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """One row per (cell, sum it shows or hides): ``spec`` maps an indicator to its sums
    as (categories, of the group 'all' instead of the cell's group, role)."""
    parts = []
    for indicator, sums in spec.items():
        rows = cells[cells["indicator"] == indicator]
        shown = rows["flag"].isin(SHOWN).to_numpy()
        withheld = (rows["flag"] == "withheld").to_numpy()
        for cats, of_all, role in sums:
            part = rows[["indicator", "layer", "geo_id", "group", "grade_band"]].copy()
            part["cell_group"] = part["group"]
            if of_all:
                part["group"] = "all"
            part["cats"] = [cats] * len(part)
            part["shown"] = shown & (role != REST)
            part["target"] = withheld & (role != DEN)
            part["side"] = role
            parts.append(part[part["shown"] | part["target"]])
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def _students_block(
    cells: pd.DataFrame, atoms: pd.DataFrame, rates: list[str], with_race: bool
) -> _Block:
    cats = ["n"]
    spec: Spec = {
        "students": [(("n",), False, NUM)],
        "share_of_students": [(("n",), False, NUM), (("n",), True, DEN)],
    }
    frame = atoms[["school_id", "grade_band", "atom"]].assign(n=_students(atoms))
    atom_rows: list[tuple[tuple[str, ...], tuple[float, ...], str]] = []
    lower: dict[str, pd.Series] = {}
    if with_race:
        races = [r for r in PARTITIONS["race"] if f"e__{r}" in atoms]
        for r in races:
            frame[r] = atoms[f"e__{r}"].fillna(0).to_numpy()
            others = tuple(x for x in races if x != r)
            spec[r] = [((r,), False, NUM), (tuple(races), False, DEN), (others, False, REST)]
        cats += races
        atom_rows.append((("n", *races), (1.0, *[-1.0] * len(races)), "eq"))
    # A rate that counts all students (or all but pre-K) publishes their count as its
    # denominator; its non-outcome absorbs a change in the students.
    floor = -frame["n"].astype(float)
    for indicator in rates:
        alias = _alias(atoms, indicator)
        pop = atoms[f"p__{indicator}"].fillna(0).to_numpy(float)
        yes = atoms[f"e__{indicator}"].fillna(0).to_numpy(float)
        if alias is None:
            floor = np.maximum(floor, pop - frame["n"].to_numpy(float))
            continue
        in_pop = (atoms["grade_band"] != "pre_k").to_numpy() if alias == "k12" else True
        floor = np.maximum(floor, np.where(in_pop, -(pop - yes), floor))
        cat = f"den:{indicator}"
        frame[cat] = np.where(in_pop, frame["n"], 0)
        cats.append(cat)
        atom_rows.append((("n", cat), (1.0, -1.0), "eq" if alias == "same" else "k12"))
        spec[indicator] = [((cat,), False, DEN)]
    lower["n"] = pd.Series(np.asarray(floor, dtype=float), index=frame.index)
    return _Block("students", frame, cats, _measures(cells, spec), atom_rows, lower)


def _rate_block(cells: pd.DataFrame, atoms: pd.DataFrame, indicator: str) -> _Block:
    rows = atoms[atoms[f"p__{indicator}"].notna()]
    yes = rows[f"e__{indicator}"].fillna(0)
    frame = rows[["school_id", "grade_band", "atom"]].assign(
        yes=yes, no=rows[f"p__{indicator}"] - yes
    )
    spec: Spec = {
        indicator: [(("yes",), False, NUM), (("yes", "no"), False, DEN), (("no",), False, REST)]
    }
    share = next((s for s, src in SHARE_SOURCES.items() if src == indicator), None)
    if share is not None:
        spec[share] = [(("yes",), False, NUM), (("yes",), True, DEN)]
    alias = _alias(atoms, indicator)
    atom_rows: list[tuple[tuple[str, ...], tuple[float, ...], str]] = []
    if alias is not None:
        atom_rows.append((("yes", "no"), (1.0, 1.0), "fixed"))
    else:
        room = (_students(rows) - rows[f"p__{indicator}"]) if "p__students" in rows else None
        atom_rows.append((("yes", "no"), (1.0, 1.0), "room" if room is not None else "free"))
        if room is not None:
            frame["_room"] = room.to_numpy(float)
    return _Block(indicator, frame, ["yes", "no"], _measures(cells, spec), atom_rows, {})


def _partition_block(
    cells: pd.DataFrame, atoms: pd.DataFrame, name: str, members: Iterable[str]
) -> _Block:
    members = [m for m in members if f"e__{m}" in atoms]
    first = f"p__{members[0]}"
    rows = atoms[atoms[first].notna()]
    frame = rows[["school_id", "grade_band", "atom"]].copy()
    for m in members:
        frame[m] = rows[f"e__{m}"].fillna(0).to_numpy()
    frame["rest"] = rows[first].to_numpy() - frame[members].sum(axis=1)
    cats = [*members, "rest"]
    spec: Spec = {
        m: [
            ((m,), False, NUM),
            (tuple(cats), False, DEN),
            (tuple(c for c in cats if c != m), False, REST),
        ]
        for m in members
    }
    return _Block(name, frame, cats, _measures(cells, spec), [], {})


# --- the linear programs ------------------------------------------------------------

_GROUPS_OF_ATOM: dict[str, list[str]] = {}
for _group, _atoms in GROUP_ATOMS.items():
    for _atom in _atoms:
        _GROUPS_OF_ATOM.setdefault(_atom, []).append(_group)


def _support(atoms: pd.DataFrame, geo: pd.DataFrame, layers: Iterable[str]) -> pd.DataFrame:
    """For each atom row (index ``a``), every (layer, geo_id, group, grade_band) whose
    sum includes it."""
    base = atoms[["school_id", "grade_band", "atom"]].assign(a=np.arange(len(atoms)))
    groups = pd.DataFrame(
        [(atom, g) for atom, gs in _GROUPS_OF_ATOM.items() for g in gs], columns=["atom", "group"]
    )
    base = base.merge(groups, on="atom")
    bands = pd.concat([base, base.assign(grade_band="all")], ignore_index=True)
    parts = []
    for layer in layers:
        if layer not in geo.columns:
            continue
        g = geo[layer].reindex(bands["school_id"]).to_numpy()
        part = bands.assign(layer=layer, geo_id=g)
        parts.append(part[pd.notna(g)])
    return pd.concat(parts, ignore_index=True)[["a", "layer", "geo_id", "group", "grade_band"]]


def _solve(block: _Block, geo: pd.DataFrame, min_count: int) -> list[Exposure]:
    m = block.measures
    targets = m[m["target"]]
    if targets.empty:
        return []
    key = ["layer", "geo_id", "group", "grade_band"]
    support = _support(block.atoms, geo, m["layer"].unique())
    # Unknowns free to move: the atoms inside some withheld cell.
    target_keys = targets[key].drop_duplicates()
    moving_atoms = np.unique(support.merge(target_keys, on=key)["a"].to_numpy())
    if len(moving_atoms) == 0:
        return [_exposure(t, 0.0, 0.0) for t in targets.itertuples(index=False)]
    cats = block.categories
    n_atoms = len(moving_atoms)
    col_of_atom = pd.Series(np.arange(n_atoms), index=moving_atoms)
    n_cols = n_atoms * len(cats)

    def col(a_idx: np.ndarray, cat: str) -> np.ndarray:
        return cats.index(cat) * n_atoms + a_idx

    truth = np.concatenate([block.atoms[c].to_numpy(float)[moving_atoms] for c in cats])
    lower = -truth
    for cat, floor in block.lower.items():
        i = cats.index(cat)
        lower[i * n_atoms : (i + 1) * n_atoms] = np.maximum(
            lower[i * n_atoms : (i + 1) * n_atoms], floor.to_numpy(float)[moving_atoms]
        )
    upper = np.full(n_cols, _INF)
    # Sums over the moving atoms: one row per (cell, sum), entries per category.
    sup = support[support["a"].isin(moving_atoms)]
    sup = sup.assign(c=col_of_atom.reindex(sup["a"]).to_numpy())
    m = m.reset_index(drop=True).assign(row=np.arange(len(m)))
    hits = m.merge(sup, on=key)[["row", "c"]]
    entries_r, entries_c = [], []
    for cat_tuple, rows in m.groupby("cats", sort=False)["row"]:
        h = hits[hits["row"].isin(rows)]
        for cat in cat_tuple:
            entries_r.append(h["row"].to_numpy())
            entries_c.append(col(h["c"].to_numpy(), cat))
    r = np.concatenate(entries_r)
    c = np.concatenate(entries_c)
    matrix = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(m), n_cols))
    matrix.sum_duplicates()
    shown = m["shown"].to_numpy()
    equalities = matrix[shown]
    objectives = matrix[m["target"].to_numpy()]
    # Per-atom relations between categories.
    extra_rows, extra_lo, extra_hi = [], [], []
    idx = np.arange(n_atoms)
    for cat_tuple, coefs, sense in block.atom_rows:
        rows_r = np.concatenate([idx] * len(cat_tuple))
        rows_c = np.concatenate([col(idx, cat) for cat in cat_tuple])
        vals = np.concatenate([np.full(n_atoms, k) for k in coefs])
        extra_rows.append(sparse.csr_matrix((vals, (rows_r, rows_c)), shape=(n_atoms, n_cols)))
        if sense in ("eq", "fixed"):
            lo = hi = np.zeros(n_atoms)
        elif sense == "k12":  # the denominator follows the students except in pre-K
            pre_k = block.atoms["grade_band"].to_numpy()[moving_atoms] == "pre_k"
            lo = np.where(pre_k, -_INF, 0.0)
            hi = np.where(pre_k, _INF, 0.0)
            # and is zero in pre-K
            dcat = cat_tuple[1]
            j = col(idx[pre_k], dcat)
            lower[j] = 0.0
            upper[j] = 0.0
        elif sense == "room":
            lo = np.full(n_atoms, -_INF)
            hi = block.atoms["_room"].to_numpy(float)[moving_atoms]
        else:
            continue
        extra_lo.append(lo)
        extra_hi.append(hi)
    a_eq = sparse.vstack([equalities, *extra_rows[: len(extra_lo)]]).tocsc()
    row_lo = np.concatenate([np.zeros(equalities.shape[0]), *extra_lo])
    row_hi = np.concatenate([np.zeros(equalities.shape[0]), *extra_hi])
    lp = _model(a_eq, row_lo, row_hi, lower, upper)
    return _intervals(lp, objectives, m[m["target"].to_numpy()], min_count)


def _model(a: sparse.csc_matrix, row_lo, row_hi, col_lo, col_hi) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = a.shape[1]
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = np.zeros(a.shape[1])
    lp.col_lower_ = np.asarray(col_lo, dtype=float)
    lp.col_upper_ = np.asarray(col_hi, dtype=float)
    lp.row_lower_ = np.asarray(row_lo, dtype=float)
    lp.row_upper_ = np.asarray(row_hi, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    h.passModel(lp)
    return h


def _intervals(
    h: highspy.Highs, objectives: sparse.csr_matrix, targets: pd.DataFrame, min_count: int
) -> list[Exposure]:
    """Widen each target's known interval (around 0, the truth) with LP solutions until
    it is ``min_count`` wide; report those that cannot be widened enough."""
    k = objectives.shape[0]
    low = np.zeros(k)
    high = np.zeros(k)
    n = objectives.shape[1]
    costs_idx = np.arange(n, dtype=np.int32)

    def record(x: np.ndarray) -> None:
        v = objectives @ x
        np.minimum(low, v, out=low)
        np.maximum(high, v, out=high)

    for i in range(k):
        for sense in (-1.0, 1.0):  # maximize, then minimize
            if high[i] - low[i] >= min_count:
                break
            cost = np.zeros(n)
            row = objectives.getrow(i)
            cost[row.indices] = sense * row.data
            h.changeColsCost(n, costs_idx, cost)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                high[i] = np.inf if sense < 0 else high[i]
                low[i] = -np.inf if sense > 0 else low[i]
                continue
            if status != highspy.HighsModelStatus.kOptimal:
                continue
            record(np.asarray(h.getSolution().col_value))
    narrow = np.flatnonzero(high - low < min_count - 1e-6)
    return [_exposure(targets.iloc[i], low[i], high[i]) for i in narrow]


def _exposure(t, low: float, high: float) -> Exposure:
    get = t.__getitem__ if isinstance(t, pd.Series) else lambda f: getattr(t, f)
    return Exposure(
        indicator=get("indicator"),
        layer=get("layer"),
        geo_id=get("geo_id"),
        group=get("cell_group"),
        grade_band=get("grade_band"),
        year="",
        side=get("side"),
        low=float(low),
        high=float(high),
    )
