"""The protected table -> ranks of districts by share homeless, in the city and within
their parent layer (the demo's borough), as more rows of the long table.

Ranks are taken from published values only, as a reader would rank them: 1 is the
highest share, equal published shares share a rank. A district whose share is not
published gets a withheld rank, so that a rank never narrows down a hidden value.
Districts without a parent (NYC's citywide districts 75 and 79) are not ranked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.model import LONG_COLUMNS, Geography

RANK_CITY = "rank_share_homeless_city"
RANK_PARENT = "rank_share_homeless_parent"
SHOWN = {"published", "top_coded", "bottom_coded"}


def ranks(table: pd.DataFrame, district: Geography) -> pd.DataFrame:
    """Rank rows for every year: the rank in ``value``, the number ranked in
    ``denominator``."""
    frame = district.frame
    parents = frame.loc[frame["parent_id"].notna(), ["geo_id", "parent_id"]]
    if parents.empty:
        return pd.DataFrame(columns=list(LONG_COLUMNS))
    shares = table[
        (table["layer"] == district.layer)
        & (table["indicator"] == "share_of_students")
        & (table["group"] == "homeless")
        & (table["grade_band"] == "all")
    ].merge(parents, on="geo_id")
    shown = shares["flag"].isin(SHOWN)
    value = shares["value"].where(shown)
    out = []
    for indicator, by in ((RANK_CITY, ["year"]), (RANK_PARENT, ["year", "parent_id"])):
        ranked = value.groupby([shares[c] for c in by]).rank(method="min", ascending=False)
        counted = shown.groupby([shares[c] for c in by]).transform("sum")
        out.append(
            shares.assign(
                indicator=indicator,
                value=ranked,
                numerator=np.nan,
                denominator=counted.where(shown).astype(float),
                category="",
                flag=np.where(shown, "published", "withheld"),
                note="",
            )
        )
    return pd.concat(out, ignore_index=True)[list(LONG_COLUMNS)]
