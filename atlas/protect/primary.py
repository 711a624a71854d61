"""Primary suppression: flag each cell, blank what must not be shown, round the rest."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from atlas.model import LONG_COLUMNS


def _small(x: pd.Series, min_count: int) -> pd.Series:
    return (x >= 1) & (x < min_count)


def round_half_up(x: pd.Series, digits: int) -> pd.Series:
    """Round as readers expect (12.25 -> 12.3), not to even; exact in decimal terms."""
    scale = 10.0**digits
    return np.floor(x * scale + 0.5 + 1e-9) / scale


def primary_withheld(
    cells: pd.DataFrame,
    *,
    count_indicators: Collection[str],
    place_counts: Collection[str] = (),
    min_count: int,
) -> pd.Series:
    """The cells the primary rule withholds: 1 to ``min_count - 1`` students counted, or
    on either side of a rate."""
    num = cells["numerator"].astype(float)
    den = cells["denominator"].astype(float)
    is_count = cells["indicator"].isin(count_indicators)
    withheld = (is_count & _small(num, min_count)) | (
        ~is_count & (_small(num, min_count) | _small(den - num, min_count))
    )
    return withheld & ~cells["indicator"].isin(place_counts)


@dataclass(frozen=True)
class Coding:
    """Top and bottom coding: in a group of fewer than ``max_denominator`` students, a
    rate under ``below`` percent reads "under 5%", one over ``above`` "over 95%" (its
    numerator is not shown). Decided on the exact rate, before rounding."""

    below: float = 5.0
    above: float = 95.0
    max_denominator: int = 1000

    def coded(
        self, num: pd.Series, den: pd.Series, shown: pd.Series
    ) -> tuple[pd.Series, pd.Series]:
        """The shown rates to bottom-code and to top-code."""
        small = shown & (den < self.max_denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = 100.0 * num / den
        return small & (pct < self.below), small & (pct > self.above)


def protect(
    cells: pd.DataFrame,
    *,
    count_indicators: set[str],
    place_counts: Collection[str] = (),
    min_count: int,
    min_denominator: int,
    precision: int,
    complements: pd.Series | None = None,
    coding: Coding | None = None,
) -> pd.DataFrame:
    """Apply the primary rules to every cell, withhold the ``complements`` too (a
    boolean Series aligned with ``cells``); return the long table (LONG_COLUMNS).

    ``place_counts`` are counts of places, not students (shelters, units, resources):
    published as counted, whatever their size. ``coding`` shows rates near 0% or 100%
    in small groups as bounds.
    """
    t = cells.copy()
    num = t["numerator"].astype(float)
    den = t["denominator"].astype(float)
    rate = ~t["indicator"].isin(count_indicators)
    is_count = ~rate
    withheld = primary_withheld(
        t, count_indicators=count_indicators, place_counts=place_counts, min_count=min_count
    )
    if complements is not None:
        withheld |= complements.reindex(t.index, fill_value=False)
    empty = rate & (den == 0) & ~withheld
    unreliable = rate & ~withheld & ~empty & (den < min_denominator)

    value = pd.Series(np.nan, index=t.index)
    value[is_count] = num[is_count]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = round_half_up(100.0 * num / den, precision)
    shown_rate = rate & ~withheld & ~empty & ~unreliable
    value[shown_rate] = pct[shown_rate]
    low = high = pd.Series(False, index=t.index)
    if coding is not None:
        low, high = coding.coded(num, den, shown_rate)
        value[low] = coding.below
        value[high] = coding.above

    flag = pd.Series("published", index=t.index, dtype=object)
    flag[low] = "bottom_coded"
    flag[high] = "top_coded"
    flag[unreliable] = "omitted_reliability"
    flag[empty] = "not_applicable"
    flag[withheld] = "withheld"
    t["numerator"] = num.where(~withheld & ~low & ~high)
    t["denominator"] = den.where(~withheld)
    t["value"] = value.where(~withheld)
    t["flag"] = flag
    category = t["category"] if "category" in t.columns else pd.Series("", index=t.index)
    t["category"] = category.fillna("").where(~withheld, "")
    t["note"] = ""
    t.loc[empty, "note"] = "No students in this group"
    return t[list(LONG_COLUMNS)]
