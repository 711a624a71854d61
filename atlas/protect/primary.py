"""Primary suppression: flag each cell, blank what must not be shown, round the rest."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from atlas.model import LONG_COLUMNS


def _small(x: pd.Series, min_count: int) -> pd.Series:
    return (x >= 1) & (x < min_count)


def round_half_up(x: pd.Series, digits: int) -> pd.Series:
    """Round as readers expect (12.25 -> 12.3), not to even; exact in decimal terms."""
    scale = 10.0**digits
    return np.floor(x * scale + 0.5 + 1e-9) / scale


def protect(
    cells: pd.DataFrame,
    *,
    count_indicators: set[str],
    place_counts: Collection[str] = (),
    min_count: int,
    min_denominator: int,
    precision: int,
) -> pd.DataFrame:
    """Apply the primary rules to every cell; return the long table (LONG_COLUMNS).

    ``place_counts`` are counts of places, not students (shelters, units, resources):
    published as counted, whatever their size.
    """
    t = cells.copy()
    num = t["numerator"].astype(float)
    den = t["denominator"].astype(float)
    is_count = t["indicator"].isin(count_indicators)
    rate = ~is_count

    withheld = (is_count & _small(num, min_count)) | (
        rate & (_small(num, min_count) | _small(den - num, min_count))
    )
    withheld &= ~t["indicator"].isin(place_counts)
    empty = rate & (den == 0) & ~withheld
    unreliable = rate & ~withheld & ~empty & (den < min_denominator)

    value = pd.Series(np.nan, index=t.index)
    value[is_count] = num[is_count]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = round_half_up(100.0 * num / den, precision)
    shown_rate = rate & ~withheld & ~empty & ~unreliable
    value[shown_rate] = pct[shown_rate]

    flag = pd.Series("published", index=t.index, dtype=object)
    flag[unreliable] = "omitted_reliability"
    flag[empty] = "not_applicable"
    flag[withheld] = "withheld"
    t["numerator"] = num.where(~withheld)
    t["denominator"] = den.where(~withheld)
    t["value"] = value.where(~withheld)
    t["flag"] = flag
    category = t["category"] if "category" in t.columns else pd.Series("", index=t.index)
    t["category"] = category.fillna("").where(~withheld, "")
    t["note"] = ""
    t.loc[empty, "note"] = "No students in this group"
    return t[list(LONG_COLUMNS)]
