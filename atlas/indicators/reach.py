"""The protected table -> pre-K reach, as more rows of the long table.

Pre-K reach compares the homeless students enrolled in pre-K with the number the
geography's homeless share in kindergarten and grade 1 predicts:

    predicted = pre-K students x (homeless K-1 students / K-1 students)
    reach     = 100 x homeless pre-K students / predicted

It is worked out after protection from published cells only, as a reader could: the
numerator and denominator of ``share_of_students`` (group ``homeless``, band ``pre_k``)
and of ``share_homeless_k1``. It therefore reveals nothing those cells do not, and is
withheld when either is withheld. The prediction is not a count of students, so the
row's ``denominator`` is empty; its ``numerator`` is the homeless pre-K students.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.model import LONG_COLUMNS, SCHOOL_LAYER
from atlas.protect.primary import round_half_up

PRE_K_REACH = "pre_k_reach"
_PLACE = ["year", "layer", "geo_id", "geo_name"]


def pre_k_reach(table: pd.DataFrame, *, precision: int) -> pd.DataFrame:
    """Reach rows (group ``homeless``, band ``pre_k``) for every geography but schools."""
    table = table[table["layer"] != SCHOOL_LAYER]
    pre_k = table[
        (table["indicator"] == "share_of_students")
        & (table["group"] == "homeless")
        & (table["grade_band"] == "pre_k")
    ]
    k1 = table[(table["indicator"] == "share_homeless_k1") & (table["group"] == "all")]
    if pre_k.empty or k1.empty:
        return pd.DataFrame(columns=list(LONG_COLUMNS))
    both = pre_k[[*_PLACE, "numerator", "denominator", "flag"]].merge(
        k1[[*_PLACE, "numerator", "denominator", "flag"]], on=_PLACE, suffixes=("", "_k1")
    )
    flags = both[["flag", "flag_k1"]]
    withheld = ~flags.isin(["published", "omitted_reliability", "not_applicable"]).all(axis=1)
    nothing = ~withheld & (
        (both["denominator"] == 0) | (both["numerator_k1"] == 0) | (both["denominator_k1"] == 0)
    )
    unreliable = ~withheld & ~nothing & (flags == "omitted_reliability").any(axis=1)
    shown = ~withheld & ~nothing & ~unreliable
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = (
            100.0
            * both["numerator"]
            * both["denominator_k1"]
            / (both["denominator"] * both["numerator_k1"])
        )
    flag = pd.Series("published", index=both.index, dtype=object)
    flag[unreliable] = "omitted_reliability"
    flag[nothing] = "not_applicable"
    flag[withheld] = "withheld"
    note = pd.Series("", index=both.index, dtype=object)
    note[nothing & (both["denominator"] == 0)] = "No students in pre-K"
    note[nothing & (both["denominator"] != 0)] = (
        "No homeless students in kindergarten and grade 1 to predict from"
    )
    return pd.DataFrame(
        {
            **{c: both[c] for c in _PLACE},
            "group": "homeless",
            "grade_band": "pre_k",
            "indicator": PRE_K_REACH,
            "numerator": both["numerator"].where(~withheld),
            "denominator": np.nan,
            "value": round_half_up(reach, precision).where(shown),
            "category": "",
            "flag": flag,
            "note": note,
        }
    )[list(LONG_COLUMNS)]
