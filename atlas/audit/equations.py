"""The attacker's linear programs over the release's equations.

The suppressor (:mod:`atlas.protect.complement`) checks one equation at a time; a
reader can combine them all. This audit takes every equation a reader knows (the same
system of quantities, :func:`atlas.protect.complement.build_system`), fixes what the
release publishes, and for every withheld count solves its minimum and maximum by
linear programming (HiGHS) over everything else, with every count at least zero.

The unknowns split into independent blocks (connected by no equation), each solved
on its own. Within a block, each solution found also widens the intervals of the
other counts, so most need no program of their own. A count passes when its interval
is at least ``min_count`` wide.

Blocks too large for one program (the whole year's rates, tied together through the
student counts every rate shares) are proven in pieces: holding some unknowns at their
true values is a restriction of the attacker's program, so any solution of the
restricted program is also a solution of the whole one, and an interval it finds is
within the true interval. A count whose restricted interval is wide enough is proven;
one that is not is left "by equation only", never declared narrow.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from atlas.protect.complement import System


@dataclass(frozen=True)
class Narrow:
    """A withheld quantity the equations pin to an interval under ``min_count`` wide."""

    quantity: int
    low: float  # the interval, as values
    high: float


@dataclass
class EquationAttack:
    narrow: list[Narrow]
    blocks: int  # blocks solved by linear programming
    targets: int  # withheld quantities
    programs: int  # linear programs solved
    unproven: int = 0  # withheld quantities in blocks too large to solve, by equation only
    proven_in_pieces: int = 0  # of those in large blocks, proven with student counts held


#: The quantity family that ties a large block together: holding it splits the block.
HELD_FAMILY = "students"
#: Programs per piece of a large block.
ROUNDS = 12


#: Blocks with more unknowns than this are checked equation by equation only.
MAX_BLOCK = 3000


def attack_equations(
    system: System,
    withheld: np.ndarray,
    min_count: int,
    max_block: int = MAX_BLOCK,
    *,
    pieces: bool = False,
) -> EquationAttack:
    """Solve every withheld quantity's interval; ``withheld`` flags the cells.

    Blocks larger than ``max_block`` unknowns are not solved whole: each of their
    equations is checked on its own (no equation may hold a single unknown, nor unknowns
    all on one side that add up to fewer than ``min_count``). With ``pieces``, their
    withheld quantities are then proven where they can be with the block's student
    counts held at their true values (the module's docstring says why that is sound);
    the rest are counted in ``unproven``.
    """
    n_all = len(system.value)
    visible = np.zeros(n_all, dtype=bool)
    np.logical_or.at(visible, system.cell_q, ~withheld[system.cell])
    visible |= system.known  # published by a previous edition with the same value
    unknown = ~visible
    unknown[system.n :] = True
    shown_by_cell = np.zeros(n_all, dtype=bool)
    shown_by_cell[system.cell_q] = True
    # A withheld true zero counts no student: there is no one to protect in it.
    target = unknown & shown_by_cell & (system.value > 0)
    # Equations restricted to the unknowns.
    keep = unknown[system.q]
    eq, q, coef = system.eq[keep], system.q[keep], system.coef[keep]
    cols = np.flatnonzero(unknown)
    col_of = np.full(n_all, -1)
    col_of[cols] = np.arange(len(cols))
    eq_ids, eq_rows = np.unique(eq, return_inverse=True)
    matrix = sparse.csr_matrix((coef, (eq_rows, col_of[q])), shape=(len(eq_ids), len(cols)))
    n_blocks, col_label, row_label = _components(matrix)
    value = system.value[cols]
    is_target = target[cols]
    # Each unknown's family; the equations' own unknowns (past system.n) have none.
    family = np.full(n_all, "", dtype=object)
    family[: len(system.quantities)] = system.quantities["family"].to_numpy()
    result = EquationAttack([], 0, int(is_target.sum()), 0)
    pinned = _single_equations(matrix, value, min_count)
    bounds, order = _slices(col_label, n_blocks)
    row_bounds, row_order = _slices(row_label, n_blocks)
    # Rows and columns sorted by block, so that each block is one contiguous slice.
    sorted_matrix = matrix[row_order][:, order].tocsr()
    for b in range(n_blocks):
        block_cols = order[bounds[b] : bounds[b + 1]]
        if not is_target[block_cols].any():
            continue
        rows = sorted_matrix[row_bounds[b] : row_bounds[b + 1]]
        sub = rows[:, bounds[b] : bounds[b + 1]]
        if len(block_cols) > max_block:
            for c in block_cols[is_target[block_cols] & pinned[block_cols]]:
                result.narrow.append(Narrow(int(cols[c]), float("nan"), float("nan")))
            targets = is_target[block_cols]
            if pieces:
                held = family[cols[block_cols]] == HELD_FAMILY
                proven, solved = _prove_in_pieces(sub, value[block_cols], targets, held, min_count)
                result.programs += solved
                result.proven_in_pieces += int(proven.sum())
                targets = targets & ~proven
            result.unproven += int(targets.sum())
            continue
        result.blocks += 1
        low, high, programs = _intervals(sub, value[block_cols], is_target[block_cols], min_count)
        result.programs += programs
        for i in np.flatnonzero(is_target[block_cols] & (high - low < min_count - 1e-6)):
            c = block_cols[i]
            result.narrow.append(
                Narrow(int(cols[c]), float(value[c] + low[i]), float(value[c] + high[i]))
            )
    return result


def _components(matrix: sparse.csr_matrix) -> tuple[int, np.ndarray, np.ndarray]:
    """Blocks of unknowns linked through some equation: their number, and each
    column's and row's block."""
    link = sparse.bmat([[None, matrix], [matrix.T, None]]).tocsr()
    n, label = connected_components(link, directed=False)
    return n, label[matrix.shape[0] :], label[: matrix.shape[0]]


def _slices(label: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """An order that sorts ``label``, and where each of its ``n`` values starts in it."""
    order = np.argsort(label, kind="stable")
    return np.searchsorted(label[order], np.arange(n + 1)), order


def _single_equations(matrix: sparse.csr_matrix, value: np.ndarray, min_count: int) -> np.ndarray:
    """Unknowns that one equation alone gives away, or pins within fewer than
    ``min_count`` values."""
    coo = matrix.tocoo()
    rows, cols, coef = coo.row, coo.col, coo.data
    n_rows = matrix.shape[0]
    count = np.bincount(rows, minlength=n_rows)
    pos = np.bincount(rows, weights=coef > 0, minlength=n_rows)
    total = np.bincount(rows, weights=value[cols], minlength=n_rows)
    one_side = (pos == 0) | (pos == count)
    bad = (count == 1) | (one_side & (total < min_count))
    out = np.zeros(matrix.shape[1], dtype=bool)
    out[cols[bad[rows]]] = True
    return out


def _prove_in_pieces(
    a: sparse.csr_matrix, value: np.ndarray, targets: np.ndarray, held: np.ndarray, min_count: int
) -> tuple[np.ndarray, int]:
    """Which ``targets`` have an interval at least ``min_count`` wide with the ``held``
    unknowns at their true values, and the programs solved to find out.

    Holding them splits the block into pieces linked by no free unknown; each piece's
    programs push its short counts together, in rounds, without a program per count.
    """
    free = np.flatnonzero(~held)
    sub = a.tocsc()[:, free]
    sub = sub[np.unique(sub.indices)].tocsr()  # the equations that hold a free unknown
    n_pieces, col_label, row_label = _components(sub)
    col_slices, col_order = _slices(col_label, n_pieces)
    row_slices, row_order = _slices(row_label, n_pieces)
    sub = sub[row_order][:, col_order].tocsr()
    proven = np.zeros(len(value), dtype=bool)
    programs = 0
    for piece in np.unique(col_label[targets[free]]):
        start, stop = col_slices[piece], col_slices[piece + 1]
        cols = free[col_order[start:stop]]
        if len(cols) == 1:  # alone in its equations: they give it away
            continue
        rows = sub[row_slices[piece] : row_slices[piece + 1]][:, start:stop]
        low, high, solved = _intervals(rows, value[cols], targets[cols], min_count, rounds=ROUNDS)
        programs += solved
        proven[cols] = targets[cols] & (high - low >= min_count - 1e-6)
    return proven, programs


def _intervals(
    a: sparse.csr_matrix,
    value: np.ndarray,
    targets: np.ndarray,
    min_count: int,
    *,
    rounds: int | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Each unknown's change interval found around its true value (0 = the truth).

    With ``rounds``, only that many programs run, each pushing every short count one
    way: an interval found may then be narrower than the truth allows."""
    n = a.shape[1]
    low = np.zeros(n)
    high = np.zeros(n)
    if a.shape[0] == 0:  # no equation holds it: it may be anything from 0 up
        return -value, np.full(n, np.inf), 0
    if n == 1:  # one unknown in an equation: the equation gives it away
        return low, high, 0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    csc = a.tocsc()
    lp.num_col_, lp.num_row_ = n, a.shape[0]
    lp.col_cost_ = np.zeros(n)
    # Moves of a withheld count are capped at min_count each way: a wider interval is
    # not needed, and the capped programs are bounded and quick.
    lower = np.where(targets, np.maximum(-value, -min_count), -value).astype(float)
    upper = np.where(targets, float(min_count), highspy.kHighsInf)
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.row_lower_ = np.zeros(a.shape[0])
    lp.row_upper_ = np.zeros(a.shape[0])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data.astype(float)
    h.passModel(lp)
    idx = np.arange(n, dtype=np.int32)
    programs = 0

    def solve(cost: np.ndarray) -> None:
        nonlocal programs
        h.changeColsCost(n, idx, cost)
        h.run()
        programs += 1
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"the attacker's program ended as {status}")
        x = np.asarray(h.getSolution().col_value)
        np.minimum(low, x, out=low)
        np.maximum(high, x, out=high)

    def still_short(target: np.ndarray) -> np.ndarray:
        return target & (high - low < min_count - 1e-9)

    if rounds is not None:
        # Counts that add up to something published move against each other, so pushing
        # them all one way moves none; each round pushes each short count a way drawn at
        # random (seeded: the same release, the same programs).
        draw = np.random.default_rng(0)
        for _ in range(rounds):
            if not (short := still_short(targets)).any():
                break
            solve(short * draw.choice([-1.0, 1.0], size=n))
        return low, high, programs
    # Rounds of one program up and one down, each pushing together every withheld count
    # whose interval is still short and can still grow that way, while the rounds open
    # some; most intervals open here. Then one count at a time, each way.
    while (short := still_short(targets)).any():
        up = short & (high < upper - 1e-9)
        down = short & (low > lower + 1e-9)
        if up.any():
            solve(-up.astype(float))
        if down.any():
            solve(down.astype(float))
        if still_short(targets).sum() == short.sum():
            break
    cost = np.zeros(n)
    for i in np.flatnonzero(still_short(targets)):
        for sense in (-1.0, 1.0):  # maximize, then minimize
            if high[i] - low[i] >= min_count:
                break
            cost[:] = 0.0
            cost[i] = sense
            solve(cost)
    return low, high, programs
