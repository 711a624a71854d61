"""The protected table -> pre-K reach, as more rows of the long table.

Pre-K reach compares the homeless students enrolled in pre-K with the number the
geography's homeless share in kindergarten and grade 1 predicts:

    predicted = pre-K students x (homeless K-1 students / K-1 students)
    reach     = 100 x homeless pre-K students / predicted

It is worked out after protection from published cells only, as a reader could: the
numerator and denominator of ``share_of_students`` (group ``homeless``, band ``pre_k``),
and the numerators of ``grade_k`` and ``grade_1`` (band ``elementary``) for the groups
``all`` and ``homeless``. It therefore reveals nothing those cells do not, and is
withheld when any of them is withheld. The prediction is not a count of students, so the
row's ``denominator`` is empty; its ``numerator`` is the homeless pre-K students.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.model import LONG_COLUMNS, SCHOOL_LAYER
from atlas.protect.primary import round_half_up

PRE_K_REACH = "pre_k_reach"
_PLACE = ["year", "layer", "geo_id", "geo_name"]
#: The published cells reach is worked out from: name -> (indicator, group, band).
_SOURCES = {
    "pre_k": ("share_of_students", "homeless", "pre_k"),
    "k_all": ("grade_k", "all", "elementary"),
    "k_homeless": ("grade_k", "homeless", "elementary"),
    "g1_all": ("grade_1", "all", "elementary"),
    "g1_homeless": ("grade_1", "homeless", "elementary"),
}
_SHOWN = ["published", "omitted_reliability", "not_applicable"]


def pre_k_reach(table: pd.DataFrame, *, precision: int) -> pd.DataFrame:
    """Reach rows (group ``homeless``, band ``pre_k``) for every geography but schools."""
    table = table[table["layer"] != SCHOOL_LAYER]
    both: pd.DataFrame | None = None
    for name, (indicator, group, band) in _SOURCES.items():
        cells = table[
            (table["indicator"] == indicator)
            & (table["group"] == group)
            & (table["grade_band"] == band)
        ]
        cells = cells[[*_PLACE, "numerator", "denominator", "flag"]].rename(
            columns={c: f"{c}_{name}" for c in ("numerator", "denominator", "flag")}
        )
        both = cells if both is None else both.merge(cells, on=_PLACE)
    if both is None or both.empty:
        return pd.DataFrame(columns=list(LONG_COLUMNS))
    homeless_pre_k, pre_k = both["numerator_pre_k"], both["denominator_pre_k"]
    homeless_k1 = both["numerator_k_homeless"] + both["numerator_g1_homeless"]
    k1 = both["numerator_k_all"] + both["numerator_g1_all"]
    flags = both[[f"flag_{name}" for name in _SOURCES]]
    withheld = ~flags.isin(_SHOWN).all(axis=1) | homeless_pre_k.isna() | homeless_k1.isna()
    withheld |= pre_k.isna() | k1.isna()
    nothing = ~withheld & ((pre_k == 0) | (homeless_k1 == 0))
    unreliable = ~withheld & ~nothing & (flags == "omitted_reliability").any(axis=1)
    shown = ~withheld & ~nothing & ~unreliable
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = 100.0 * homeless_pre_k * k1 / (pre_k * homeless_k1)
    flag = pd.Series("published", index=both.index, dtype=object)
    flag[unreliable] = "omitted_reliability"
    flag[nothing] = "not_applicable"
    flag[withheld] = "withheld"
    note = pd.Series("", index=both.index, dtype=object)
    note[nothing & (pre_k == 0)] = "No students in pre-K"
    note[nothing & (pre_k != 0)] = (
        "No homeless students in kindergarten and grade 1 to predict from"
    )
    return pd.DataFrame(
        {
            **{c: both[c] for c in _PLACE},
            "group": "homeless",
            "grade_band": "pre_k",
            "indicator": PRE_K_REACH,
            "numerator": homeless_pre_k.where(~withheld),
            "denominator": np.nan,
            "value": round_half_up(reach, precision).where(shown),
            "category": "",
            "flag": flag,
            "note": note,
        }
    )[list(LONG_COLUMNS)]
