"""The rendered release and its ledger -> pass, or a ProtectionError that blocks publishing.

The audit plays the attacker against what would be published:

* the protected table: no withheld cell carries a number; no published count, and no
  published rate's numerator or complement, is 1 to ``min_count - 1``;
* the ledger: every number a page, map or PDF shows comes from a cell that may be
  shown, and reads exactly as the formatter writes that cell; in HTML files the text is
  really there;
* the data files (:mod:`atlas.audit.downloads`): read back, each holds the long table's
  cells with their flags and numbers, and nothing else.

* the attacker's linear programs (:mod:`atlas.audit.equations`): no withheld count can be
  narrowed to an interval under ``min_count`` wide from everything published.
"""

from __future__ import annotations

import dataclasses
import html
import time
from typing import Any

import numpy as np
import pandas as pd

from atlas.audit.downloads import check_downloads
from atlas.audit.equations import Narrow, Witnesses, attack_equations
from atlas.audit.examples import example, match
from atlas.config import Config
from atlas.errors import ProtectionError
from atlas.model import INDICATOR_INFO, Rendered
from atlas.protect.complement import System
from atlas.render.format import format_cell

SHOWABLE = {"published", "top_coded", "bottom_coded"}
_KEY = ["indicator", "layer", "geo_id", "group", "grade_band", "year", "category"]


def audit(
    rendered: Rendered,
    table: pd.DataFrame,
    *,
    config: Config,
    system: tuple[System, pd.DataFrame] | None = None,
    report: dict[str, Any] | None = None,
    witnesses: Witnesses | None = None,
) -> None:
    """Raise :class:`ProtectionError` listing what would leak; return when nothing does.

    With ``system`` (the equations between the cells' quantities, and those cells) it
    also plays the attacker (:func:`atlas.audit.equations.attack_equations`) against
    what ``table`` withholds, and records the result in ``report["audit"]``. Of
    ``witnesses`` (the suppressor's solutions) it believes those that it checks and
    finds to be solutions of these equations, and solves no program for the counts they
    show wide. With ``[privacy] fresh_audit`` it takes nothing from the suppressor: it
    solves every program itself, none answered from the suppressor's.
    """
    failures = _check_table(table, config.privacy.min_count)
    failures += _check_ledger(rendered, table, config.indicators.rate_precision)
    failures += check_downloads(rendered.files, table, config.indicators.rate_precision)
    if system is not None:
        start = time.perf_counter()
        equations, cells = system
        on = _KEY[:-1]  # student cells have no category
        flags = cells[on].merge(table[[*on, "flag"]], on=on, how="left")["flag"]
        # A coded rate shows a bound, not its counts; the attacker is granted them all
        # the same (a stronger attacker than a reader, so passing still proves safety).
        # A cell not in the table (a redrawn layer's previous geography) is not shown.
        withheld = (flags == "withheld").to_numpy() | flags.isna().to_numpy()
        min_count = config.privacy.min_count
        fresh = config.privacy.fresh_audit
        checked = None
        if witnesses is not None and not fresh:
            checked = Witnesses(witnesses.verify(equations, withheld, min_count))
        result = attack_equations(
            equations,
            withheld,
            min_count,
            pieces=config.privacy.prove_large_blocks,
            gaps=config.privacy.protect_gaps,
            witnesses=checked,
            remember=not fresh,
        )
        exposed = [_describe(equations, n) for n in result.narrow]
        if report is not None:
            report["audit"] = {
                "passed": not exposed and not failures,
                "min_count": config.privacy.min_count,
                "targets": result.targets,
                "differences": result.differences,
                "by_equation_only": result.unproven,
                "proven_in_pieces": result.proven_in_pieces,
                "found_in_relaxation": result.relaxed,
                "found_exactly": result.exact,
                "proven_by_checked_solutions": result.witnessed,
                "fresh": fresh,
                "programs": result.programs,
                "blocks_solved": result.blocks,
                "seconds": round(time.perf_counter() - start, 1),
                "exposures": exposed,
            }
        failures += exposed
    if failures:
        shown = "\n".join(f"  - {f}" for f in failures[:20])
        more = f"\n  ... and {len(failures) - 20} more" if len(failures) > 20 else ""
        raise ProtectionError(
            f"protection could not be proven; nothing was published:\n{shown}{more}"
        )


_MEASURE = {"n": "students", "yes": "numerator", "no": "denominator minus numerator"}


def _describe(system: System, narrow: Narrow) -> str:
    """Which withheld count is at risk, and the interval it can be narrowed to."""
    if narrow.quantity < system.n:
        q = system.quantities.iloc[narrow.quantity]
        what = (
            f"withheld {q['family']} ({_MEASURE.get(q['measure'], q['measure'])}) for "
            f"{q['group']}, {q['grade_band']} grades, {q['layer']} {q['geo_id']}, {q['year']}"
        )
    else:
        what = _difference(system, narrow.quantity)
    return f"{what}: " + (
        f"recoverable from published numbers to between {_value(narrow.low)} and "
        f"{_value(narrow.high)}"
        if narrow.low == narrow.low
        else "one published equation narrows it to fewer than the threshold"
    )


def _value(x: float) -> str:
    """An end of an interval as a reader would write it: a solver's -1e-14 is 0."""
    return f"{round(x, 6) + 0.0:g}"


def _difference(system: System, rest: int) -> str:
    """An equation's rest, named as the difference of the published figures it is."""
    eq = system.eq[system.q == rest][0]
    terms = (system.eq == eq) & (system.q < system.n)
    members = system.quantities.iloc[system.q[terms]].assign(coef=system.coef[terms])
    names = [
        f"{m['family']} ({_MEASURE.get(m['measure'], m['measure'])}) for {m['group']}, "
        f"{m['grade_band']} grades, {m['layer']} {m['geo_id']}"
        for _, m in members.iterrows()
    ]
    # The rest's coefficient is the opposite of the sign of the members' sum.
    big = -np.sign(system.coef[(system.eq == eq) & (system.q == rest)][0])
    side = members["coef"].to_numpy() * big
    plus = [n for n, c in zip(names, side, strict=True) if c > 0]
    minus = [n for n, c in zip(names, side, strict=True) if c < 0]
    return (
        f"students no cell shows, {members['year'].iloc[0]}: "
        f"{' + '.join(plus)} minus {' + '.join(minus)}"
    )


def _small(x: pd.Series, min_count: int) -> pd.Series:
    return (x >= 1) & (x < min_count)


def _check_table(table: pd.DataFrame, min_count: int) -> list[str]:
    failures = []
    withheld = table["flag"] == "withheld"
    numbers = table[["numerator", "denominator", "value"]].notna().any(axis=1)
    if (withheld & numbers).any():
        failures.append(f"{int((withheld & numbers).sum())} withheld cell(s) carry a number")
    coded = table["flag"].isin(["top_coded", "bottom_coded"])
    if (coded & table["numerator"].notna()).any():
        n = int((coded & table["numerator"].notna()).sum())
        failures.append(f"{n} top- or bottom-coded rate(s) carry their numerator")
    # Counts of places (shelters, units, resources) are not student counts.
    table = table[table["indicator"].map(lambda i: INDICATOR_INFO[i].student_count).astype(bool)]
    counts = table["indicator"].map(lambda i: INDICATOR_INFO[i].kind == "count").astype(bool)
    num, den = table["numerator"], table["denominator"]
    small_count = counts & _small(num, min_count)
    small_rate = ~counts & (_small(num, min_count) | _small(den - num, min_count))
    for label, bad in (("count", small_count), ("rate", small_rate)):
        if bad.any():
            example = table.loc[bad, _KEY].iloc[0].to_dict()
            failures.append(
                f"{int(bad.sum())} published {label} cell(s) reveal 1 to {min_count - 1} "
                f"students, for example {example}"
            )
    return failures


def _check_ledger(rendered: Rendered, table: pd.DataFrame, precision: int) -> list[str]:
    if not rendered.ledger:
        return []
    ledger = pd.DataFrame([dataclasses.asdict(e) for e in rendered.ledger])
    found, failures = match(
        ledger,
        table,
        _KEY,
        lambda n, row: (
            f"{n} number(s) shown with no cell behind them, for example "
            f"{row['shown']!r} in {row['where']}"
        ),
    )
    hidden = ~found["flag"].isin(SHOWABLE)
    failures += example(
        found[hidden],
        lambda n, row: (
            f"{n} number(s) shown from cells that may not be shown, for example "
            f"{row['shown']!r} ({row['flag']}) in {row['where']}"
        ),
    )
    ok = found[~hidden]
    ok = ok.assign(formatted=[format_cell(r, precision) for r in ok.itertuples(index=False)])
    failures += example(
        ok[ok["shown"] != ok["formatted"]],
        lambda n, row: (
            f"{n} number(s) shown differently from their cell, for example "
            f"{row['shown']!r} instead of {row['formatted']!r} in {row['where']}"
        ),
    )
    failures += _check_text_present(rendered, ledger)
    return failures


def _check_text_present(rendered: Rendered, ledger: pd.DataFrame) -> list[str]:
    absent = []
    for where, entries in ledger.groupby("where"):
        if not str(where).endswith(".html") or where not in rendered.files:
            continue
        text = rendered.files[str(where)].decode("utf-8")
        absent += [
            f"{s!r} in {where}"
            for s in set(entries["shown"])
            if s not in text and html.escape(s) not in text
        ]
    if absent:
        return [f"{len(absent)} ledger entries not found in their page, for example {absent[0]}"]
    return []
