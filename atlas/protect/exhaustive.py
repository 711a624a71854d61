"""Equations of rates that partition their population (:data:`atlas.model.EXHAUSTIVE`),
or of which one is the sum of others (:data:`atlas.model.RATE_SUMS`).

The Attendance Works tiers (satisfactory, at risk, moderate, severe) sort every student
of a rate's population into exactly one tier, so in every cell a reader knows

    no(first tier) = yes(second) + yes(third) + yes(fourth)

(the students not in the first tier are those in the others). Complementary suppression
finds partitions by itself only when the rates sharing a denominator are exactly the
partition (race and ethnicity); the tiers share theirs with every other K-12 attendance
rate, so they are declared, and this module gives :func:`atlas.protect.complement.
build_system` their equations. Where a tier's cell is missing at a place, the equation
is incomplete and its difference becomes an unknown, as for any equation that does not
add up among published numbers. Likewise missing 10% or more of days
(``chronic_absence_ten_percent``) is the moderate and the severe tiers together.

Some rules nest (:data:`atlas.model.NESTED`): a student absent 40 days is absent 20,
so in every cell ``yes(inner) <= yes(outer)``. That is an equation with an unpublished
rest of at least zero, ``yes(outer) - yes(inner) = rest``, declared only where both
rates have the same population and the inequality holds at every place.
"""

from __future__ import annotations

import pandas as pd

from atlas.model import EXHAUSTIVE, NESTED, RATE_SUMS

_PLACE = ["year", "layer", "geo_id", "group", "grade_band"]
_SIDES = ["q_no", "q_yes", "value_no", "value_yes"]


def exhaustive_equations(q: pd.DataFrame) -> pd.DataFrame:
    """Rows (key, q, coef, value) of one equation per declared partition and place, from
    the quantities ``q`` (family, measure, place, q, value) of the system."""
    frames = []
    relations = [(name, first, "no", others) for name, (first, *others) in EXHAUSTIVE.items()]
    relations += [(f"sum:{total}", total, "yes", list(parts)) for total, parts in RATE_SUMS]
    for name, first, measure, others in relations:
        parts = [q[(q["family"] == first) & (q["measure"] == measure)].assign(coef=1.0)]
        parts += [q[(q["family"] == m) & (q["measure"] == "yes")].assign(coef=-1.0) for m in others]
        frame = pd.concat(parts, ignore_index=True)
        if frame.empty:
            continue
        frame["key"] = f"{name}|" + frame.groupby(_PLACE, sort=True).ngroup().astype(str)
        frames.append(frame[["key", "q", "coef", "value"]])
    frames += [_nested(q, inner, outer) for inner, outer in NESTED]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _nested(q: pd.DataFrame, inner: str, outer: str) -> pd.DataFrame:
    """Rows of ``yes(outer) - yes(inner)`` at every place both publish, or none if the
    two differ in population somewhere or the inner rate exceeds the outer."""
    sides = []
    for family in (inner, outer):
        rate = q[q["family"] == family].pivot_table(
            index=_PLACE, columns="measure", values=["q", "value"], aggfunc="first"
        )
        if rate.shape[1] != 4:  # not a rate with both sides here
            return pd.DataFrame()
        # pivot_table sorts its columns: (q, no), (q, yes), (value, no), (value, yes).
        rate.columns = [f"{name}{'_out' if family == outer else ''}" for name in _SIDES]
        sides.append(rate)
    both = sides[0].join(sides[1], how="inner").dropna()
    a = both[["q_yes", "value_no", "value_yes"]]
    b = both[["q_yes_out", "value_no_out", "value_yes_out"]].set_axis(a.columns, axis=1)
    same_population = (a["value_no"] + a["value_yes"]).eq(b["value_no"] + b["value_yes"]).all()
    if both.empty or not same_population or (a["value_yes"] > b["value_yes"]).any():
        return pd.DataFrame()
    key = pd.Series(f"nested:{inner}:{outer}|", index=both.index) + pd.Series(
        range(len(both)), index=both.index
    ).astype(str)
    return pd.concat(
        [
            pd.DataFrame({"key": key, "q": b["q_yes"], "coef": 1.0, "value": b["value_yes"]}),
            pd.DataFrame({"key": key, "q": a["q_yes"], "coef": -1.0, "value": a["value_yes"]}),
        ],
        ignore_index=True,
    ).astype({"q": "int64"})
