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
"""

from __future__ import annotations

import pandas as pd

from atlas.model import EXHAUSTIVE, RATE_SUMS

_PLACE = ["year", "layer", "geo_id", "group", "grade_band"]


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
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
