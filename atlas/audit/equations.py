"""The attacker's linear programs over the release's equations.

The suppressor (:mod:`atlas.protect.complement`) checks one equation at a time; a
reader can combine them all. This audit takes every equation a reader knows (the same
system of quantities, :func:`atlas.protect.complement.build_system`), fixes what the
release publishes, and for every withheld count solves its minimum and maximum by
linear programming (HiGHS) over everything else, with every count at least zero. The
unpublished rest of an equation (the students of a difference area, or outside a rate's
population) is a count too: one of 1 to ``min_count - 1`` is checked like a withheld one.

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
    targets: int  # withheld quantities, and rests of 1 to min_count - 1
    programs: int  # linear programs solved
    unproven: int = 0  # withheld quantities in blocks too large to solve, by equation only
    proven_in_pieces: int = 0  # of those in large blocks, proven with student counts held
    differences: int = 0  # of the targets, rests (differences no cell shows)


#: The quantity family that ties a large block together: holding it splits the block.
HELD_FAMILY = "students"
#: Rounds of programs per piece of a large block, the held counts at their true values.
ROUNDS = 6
#: Rounds after those, in which the held counts move (lifted) where counts are still short.
LIFTS = 6
#: How far a vector may miss an equation or a bound and still count as a solution.
TOLERANCE = 1e-6


#: Blocks with more unknowns than this are checked equation by equation only.
MAX_BLOCK = 3000


def attack_equations(
    system: System,
    withheld: np.ndarray,
    min_count: int,
    max_block: int = MAX_BLOCK,
    *,
    pieces: bool = False,
    gaps: bool = True,
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
    # An equation's rest of 1 to min_count - 1 (a difference area, the students outside
    # a rate's population) is a count of students that no cell shows: it is protected
    # as if one did. A rest of min_count or more may be worked out, as a cell published.
    small_rest = (np.arange(n_all) >= system.n) & (system.value < min_count)
    if not gaps:
        small_rest[system.n :] &= system.rest_area
    # A withheld true zero counts no student: there is no one to protect in it.
    target = unknown & (shown_by_cell | small_rest) & (system.value > 0)
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
    result.differences = int((target & small_rest).sum())
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
            if pieces:
                held = family[cols[block_cols]] == HELD_FAMILY
                proven, solved = _prove_in_pieces(
                    sub, value[block_cols], is_target[block_cols], held, min_count
                )
                result.programs += solved
                result.proven_in_pieces += int(proven.sum())
                result.unproven += int((is_target[block_cols] & ~proven).sum())
            else:
                result.unproven += int(is_target[block_cols].sum())
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
    """Which ``targets`` have an interval at least ``min_count`` wide, found in pieces,
    and the programs solved to find out.

    Holding the ``held`` unknowns splits the block into pieces linked by no free
    unknown. In the first ``ROUNDS`` rounds they stay at their true values, and each
    piece's program pushes its short counts together. In the ``LIFTS`` rounds after,
    they move: an interior-point program over the whole block pushes every short count,
    and each piece is solved again, pushing its own, with the held counts where that
    program put them (a new right-hand side). Each round's vector, all pieces together,
    is checked against every equation and bound of the block before any interval grows
    from it.
    """
    n = a.shape[1]
    free = np.flatnonzero(~held)
    by_col = a.tocsc()
    with_free = np.flatnonzero(np.diff(by_col[:, free].tocsr().indptr) > 0)
    n_pieces, col_label, row_label = _components(by_col[with_free][:, free])
    size = np.bincount(col_label, minlength=n_pieces)
    # Free unknowns alone in their piece are set by the held ones: they go with them.
    piece_of = np.full(n, -1)
    piece_of[free] = np.where(size[col_label] > 1, col_label, -1)
    row_piece = np.full(a.shape[0], -1)
    row_piece[with_free] = np.where(size[row_label] > 1, row_label, -1)
    side = piece_of < 0
    col_slices, col_order = _slices(piece_of + 1, n_pieces + 1)
    row_slices, row_order = _slices(row_piece + 1, n_pieces + 1)
    pieces = []
    for p in np.flatnonzero(size > 1):
        cols = col_order[col_slices[p + 1] : col_slices[p + 2]]
        rows = a[row_order[row_slices[p + 1] : row_slices[p + 2]]]
        pieces.append((cols, rows[:, cols], rows[:, side]))
    programs: dict[int, _Program] = {}
    low = np.zeros(n)
    high = np.zeros(n)
    solved = 0
    draw = np.random.default_rng(0)
    for round_ in range(ROUNDS + LIFTS):
        short = targets & (high - low < min_count - 1e-9)
        if not short.any():
            break
        # Counts that add up to something published move against each other, so
        # pushing them all one way moves none. Once moved, their intervals mirror each
        # other: each is pushed the way it has moved less so far (even rounds) or more
        # (odd rounds), which moves them apart, and is not stopped for good by a count
        # already at zero. Counts not moved yet are pushed a way drawn at random
        # (seeded: the same release, the same programs). Down costs +1.
        way = np.sign(high + low) * (1.0 if round_ % 2 == 0 else -1.0)
        sign = np.where(way != 0, way, draw.choice([-1.0, 1.0], size=n))
        x = np.zeros(n)
        lifted = round_ >= ROUNDS and side.any()
        if lifted:
            whole = _Program(a, *_bounds(value, short, min_count), interior=True)
            lift = whole.solve(sign * short)
            solved += 1
            if lift is None:
                continue
            x[side] = lift[side]
        for i, (cols, rows, coupling) in enumerate(pieces):
            rhs = -(coupling @ x[side])
            if not short[cols].any() and not (lifted and np.abs(rhs).max() > 0):
                continue
            if i not in programs:
                programs[i] = _Program(rows, *_bounds(value[cols], short[cols], min_count))
            program = programs[i]
            shift = float(np.abs(rhs).max())
            found = program.solve(
                sign[cols] * short[cols], _bounds(value[cols], short[cols], min_count, shift), rhs
            )
            solved += 1
            if found is None and lifted:  # the caps of the pushed counts may be too tight
                uncapped = _bounds(value[cols], np.zeros(len(cols), dtype=bool), min_count)
                found = program.solve(np.zeros(len(cols)), uncapped, rhs)
                solved += 1
            if found is None:
                break
            x[cols] = found
        else:
            if _solves(a, value, x):
                np.minimum(low, x, out=low)
                np.maximum(high, x, out=high)
    return targets & (high - low >= min_count - 1e-6), solved


def _bounds(
    value: np.ndarray, pushed: np.ndarray, min_count: int, shift: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on the changes: every count at least zero; a pushed count's change capped
    at ``min_count`` (plus ``shift``, the most a right-hand side moved) each way, so that
    the program is bounded and spreads its push."""
    cap = min_count + shift
    lower = np.where(pushed, np.maximum(-value, -cap), -value).astype(float)
    upper = np.where(pushed, cap, highspy.kHighsInf)
    return lower, upper


def _solves(a: sparse.csr_matrix, value: np.ndarray, x: np.ndarray) -> bool:
    """Whether the changes ``x`` keep every equation of ``a`` and every count >= 0."""
    return bool(np.abs(a @ x).max(initial=0.0) <= TOLERANCE and (value + x).min() >= -TOLERANCE)


class _Program:
    """A linear program over changes x with ``a @ x = rhs`` (zero at first) and bounds,
    solved by HiGHS again and again with new costs, bounds or right-hand side (the
    simplex starts from its last basis)."""

    def __init__(
        self, a: sparse.spmatrix, lower: np.ndarray, upper: np.ndarray, *, interior: bool = False
    ) -> None:
        self.n, self.m = a.shape[1], a.shape[0]
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        if interior:  # large: an interior point, not a vertex, is all a lift needs
            self.highs.setOptionValue("solver", "ipm")
            self.highs.setOptionValue("run_crossover", "off")
        lp = highspy.HighsLp()
        csc = sparse.csc_matrix(a)
        lp.num_col_, lp.num_row_ = self.n, self.m
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_, lp.col_upper_ = lower, upper
        lp.row_lower_ = np.zeros(self.m)
        lp.row_upper_ = np.zeros(self.m)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr
        lp.a_matrix_.index_ = csc.indices
        lp.a_matrix_.value_ = csc.data.astype(float)
        self.highs.passModel(lp)
        self.cols = np.arange(self.n, dtype=np.int32)
        self.status = highspy.HighsModelStatus.kNotset

    def solve(
        self,
        cost: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray] | None = None,
        rhs: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """The solution minimizing ``cost``, or None if there is none."""
        if bounds is not None:
            self.highs.changeColsBounds(self.n, self.cols, *bounds)
        if rhs is not None:
            rows = np.arange(self.m, dtype=np.int32)
            self.highs.changeRowsBounds(self.m, rows, rhs, rhs)  # type: ignore[attr-defined]
        self.highs.changeColsCost(self.n, self.cols, cost)
        self.highs.run()
        self.status = self.highs.getModelStatus()
        if self.status != highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(self.highs.getSolution().col_value)


def _intervals(
    a: sparse.csr_matrix,
    value: np.ndarray,
    targets: np.ndarray,
    min_count: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Each unknown's change interval around its true value (0 = the truth)."""
    n = a.shape[1]
    low = np.zeros(n)
    high = np.zeros(n)
    if a.shape[0] == 0:  # no equation holds it: it may be anything from 0 up
        return -value, np.full(n, np.inf), 0
    if n == 1:  # one unknown in an equation: the equation gives it away
        return low, high, 0
    # Moves of a withheld count are capped at min_count each way: a wider interval is
    # not needed, and the capped programs are bounded and quick.
    lower, upper = _bounds(value, targets, min_count)
    program = _Program(a, lower, upper)
    programs = 0

    def solve(cost: np.ndarray) -> None:
        nonlocal programs
        x = program.solve(cost)
        programs += 1
        if x is None:
            raise RuntimeError(f"the attacker's program ended as {program.status}")
        np.minimum(low, x, out=low)
        np.maximum(high, x, out=high)

    def still_short(target: np.ndarray) -> np.ndarray:
        return target & (high - low < min_count - 1e-9)

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
