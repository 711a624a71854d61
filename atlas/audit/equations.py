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

Large blocks are also searched for leaks in two relaxations: every equation that holds
a student count is dropped, which splits the block into pieces small enough to solve;
and the student counts are taken with their own equations alone (several of which can
give one away together). Dropping equations only frees a reader, so a count pinned
within its piece is pinned in the whole block: a leak found for certain, though a count
wide in its piece proves nothing.

What a large block's equations give away exactly, bounds or none, is found over the
whole block by linear algebra (:func:`_exact_pins`): a count is given away when some
sum of the equations is that count alone. That is most of what leaks from a large
block; what only the bounds (no count below zero) narrow is left to the relaxations.
The suppressor frees each count found so (:meth:`atlas.protect.complement.System.unpin`).

Every solution that shows a count wide is a certificate a reader can check: a change to
the true values that keeps every equation and leaves every count at least zero. The
suppressor keeps those of the blocks it solves whole (:class:`Witnesses`); the audit
checks each against the release's own equations (:meth:`Witnesses.verify`), believes
only those that pass, and solves programs for the counts they leave short.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import highspy
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.sparse.linalg import lsqr

from atlas.protect.complement import System, unit_scaled


@dataclass(frozen=True)
class Narrow:
    """A withheld quantity the equations pin to an interval under ``min_count`` wide."""

    quantity: int
    low: float  # the interval, as values
    high: float
    #: The equations (ids) binding at its least and greatest value: those a new
    #: complement must open for the interval to grow.
    binding: tuple[int, ...] = ()


@dataclass
class EquationAttack:
    narrow: list[Narrow]
    blocks: int  # blocks solved by linear programming
    targets: int  # withheld quantities, and rests of 1 to min_count - 1
    programs: int  # linear programs solved
    #: withheld quantities in blocks too large to solve, not proven: by equation only
    unproven: int = 0
    proven_in_pieces: int = 0  # of those in large blocks, proven with student counts held
    differences: int = 0  # of the targets, rests (differences no cell shows)
    relaxed: int = 0  # of the narrow, found in large blocks' relaxations (leaks, not proofs)
    exact: int = 0  # of the narrow, given away exactly in large blocks (linear algebra)
    witnessed: int = 0  # of the targets, shown wide by solutions found before (no program)


@dataclass
class Witnesses:
    """Solutions of the attacker's programs that show counts at least ``min_count`` wide:
    each row a change to the true values of every quantity (:class:`System`'s, rests
    included) that keeps every equation and leaves every count at least zero.

    A solution found while some cells were withheld stays one when more are: the newly
    withheld quantities keep their true values (a change of zero). So the suppressor
    keeps the solutions that proved each count wide, and solves nothing for it again;
    the audit believes them only once :meth:`verify` has checked them against the
    release's own equations."""

    proven: np.ndarray  # per quantity: shown wide by the rows kept
    rows: list[sparse.csr_matrix] = field(default_factory=list)

    @classmethod
    def none(cls, n: int) -> Witnesses:
        return cls(np.zeros(n, dtype=bool))

    def keep(self, quantities: np.ndarray, found: Intervals, wide: np.ndarray) -> None:
        """Keep the solutions at the ends of the ``wide`` unknowns' intervals in a
        block's ``found`` intervals; ``quantities`` are the block's unknowns."""
        ends = np.concatenate([found.low_by[wide], found.high_by[wide]])
        used = np.unique(ends[ends >= 0])
        if len(used):
            sub = found.solutions[used].tocsr()
            self.rows.append(
                sparse.csr_matrix(
                    (sub.data, quantities[sub.indices], sub.indptr),
                    shape=(len(used), len(self.proven)),
                )
            )
        self.proven[quantities[wide]] = True

    def clear(self) -> None:
        self.proven[:] = False
        self.rows.clear()

    def verify(self, system: System, withheld: np.ndarray, min_count: int) -> np.ndarray:
        """Which quantities the rows show wide when ``withheld`` cells are withheld: each
        row is checked on its own, and one that changes a quantity the release shows,
        breaks an equation by more than ``TOLERANCE`` or takes a count below zero is
        not believed."""
        n_all = len(self.proven)
        none = np.zeros(n_all, dtype=bool)
        if not self.rows:
            return none
        rows = sparse.vstack(self.rows).tocsr()
        rows.eliminate_zeros()
        row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
        bad = ~_unknown(system, withheld)[rows.indices]
        bad |= system.value[rows.indices] + rows.data < -TOLERANCE
        equations = sparse.csr_matrix(
            (system.coef, (system.eq, system.q)), shape=(int(system.eq.max()) + 1, n_all)
        )
        broken = abs(rows @ equations.T).max(axis=1).toarray().ravel() > TOLERANCE
        good = np.ones(rows.shape[0], dtype=bool)
        good[row_of[bad]] = False
        good &= ~broken
        if not good.any():
            return none
        kept = rows[np.flatnonzero(good)]
        # The true values (a change of zero) are a solution too.
        low = np.minimum(kept.min(axis=0).toarray().ravel(), 0.0)
        high = np.maximum(kept.max(axis=0).toarray().ravel(), 0.0)
        return np.asarray(high - low >= min_count - 1e-6)


#: The quantity family that ties a large block together: holding it splits the block.
HELD_FAMILY = "students"
#: Rounds of programs per piece of a large block, the held counts at their true values.
ROUNDS = 6
#: Rounds after those, in which the held counts move (lifted) where counts are still short.
LIFTS = 6
#: How far a vector may miss an equation or a bound and still count as a solution.
TOLERANCE = 1e-6


#: Blocks with more unknowns than this are checked equation by equation only.
MAX_BLOCK = 10_000
#: Pieces of a large block's relaxation are split until they have at most this many
#: unknowns: solving pieces of 4,000 to 9,000 took 3 to 15 s each at scale 0.01.
MAX_PIECE = 2000
#: Blocks of at least this many unknowns are solved in worker processes, side by side.
PARALLEL_FROM = 2000
#: HiGHS's simplex strategies: its own choice, and the primal simplex.
CHOOSE, PRIMAL = 0, 4
#: A projection onto the null space under this is zero (:func:`_exact_pins`). In the
#: year blocks of the scale-1 demo, those of pinned counts were under 1e-10, and all
#: others above 1e-5 in one of two draws.
PIN_TOLERANCE = 1e-7


def attack_equations(
    system: System,
    withheld: np.ndarray,
    min_count: int,
    max_block: int = MAX_BLOCK,
    *,
    pieces: bool = False,
    gaps: bool = True,
    witnesses: Witnesses | None = None,
    parallel_from: int = PARALLEL_FROM,
    remember: bool = True,
    exact: Literal["always", "otherwise", "never"] = "always",
) -> EquationAttack:
    """Solve every withheld quantity's interval; ``withheld`` flags the cells.

    Blocks larger than ``max_block`` unknowns are not solved whole: each of their
    equations is checked on its own (no equation may hold a single unknown, nor unknowns
    all on one side that add up to fewer than ``min_count``). With ``pieces``, their
    withheld quantities are then proven where they can be with the block's student
    counts held at their true values (the module's docstring says why that is sound);
    the rest are counted in ``unproven``. The counts their equations give away exactly
    (whatever the bounds) are found by linear algebra over the whole block
    (:func:`_exact_pins`): ``exact`` says whether "always", "never", or "otherwise" (only
    when nothing else is found narrow: the suppressor's checks, which close what the
    programs find first).

    ``witnesses`` (updated here) holds the solutions that showed quantities at least
    ``min_count`` wide while fewer cells were withheld; no program is solved for those
    quantities again (:class:`Witnesses` says why that is sound). The caller keeps them
    only while the cells withheld grow. Without ``remember``, every program is solved
    here, none answered from those solved before (``_SOLVED``).
    """
    n_all = len(system.value)
    unknown = _unknown(system, withheld)
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
    # Targets to solve: those not already proven wide.
    push = target if witnesses is None else target & ~witnesses.proven
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
    is_pushed = push[cols]
    # Each unknown's family; the equations' own unknowns (past system.n) have none.
    family = np.full(n_all, "", dtype=object)
    family[: len(system.quantities)] = system.quantities["family"].to_numpy()
    result = EquationAttack([], 0, int(is_target.sum()), 0)
    result.differences = int((target & small_rest).sum())
    result.witnessed = int((target & ~push).sum())
    pinned = _single_equations(matrix, value, min_count)
    bounds, order = _slices(col_label, n_blocks)
    row_bounds, row_order = _slices(row_label, n_blocks)
    # Rows and columns sorted by block, so that each block is one contiguous slice.
    sorted_matrix = matrix[row_order][:, order].tocsr()
    # Blocks to solve whole, and pieces of the large blocks' relaxations: columns and
    # rows (of ``matrix``), equations, and whether the programs are the whole block's.
    jobs: list[tuple[np.ndarray, np.ndarray, sparse.csr_matrix, bool]] = []
    # Large blocks' equations and the counts to look for among those they give away.
    exact_jobs: list[tuple[np.ndarray, np.ndarray, sparse.csr_matrix, np.ndarray]] = []
    for b in range(n_blocks):
        block_cols = order[bounds[b] : bounds[b + 1]]
        if not is_target[block_cols].any():
            continue
        rows = sorted_matrix[row_bounds[b] : row_bounds[b + 1]]
        sub = rows[:, bounds[b] : bounds[b + 1]]
        if len(block_cols) > max_block:
            for c in block_cols[is_target[block_cols] & pinned[block_cols]]:
                result.narrow.append(Narrow(int(cols[c]), float("nan"), float("nan")))
            held = family[cols[block_cols]] == HELD_FAMILY
            if exact != "never":
                look = is_pushed[block_cols] & ~pinned[block_cols]
                block_rows = row_order[row_bounds[b] : row_bounds[b + 1]]
                exact_jobs.append((block_cols, block_rows, sub, look))
            # Counts proven before (when their block was smaller) need no more.
            if pieces:
                in_pieces, solved = _prove_in_pieces(
                    sub, value[block_cols], is_pushed[block_cols], held, min_count
                )
                result.programs += solved
                result.proven_in_pieces += int(in_pieces.sum())
                result.unproven += int((is_pushed[block_cols] & ~in_pieces).sum())
            else:
                result.unproven += int(is_pushed[block_cols].sum())
            block_rows = row_order[row_bounds[b] : row_bounds[b + 1]]
            relaxed = [
                (piece_cols, piece_rows)
                for piece_cols, piece_rows in _relaxed_pieces(
                    sub, held, min(max_block, MAX_PIECE), cols[block_cols] >= system.n, max_block
                )
                if is_pushed[block_cols[piece_cols]].any()
            ]
            for (piece_cols, piece_rows), piece in zip(relaxed, _cut(sub, relaxed), strict=True):
                jobs.append((block_cols[piece_cols], block_rows[piece_rows], piece, False))
            continue
        result.blocks += 1
        if is_pushed[block_cols].any():
            jobs.append((block_cols, row_order[row_bounds[b] : row_bounds[b + 1]], sub, True))
    intervals = _solve_blocks(
        [(sub, value[c], is_pushed[c], min_count) for c, _, sub, _ in jobs],
        parallel_from,
        remember=remember,
    )
    for (block_cols, block_rows, _, whole), found in zip(jobs, intervals, strict=True):
        low, high, programs, binding = found[:4]
        result.programs += programs
        wide = high - low >= min_count - 1e-6
        if witnesses is not None and whole:
            witnesses.keep(cols[block_cols], found, is_pushed[block_cols] & wide)
        result.relaxed += 0 if whole else int((is_pushed[block_cols] & ~wide).sum())
        for i in np.flatnonzero(is_pushed[block_cols] & ~wide):
            c = block_cols[i]
            rows = eq_ids[block_rows[binding.get(int(i), [])]]
            result.narrow.append(
                Narrow(
                    int(cols[c]),
                    float(value[c] + low[i]),
                    float(value[c] + high[i]),
                    tuple(int(r) for r in rows),
                )
            )
    if exact == "otherwise" and result.narrow:
        exact_jobs = []
    given_away = _solve_blocks(
        [(sub, look, 0) for _, _, sub, look in exact_jobs],
        parallel_from,
        remember=remember,
        solve=_exact_pins,
    )
    if exact == "always":  # a second draw keeps only what it finds too
        again = [j for j, found in enumerate(given_away) if found.any()]
        confirmed = _solve_blocks(
            [(exact_jobs[j][2], given_away[j], 1) for j in again],
            parallel_from,
            remember=remember,
            solve=_exact_pins,
        )
        for j, found in zip(again, confirmed, strict=True):
            given_away[j] = found
    # Each count given away is named without equations: no program bound it.
    for (block_cols, _, _, _), found in zip(exact_jobs, given_away, strict=True):
        result.exact += int(found.sum())
        for c in block_cols[found]:
            result.narrow.append(Narrow(int(cols[c]), float(value[c]), float(value[c])))
    # A count pinned by one equation may be narrow in a relaxation too: name it once.
    first = {n.quantity: n for n in reversed(result.narrow)}
    result.narrow = [n for n in result.narrow if first[n.quantity] is n]
    return result


def _unknown(system: System, withheld: np.ndarray) -> np.ndarray:
    """Per quantity, whether a reader does not see it when ``withheld`` cells are
    withheld: no cell shows it, nor did a previous edition; every rest is unknown."""
    visible = np.zeros(len(system.value), dtype=bool)
    np.logical_or.at(visible, system.cell_q, ~withheld[system.cell])
    visible |= system.known  # published by a previous edition with the same value
    unknown = ~visible
    unknown[system.n :] = True
    return unknown


def _relaxed_pieces(
    a: sparse.csr_matrix,
    held: np.ndarray,
    max_size: int,
    rest: np.ndarray | None = None,
    students_max: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The pieces (columns and rows of ``a``) of two relaxations, those of 2 to
    ``max_size`` unknowns (``students_max`` in the second); a piece still larger loses
    its longest equations (those of more than half as many unknowns as its longest,
    again and again) until it splits.

    - The rates: every equation that holds a ``held`` unknown is dropped.
    - The held unknowns themselves (the student counts): only the equations of held
      unknowns and ``rest`` ones (the equations' rests) are kept.

    Dropping equations only frees a reader, so a count pinned within its piece is
    pinned in the whole block: a leak found, never a proof. A rest may lie in a piece of
    each; no equation lies in both."""
    by_col = a.tocsc()
    with_held = np.diff(by_col[:, np.flatnonzero(held)].tocsr().indptr) > 0
    pieces = _split(a, np.flatnonzero(~held), np.flatnonzero(~with_held), max_size)
    if rest is None or not held.any():
        return pieces
    with_other = np.diff(by_col[:, np.flatnonzero(~held & ~rest)].tocsr().indptr) > 0
    students = np.flatnonzero(with_held & ~with_other)
    cols = np.flatnonzero(np.diff(a[students].tocsc().indptr) > 0)
    return pieces + _split(a, cols, students, students_max or max_size)


def _cut(
    a: sparse.csr_matrix, pieces: list[tuple[np.ndarray, np.ndarray]]
) -> list[sparse.csr_matrix]:
    """Each piece's equations (``a`` restricted to its columns and rows), cut from one
    reordering of ``a`` with the pieces side by side. No equation of a piece holds
    another piece's columns, so each is a contiguous block of it; cutting ``a`` itself
    once per piece cost a third of a check at scale 0.01, as much as its programs."""
    if not pieces:
        return []
    cols = np.concatenate([piece_cols for piece_cols, _ in pieces])
    rows = np.concatenate([piece_rows for _, piece_rows in pieces])
    together = a[rows][:, cols].tocsr()
    col_end = np.cumsum([len(piece_cols) for piece_cols, _ in pieces])
    row_end = np.cumsum([len(piece_rows) for _, piece_rows in pieces])
    return [
        together[r1 - len(piece_rows) : r1, c1 - len(piece_cols) : c1]
        for (piece_cols, piece_rows), r1, c1 in zip(pieces, row_end, col_end, strict=True)
    ]


def _split(
    a: sparse.csr_matrix, cols: np.ndarray, rows: np.ndarray, max_size: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The pieces of ``a`` restricted to ``cols`` and ``rows``, as :func:`_relaxed_pieces`
    says."""
    sub = a[rows][:, cols].tocsr()
    n, col_label, row_label = _components(sub)
    col_bounds, col_order = _slices(col_label, n)
    row_bounds, row_order = _slices(row_label, n)
    length = np.diff(sub.indptr)
    pieces = []
    for p in range(n):
        piece_cols = col_order[col_bounds[p] : col_bounds[p + 1]]
        piece_rows = row_order[row_bounds[p] : row_bounds[p + 1]]
        if len(piece_cols) < 2 or not len(piece_rows):
            continue
        if len(piece_cols) <= max_size:
            pieces.append((cols[piece_cols], rows[piece_rows]))
            continue
        longest = int(length[piece_rows].max())
        if longest > 2:  # drop the longest equations, and split what is left
            short = piece_rows[length[piece_rows] <= longest // 2]
            pieces += _split(a, cols[piece_cols], rows[short], max_size)
    return pieces


Job = tuple  # the arguments of one call of a solver (_intervals, _exact_pins)


class Intervals(NamedTuple):
    """A block's intervals (:func:`_intervals`)."""

    low: np.ndarray  # per unknown, its least change found
    high: np.ndarray  # and its greatest
    programs: int  # programs solved
    binding: dict[int, np.ndarray]  # per target left narrow, the rows binding at its ends
    solutions: sparse.csr_matrix  # the solutions (rows) at some target's ends
    low_by: np.ndarray  # per unknown, the row of ``solutions`` at its least change
    #: and at its greatest; -1: the true value (a change of zero), or, for an unknown
    #: not a target, a solution not kept
    high_by: np.ndarray


def _solve_blocks(
    jobs: list[Job],
    parallel_from: int = PARALLEL_FROM,
    *,
    remember: bool = True,
    solve: Callable[..., Any] | None = None,
) -> list[Any]:
    """``solve`` (:func:`_intervals`, or :func:`_exact_pins`) of every job (its
    arguments, a block's equations first), remembered (``_SOLVED``; with ``remember``,
    a job solved before is answered from there). Blocks of at least ``parallel_from``
    unknowns are shared among the cores: the first share is solved here, each other one
    by a worker process, side by side."""
    solve = solve or _intervals
    out: list[Any] = [None] * len(jobs)
    keys = [_key(solve.__name__, *job) for job in jobs]
    todo = []
    for i, key in enumerate(keys):
        if remember and key in _SOLVED:
            out[i] = _copy(_SOLVED[key], remembered=True)
        else:
            todo.append(i)
    size = {i: jobs[i][0].shape[1] for i in todo}
    heavy = sorted((i for i, n in size.items() if n >= parallel_from), key=lambda i: -size[i])
    # Each heavy block, largest first, to the share with the fewest unknowns so far.
    shares: list[list[int]] = [[] for _ in range(min(len(heavy), len(os.sched_getaffinity(0))))]
    for i in heavy:
        min(shares, key=lambda share: sum(size[j] for j in share)).append(i)
    workers = [_Worker(solve.__name__, [jobs[i] for i in share]) for share in shares[1:]]
    here = [i for i in todo if size[i] < parallel_from] + (shares[0] if shares else [])
    for i in here:
        out[i] = solve(*jobs[i])
    for worker, share in zip(workers, shares[1:], strict=True):
        for i, found in zip(share, worker.result(), strict=True):
            out[i] = found
    for i in todo:
        _SOLVED[keys[i]] = _copy(out[i])
    while len(_SOLVED) > _SOLVED_MAX:
        del _SOLVED[next(iter(_SOLVED))]
    return out


def _copy(found: Any, *, remembered: bool = False) -> Any:
    """A copy of a solver's result that the caller may change; one ``remembered``
    (answered from ``_SOLVED``) counts no program solved."""
    if isinstance(found, Intervals):
        programs = 0 if remembered else found.programs
        return found._replace(low=found.low.copy(), high=found.high.copy(), programs=programs)
    return found.copy()


#: Results of blocks and pieces solved before, by their content. The suppressor's
#: checks and the audit ask again about the many a new complement leaves as they were:
#: the same program has the same answer, and is not solved again.
_SOLVED: dict[bytes, Any] = {}
_SOLVED_MAX = 200_000


def _key(name: str, *parts: Any) -> bytes:
    """A digest of everything a job's result depends on: the solver, and its arguments."""
    digest = hashlib.blake2b(name.encode(), digest_size=20)
    for part in parts:
        if isinstance(part, sparse.csr_matrix):
            digest.update(str(part.shape).encode())
            arrays = [part.indptr, part.indices, part.data]
        else:
            arrays = [np.asarray(part)]
        for array in arrays:
            digest.update(str(array.dtype).encode())
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.digest()


class _Worker:
    """A process of its own (``python -m atlas.audit.worker``) calling one solver of
    this module (by name) for each of a list of jobs: it reads them from its standard
    input, and writes the results to its standard output."""

    def __init__(self, solve: str, jobs: list[Job]) -> None:
        self.errors = tempfile.TemporaryFile()
        # The jobs go through a file, not a pipe: writing to a pipe waits until the
        # worker has started and reads it (3 s at a time, the cores' own share unsolved).
        with tempfile.TemporaryFile() as given:
            pickle.dump((solve, jobs), given, protocol=pickle.HIGHEST_PROTOCOL)
            given.seek(0)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "atlas.audit.worker"],
                stdin=given,
                stdout=subprocess.PIPE,
                stderr=self.errors,
            )

    def result(self) -> list[Any]:
        assert self.process.stdout is not None
        with self.process.stdout as stdout, self.errors:
            out = stdout.read()
            if self.process.wait() != 0:
                self.errors.seek(0)
                raise RuntimeError(f"an audit worker failed:\n{self.errors.read().decode()}")
        found: list[Any] = pickle.loads(out)
        return found


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


def _exact_pins(a: sparse.csr_matrix, candidates: np.ndarray, draw: int) -> np.ndarray:
    """Which ``candidates`` (columns of ``a``) the equations give away exactly, bounds
    or none (those that every solution of ``a @ x = 0`` leaves at zero), as random
    draw number ``draw`` sees them.

    One is given away when it is a sum of the equations times some factors; a reader
    who finds the factors reads it off. Then every vector of ``a``'s null space is zero
    there, and no other column is. So a random vector is projected onto the null space:
    its part in the span of the equations is the least-norm solution of the equations
    at the vector's own sums (least squares, LSQR; 40% faster at scale 0.01 than
    solving for the equations' factors), and a candidate is pinned where the rest is
    zero (under ``PIN_TOLERANCE``). One that is not pinned may be near zero by chance,
    rarely: the suppressor's checks believe one draw, the audit a second one too. First
    the equations of two unknowns are used to merge them (:func:`_merge_pairs`), and the
    equations and the columns are scaled to unit length: none of that changes the null
    space's zeros, and LSQR is several times faster."""
    found = np.zeros(a.shape[1], dtype=bool)
    if not candidates.any() or a.shape[0] == 0:
        return found
    a, merged_into = _merge_pairs(sparse.csr_matrix(a, dtype=float))
    scaled = unit_scaled(a)[0].T.tocsr()
    # Seeded: the same release, the same answer.
    z = np.random.default_rng(draw).standard_normal(a.shape[1])
    # Its part in the span of the equations: the least-norm x with scaled @ x = scaled @ z.
    span = lsqr(scaled, scaled @ z, atol=1e-14, btol=1e-14, iter_lim=50 * a.shape[1])[0]
    zero = np.abs(z - span) < PIN_TOLERANCE
    return candidates & zero[merged_into]


def _merge_pairs(a: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
    """``a`` over fewer unknowns, each column of it a set of ``a``'s (each of those the
    set's unknown times a factor, never zero); per column of ``a``, the column it went
    into.

    An equation of two unknowns (a rate's numerator and the rest of its denominator, a
    count and its rest) ties one to the other, times a factor: each set of unknowns so
    tied is one unknown, and those equations vanish. Two tied both ways, with factors
    that disagree, are zero: the equations left say so. The null space is the same, so
    each unknown is zero in every null vector exactly when its set's unknown is. Rounds
    go on while they merge, for merging makes more equations of two."""
    merged_into = np.arange(a.shape[1])
    for _ in range(10):
        pairs = a[np.flatnonzero(np.diff(a.indptr) == 2)]
        if pairs.shape[0] == 0:
            break
        k = a.shape[1]
        u, v = pairs.indices[0::2], pairs.indices[1::2]
        # x_v = ratio * x_u, and the other way.
        ratio = -pairs.data[0::2] / pairs.data[1::2]
        src, dst = np.concatenate([u, v]), np.concatenate([v, u])
        step = np.concatenate([ratio, 1.0 / ratio])
        graph = sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(k, k))
        n_sets, label = connected_components(graph, directed=False)
        # A tree through every set from one of its unknowns, reached from a node of
        # its own (k) tied to each set's first unknown.
        first = np.unique(label, return_index=True)[1]
        tree = sparse.csr_matrix(
            (
                np.ones(len(src) + n_sets),
                (np.append(src, np.full(n_sets, k)), np.append(dst, first)),
            ),
            shape=(k + 1, k + 1),
        )
        order, parent = breadth_first_order(tree, k, directed=False, return_predecessors=True)
        edge = np.lexsort((dst, src))
        keys = src[edge].astype(np.int64) * k + dst[edge]
        set_factor = np.ones(k)
        rows = [int(c) for c in order[1:]]
        through = parent[order[1:]]
        at = np.searchsorted(keys, through.astype(np.int64) * k + order[1:])
        edge_step = step[edge][np.minimum(at, len(edge) - 1)]
        for c, p, s in zip(rows, through.tolist(), edge_step.tolist(), strict=True):
            if p != k:
                set_factor[c] = s * set_factor[p]
        into = sparse.csr_matrix((set_factor, (np.arange(k), label)), shape=(k, n_sets))
        a = (a @ into).tocsr()
        a.data[np.abs(a.data) < 1e-9] = 0.0
        a.eliminate_zeros()
        a = a[np.flatnonzero(np.diff(a.indptr) > 0)]
        merged_into = label[merged_into]
    return a, merged_into


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
        self.solved = False
        self.restarts = 0  # solves started over (see solve)

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
        # Only the costs changed since the last solve: its basis is still feasible, and
        # the primal simplex goes on from it (several times faster than the dual here).
        again = bounds is None and rhs is None and self.solved
        self.highs.setOptionValue("simplex_strategy", PRIMAL if again else CHOOSE)
        self.highs.run()
        self.solved = True
        self.status = self.highs.getModelStatus()
        if again and self.status != highspy.HighsModelStatus.kOptimal:
            # Going on from the last basis can stall on a badly scaled program (HiGHS
            # then says "unknown"): start over, with HiGHS's own choice of method.
            self.restarts += 1
            self.highs.clearSolver()
            self.highs.setOptionValue("simplex_strategy", CHOOSE)
            self.highs.run()
            self.status = self.highs.getModelStatus()
        if self.status != highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(self.highs.getSolution().col_value)

    def bound(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds of ``cols``; the next solve starts from the last basis with
        HiGHS's own choice of method (the primal simplex needs a feasible basis)."""
        cols = np.asarray(cols, dtype=np.int32)
        self.highs.changeColsBounds(len(cols), cols, lower, upper)
        self.solved = False

    def binding(self) -> np.ndarray:
        """The rows with a non-zero dual in the last solution: those holding it back."""
        return np.flatnonzero(np.abs(np.asarray(self.highs.getSolution().row_dual)) > 1e-9)


def _intervals(
    a: sparse.csr_matrix,
    value: np.ndarray,
    targets: np.ndarray,
    min_count: int,
) -> Intervals:
    """Each unknown's change interval around its true value (0 = the truth), and for
    each target whose interval stays under ``min_count`` wide, the rows (equations)
    binding at its least and greatest value (a non-zero dual)."""
    n = a.shape[1]
    low = np.zeros(n)
    high = np.zeros(n)
    low_by = np.full(n, -1)
    high_by = np.full(n, -1)
    if a.shape[0] == 0:  # no equation holds it: it may be anything from 0 up
        # It alone, up by min_count, is a solution.
        up = sparse.identity(n, format="csr") * float(min_count)
        return Intervals(-value, np.full(n, np.inf), 0, {}, up, low_by, np.arange(n))
    if n == 1:  # one unknown in an equation: the equation gives it away
        none = sparse.csr_matrix((0, n))
        return Intervals(low, high, 0, {0: np.arange(a.shape[0])}, none, low_by, high_by)
    # Moves of a withheld count are capped at min_count each way: a wider interval is
    # not needed, and the capped programs are bounded and quick.
    lower, upper = _bounds(value, targets, min_count)
    program = _Program(a, lower, upper)
    # Each program's solution, kept where it moved some target's end (by program).
    solutions: dict[int, np.ndarray] = {}
    programs = 0

    def solve(cost: np.ndarray) -> None:
        nonlocal programs
        x = program.solve(cost)
        if x is None:
            raise RuntimeError(f"the attacker's program ended as {program.status}")
        lower, higher = x < low, x > high
        if (targets & (lower | higher)).any():
            solutions[programs] = x
        low_by[lower] = programs
        high_by[higher] = programs
        programs += 1
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
    # The caps hold every pushed count within min_count of its truth: a reader is not so
    # held, and a count may look narrow only because the others are capped. So from here
    # on only the count being pushed is capped (its own cap keeps the program bounded).
    cost = np.zeros(n)
    binding: dict[int, np.ndarray] = {}
    short = np.flatnonzero(still_short(targets))
    if len(short):
        free = _bounds(value, np.zeros(n, dtype=bool), min_count)
        program.bound(np.arange(n), *free)
    for i in short:
        rows = []
        program.bound(np.array([i]), lower[i : i + 1], upper[i : i + 1])
        for sense in (-1.0, 1.0):  # maximize, then minimize
            if high[i] - low[i] >= min_count:
                break
            cost[:] = 0.0
            cost[i] = sense
            solve(cost)
            rows.append(program.binding())
        program.bound(np.array([i]), free[0][i : i + 1], free[1][i : i + 1])
        if high[i] - low[i] < min_count - 1e-6:
            binding[int(i)] = np.unique(np.concatenate(rows))
    # Only the solutions at a target's ends are kept, renumbered.
    ends = np.concatenate([low_by[targets], high_by[targets]])
    used = np.unique(ends[ends >= 0])
    number = np.full(programs + 1, -1)  # number[-1]: the truth stays -1
    number[used] = np.arange(len(used))
    kept = np.array([solutions[k] for k in used]).reshape(len(used), n)
    kept[np.abs(kept) <= 1e-12] = 0.0  # a solver's -1e-15 is no change
    return Intervals(
        low, high, programs, binding, sparse.csr_matrix(kept), number[low_by], number[high_by]
    )
