"""Ohio's way of counting: a student in every school and geography attended.

Where the other packs count a student-year once, at the last school of the year, Ohio
counts a student in each school (and district) where the student's possible hours there
reach the threshold, with the FTE of the hours spent there. Every geography of every
layer, and the city, is such a unit here: the hours of the spells at its schools are
summed per student, and the rule is applied to those sums. A unit's figures are
therefore not the sum of its parts' (a student can count in two districts and once in
the city); the protection stage sees that in the numbers (the sums do not add up) and
treats the difference as unknown to a reader.

Hours are counted in whole hundredths of an hour, so the 100-hour and 10% edges are
compared exactly; the FTE-weighted sums are kept as exact fractions per cell in
``weighted_numerator`` and ``weighted_denominator`` (percent = 100 * numerator /
denominator), besides the headcounts that the privacy rules protect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from atlas.engine import register
from atlas.groups import group_predicates
from atlas.indicators import Indicator
from atlas.indicators.cells import _GROUP_COLUMNS, _SEP, _long
from atlas.model import CITY_LAYER, INDICATOR_INFO, SCHOOL_LAYER
from atlas.rules import ohio

INDICATOR = "chronic_absence_ohio"


def hundredths(column: ir.NumericColumn) -> ir.IntegerColumn:
    """Hours as whole hundredths of an hour (missing as zero)."""
    return (column.fill_null(0) * 100).round().cast("int64")


def _with_flags(per: ir.Table, sy: ir.Table, params: Mapping[str, Any]) -> ir.Table:
    """Hours summed per student and unit (``att``, ``exc``, ``unx`` in hundredths) ->
    with the student-year's group columns, and whether the student is included and
    chronically absent there, and the FTE (``fte_h``: possible hours capped at the full
    year ``full_h``, both in hundredths)."""
    deciding = [c for c in _GROUP_COLUMNS if c in sy.columns]
    attrs = sy.select("student_id", "school_year", "grade", *deciding)
    per = per.join(attrs, ["student_id", "school_year"])
    per = per.filter(per.grade != "PK")
    possible = per.att + per.exc + per.unx
    absent = per.exc + per.unx
    hours = params["full_year_hours"]
    full = ibis.cases(
        *[(per.grade == g, _h(v)) for g, v in hours.items() if g != "default"],
        else_=_h(hours["default"]),
    )
    return per.mutate(
        included=ohio.included(possible, params),
        chronic=ohio.chronic(absent, possible, params),
        full_h=full,
        fte_h=ibis.least(possible, full),
    )


def _counts(t: ir.Table) -> dict[str, ir.Scalar]:
    """Headcounts and FTE sums of the included and of the chronically absent."""
    hit = t.included & t.chronic
    return {
        "p": t.included.cast("int64").sum(),
        "e": hit.cast("int64").sum(),
        "wp": t.included.ifelse(t.fte_h, 0).sum(),
        "we": hit.ifelse(t.fte_h, 0).sum(),
    }


def unit_kinds(
    spells: ir.Table, units: ir.Table, sy: ir.Table, params: Mapping[str, Any]
) -> ir.Table:
    """Per year, unit (layer, geo_id), full-year hours and group columns: ``p`` and
    ``e`` (students included, and chronically absent), ``wp`` and ``we`` (their FTE in
    hundredths of an hour).

    A student-year at one school has the same hours in every unit that holds the
    school, so it is decided once and its counts added up to the units; only students
    at several schools in the year are decided unit by unit.
    """
    h = spells.select(
        "student_id",
        "school_year",
        "school_id",
        att=hundredths(spells.hours_attended),
        exc=hundredths(spells.hours_absent_excused),
        unx=hundredths(spells.hours_absent_unexcused),
    )
    per_school = h.group_by(["student_id", "school_year", "school_id"]).aggregate(
        att=h.att.sum(), exc=h.exc.sum(), unx=h.unx.sum()
    )
    n = per_school.group_by(["student_id", "school_year"]).aggregate(n_units=ibis._.count())
    per_school = per_school.join(n, ["student_id", "school_year"])
    deciding = [c for c in _GROUP_COLUMNS if c in sy.columns]
    keys = ["school_year", "layer", "geo_id", "full_h", *deciding]

    single = _with_flags(per_school.filter(per_school.n_units == 1), sy, params)
    at_school = single.group_by(["school_year", "school_id", "full_h", *deciding]).aggregate(
        **_counts(single)
    )
    spread = at_school.join(units, "school_id")
    from_single = spread.group_by(keys).aggregate(
        p=spread.p.sum(), e=spread.e.sum(), wp=spread.wp.sum(), we=spread.we.sum()
    )

    several = per_school.filter(per_school.n_units > 1).join(units, "school_id")
    per_unit = several.group_by(["student_id", "school_year", "layer", "geo_id"]).aggregate(
        att=several.att.sum(), exc=several.exc.sum(), unx=several.unx.sum()
    )
    multi = _with_flags(per_unit, sy, params)
    from_multi = multi.group_by(keys).aggregate(**_counts(multi))

    both = from_single.union(from_multi)
    return both.group_by(keys).aggregate(
        p=both.p.sum(), e=both.e.sum(), wp=both.wp.sum(), we=both.we.sum()
    )


def _h(hours: Fraction) -> int:
    return round(hours * 100)


def ohio_cells(
    con: ibis.BaseBackend,
    spells: ir.Table,
    sy: ir.Table,
    *,
    school_geo: pd.DataFrame,
    geo_ids: dict[str, list[str]],
    years: Sequence[str],
    params: Mapping[str, Any],
) -> pd.DataFrame:
    """The cells of ``chronic_absence_ohio`` for the city and every layer: headcounts in
    numerator and denominator, exact FTE-weighted sums beside them."""
    layers = list(geo_ids)
    units = school_geo.melt(
        id_vars="school_id", value_vars=layers, var_name="layer", value_name="geo_id"
    ).dropna()
    schools = school_geo["school_id"]
    units = pd.concat(
        [
            units,
            pd.DataFrame({"school_id": schools, "layer": CITY_LAYER, "geo_id": CITY_LAYER}),
            pd.DataFrame({"school_id": schools, "layer": SCHOOL_LAYER, "geo_id": schools}),
        ],
        ignore_index=True,
    ).astype(str)
    unit = register(con, "ohio_units", pa.Table.from_pandas(units, preserve_index=False))
    frame = unit_kinds(spells, unit, sy, params).to_pyarrow().to_pandas()
    frame["school_id"] = frame["geo_id"]  # group "all" is every row
    groups = group_predicates(frame)
    wanted = INDICATOR_INFO[INDICATOR].groups
    keys = ["school_year", "layer", "geo_id"]
    wide_parts = {}
    weights = []
    for name, member in groups.items():
        if wanted is not None and name not in wanted:
            continue
        member = np.asarray(member, dtype=bool)
        part = frame[member]
        sums = part.groupby(keys)[["p", "e"]].sum()
        wide_parts[f"d{_SEP}{INDICATOR}{_SEP}{name}"] = sums["p"]
        wide_parts[f"n{_SEP}{INDICATOR}{_SEP}{name}"] = sums["e"]
        by_full = part.groupby([*keys, "full_h"])[["wp", "we"]].sum().reset_index()
        by_full["wden"] = [
            Fraction(int(w), int(f)) for w, f in zip(by_full["wp"], by_full["full_h"], strict=True)
        ]
        by_full["wnum"] = [
            Fraction(int(w), int(f)) for w, f in zip(by_full["we"], by_full["full_h"], strict=True)
        ]
        exact = by_full.groupby(keys)[["wnum", "wden"]].agg(lambda s: sum(s, Fraction(0)))
        weights.append(exact.reset_index().assign(group=name))
    wide = pd.DataFrame(wide_parts).reset_index()
    wide["grade_band"] = "all"
    indicator = Indicator(INDICATOR, population=lambda sy: sy, event=lambda sy: sy)
    ids = {CITY_LAYER: [CITY_LAYER], **geo_ids}
    cells = _long(wide, [indicator], years, ids)
    exact = pd.concat(weights, ignore_index=True).rename(columns={"school_year": "year"})
    cells = cells.merge(exact, on=["year", "layer", "geo_id", "group"], how="left")
    zero = Fraction(0)
    cells["weighted_numerator"] = cells.pop("wnum").map(
        lambda v: v if isinstance(v, Fraction) else zero
    )
    cells["weighted_denominator"] = cells.pop("wden").map(
        lambda v: v if isinstance(v, Fraction) else zero
    )
    return cells
