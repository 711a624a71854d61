"""The protected long table -> ``data/atlas_long.csv``, the file journalists download.

One row per cell, withheld ones included, in the columns of ``LONG_COLUMNS``. Counts
are written as whole numbers, rates at the published precision, and empty cells empty,
so that the file opens cleanly in a spreadsheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.model import INDICATOR_INFO, LONG_COLUMNS

PATH = "data/atlas_long.csv"


def _numbers(values: pd.Series, decimals: int) -> pd.Series:
    out = pd.Series("", index=values.index, dtype=object)
    present = values.notna()
    if decimals == 0:
        out[present] = values[present].round().astype(np.int64).astype(str)
    else:
        out[present] = values[present].map(lambda v: f"{v:.{decimals}f}")
    return out


def long_csv(table: pd.DataFrame, *, precision: int) -> bytes:
    """Render the protected table as CSV bytes (UTF-8, comma-separated, LF)."""
    return csv_bytes(long_text(table, precision=precision))


def csv_bytes(text: pd.DataFrame) -> bytes:
    """The long table's text (:func:`long_text`) as the long CSV's bytes."""
    return text.to_csv(index=False, lineterminator="\n").encode("utf-8")


def long_text(table: pd.DataFrame, *, precision: int) -> pd.DataFrame:
    """The protected table as the text the long CSV holds, column by column: every other
    download (:mod:`atlas.render.tables`, :mod:`atlas.render.gis`) is made from this."""
    frame = table[list(LONG_COLUMNS)].copy()
    counts = frame["indicator"].map(lambda i: INDICATOR_INFO[i].kind != "rate").astype(bool)
    value = pd.Series("", index=frame.index, dtype=object)
    value[counts] = _numbers(frame.loc[counts, "value"], 0)
    value[~counts] = _numbers(frame.loc[~counts, "value"], precision)
    frame["value"] = value
    for column in ("numerator", "denominator"):
        frame[column] = _numbers(frame[column], 0)
    return frame.fillna("").astype(str)
