"""The protection stage in order: the primary rule, the equations a reader knows
(:func:`~atlas.protect.complement.build_system`), what the previous edition published,
complements checked by the audit's attacker, then the flags of every cell
(:func:`~atlas.protect.primary.protect`).

The build (:mod:`atlas.pipeline`) runs it, and so does the attacker's test, so that the
test exercises the very sequence a build publishes from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from atlas.audit.equations import Witnesses, attack_equations
from atlas.config import Privacy
from atlas.model import INDICATOR_INFO
from atlas.protect import editions
from atlas.protect.complement import Parents, System, build_system, complement
from atlas.protect.primary import Coding, primary_withheld, protect

#: The indicators that are counts (the others are rates).
COUNTS = {i for i, info in INDICATOR_INFO.items() if info.kind == "count"}
#: Counts of places, not students (shelters, their units, resources): never withheld.
PLACES = {i for i, info in INDICATOR_INFO.items() if not info.student_count}


@dataclass
class Protection:
    """What the stage made: the long table, and what the audit and the privacy report
    need of the way there. ``cells``, ``primary``, ``withheld`` and ``carried`` are of
    the published cells, aligned with ``table``; the equations are of every cell of
    students, the internal ones too."""

    table: pd.DataFrame  # the long table (LONG_COLUMNS), a row per published cell
    cells: pd.DataFrame  # the published cells, unprotected
    primary: pd.Series  # withheld by the primary rule
    withheld: pd.Series  # withheld, complements and what is carried included
    carried: editions.Carry | None  # what the previous edition says of them
    system: System  # the equations, over ``system_cells`` by position
    system_cells: pd.DataFrame  # the cells of students, numbered from 0
    known: dict[str, int] = field(default_factory=dict)  # editions.know_published's
    #: The solutions that proved counts wide in the suppressor's checks, for the audit.
    witnesses: Witnesses | None = None


def coding(privacy: Privacy) -> Coding | None:
    """Top and bottom coding as ``[privacy]`` sets it; None where it is turned off."""
    if privacy.code_max_denominator <= 0:
        return None
    return Coding(privacy.code_below, privacy.code_above, privacy.code_max_denominator)


def audit_check(
    system: System, min_count: int, *, gaps: bool = True, witnesses: Witnesses | None = None
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The audit's attacker as :func:`~atlas.protect.complement.complement`'s ``check``:
    given the cells withheld, the equations binding at the ends of the interval of each
    quantity it pins to fewer than ``min_count`` values, and the quantities the
    equations give away exactly.

    Each check after the first has more cells withheld (complements are only added), so
    what an earlier one proved wide stays proven and is not solved again; should the
    cells withheld ever shrink, it starts over. ``witnesses`` (filled here) keeps the
    solutions that proved them, for the audit to check."""
    kept = witnesses if witnesses is not None else Witnesses.none(len(system.value))
    before = np.zeros(system.n_cells, dtype=bool)

    def check(withheld: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nonlocal before
        if (before & ~withheld).any():
            kept.clear()
        before = withheld.copy()
        found = attack_equations(
            system, withheld, min_count, gaps=gaps, witnesses=kept, exact="otherwise"
        ).narrow
        # Given away exactly (linear algebra, no program): the suppressor lets it move.
        exact = [n.quantity for n in found if not n.binding and n.low == n.high]
        # The equations binding at a narrow quantity's ends; where the programs name
        # none (one equation pins it), every equation it is in.
        unnamed = [n.quantity for n in found if not n.binding and not n.low == n.high]
        binding = [r for n in found for r in n.binding]
        equations = np.union1d(system.eq[np.isin(system.q, unnamed)], binding).astype(np.int64)
        return equations, np.array(exact, dtype=np.int64)

    return check


def protect_cells(
    cells: pd.DataFrame,
    *,
    parents: Parents,
    privacy: Privacy,
    precision: int,
    carried: editions.Carry | None = None,
    internal: pd.Series | None = None,
    complements: bool = True,
    schools: pd.DataFrame | None = None,
    progress: Callable[[str], None] | None = None,
) -> Protection:
    """Protect ``cells`` (computed, unprotected): rates rounded to ``precision`` decimal
    places. ``carried``, the previous edition matched with these cells: what it withheld
    stays withheld, and what it published is known to the reader. ``internal`` marks the
    cells protected with the others but never published (the previous edition's
    geographies of a redrawn layer). ``complements=False`` stops at the primary rule
    (and what is carried): not safe to publish, for showing what complements are for.
    ``schools`` (``school_id`` and each school's geography per layer) ties the rests of
    equations over the same schools (:class:`~atlas.protect.complement.Areas`).
    ``progress`` hears of each of the suppressor's checks."""
    min_count = privacy.min_count
    primary = primary_withheld(
        cells, count_indicators=COUNTS, place_counts=PLACES, min_count=min_count
    )
    students = ~cells["indicator"].isin(PLACES)
    system_cells = cells[students].reset_index(drop=True)
    system = build_system(
        system_cells, count_indicators=COUNTS - PLACES, parents=parents, schools=schools
    )
    fixed = primary if carried is None else primary | carried.withheld
    known: dict[str, int] = {}
    if carried is not None:
        known = editions.know_published(
            system, system_cells, carried.subset(students), COUNTS - PLACES
        )
    hidden = fixed[students].to_numpy()
    witnesses = Witnesses.none(len(system.value))
    if complements:
        gaps = privacy.protect_gaps
        hidden = complement(
            system,
            hidden,
            min_count=min_count,
            check=audit_check(system, min_count, gaps=gaps, witnesses=witnesses),
            gaps=gaps,
            progress=progress,
        )
    withheld = pd.Series(hidden, index=cells.index[students]).reindex(cells.index, fill_value=False)
    shown = ~internal if internal is not None else pd.Series(True, index=cells.index)
    cells, primary, withheld, fixed = (
        x[shown].reset_index(drop=True) for x in (cells, primary, withheld, fixed)
    )
    if carried is not None:
        carried = carried.subset(shown)
    table = protect(
        cells,
        count_indicators=COUNTS,
        place_counts=PLACES,
        min_count=min_count,
        min_denominator=privacy.min_denominator,
        precision=precision,
        complements=withheld | fixed,
        coding=coding(privacy),
    )
    return Protection(
        table, cells, primary, withheld, carried, system, system_cells, known, witnesses
    )
