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


def unit_table(
    spells: ir.Table, units: ir.Table, sy: ir.Table, params: Mapping[str, Any]
) -> ir.Table:
    """One row per student, year and unit (layer, geo_id) with the hours there, whether
    the student is included and chronically absent there, and the FTE in hundredths of
    an hour (``fte_h``, capped at the full year ``full_h``)."""
    h = spells.select(
        "student_id",
        "school_year",
        "school_id",
        att=hundredths(spells.hours_attended),
        exc=hundredths(spells.hours_absent_excused),
        unx=hundredths(spells.hours_absent_unexcused),
    )
    joined = h.join(units, "school_id")
    per = joined.group_by(["student_id", "school_year", "layer", "geo_id"]).aggregate(
        att=joined.att.sum(), exc=joined.exc.sum(), unx=joined.unx.sum()
    )
    deciding = [c for c in _GROUP_COLUMNS if c in sy.columns]
    attrs = sy.select("student_id", "school_year", "grade", "grade_band", *deciding)
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
        possible=possible,
        included=ohio.included(possible, params),
        chronic=ohio.chronic(absent, possible, params),
        full_h=full,
        fte_h=ibis.least(possible, full),
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
    per = unit_table(spells, unit, sy, params)
    deciding = [c for c in _GROUP_COLUMNS if c in per.columns]
    kinds = per.group_by(["school_year", "layer", "geo_id", "full_h", *deciding]).aggregate(
        p=per.included.cast("int64").sum(),
        e=(per.included & per.chronic).cast("int64").sum(),
        wp=per.included.ifelse(per.fte_h, 0).sum(),
        we=(per.included & per.chronic).ifelse(per.fte_h, 0).sum(),
    )
    frame = kinds.to_pyarrow().to_pandas()
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
