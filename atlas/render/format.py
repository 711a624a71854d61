"""A protected cell -> the text a reader sees. Pages, maps, the PDF and the audit all
use these functions, so a number reads the same everywhere and the audit can check
that what a page shows is exactly what its cell allows.
"""

from __future__ import annotations

import math
from typing import Any

from atlas.model import CATEGORY_LABELS, INDICATOR_INFO

#: Short marks for cells that show no number, with the words a legend gives them.
MARKS: dict[str, tuple[str, str]] = {
    "withheld": ("s", "withheld to protect student privacy"),
    "omitted_reliability": ("r", "omitted: too few students for a reliable rate"),
    "not_applicable": ("n/a", "not applicable: no students in this group"),
    "missing": ("m", "missing in the source data"),
}
#: The mark of a cell the release does not hold at all (for example a five-year
#: history group in a year that has fewer years before it).
ABSENT: tuple[str, str] = ("\u2013", "not computed for this group or year")


def format_count(value: float) -> str:
    """12345.0 -> '12,345'."""
    return f"{round(value):,}"


def format_rate(value: float, precision: int) -> str:
    """12.25 (already rounded by protection) -> '12.3%' at one decimal place."""
    return f"{value:.{precision}f}%"


def _bound(value: float, precision: int) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.{precision}f}"


def format_cell(cell: Any, precision: int) -> str:
    """The text of a cell with attributes ``indicator``, ``flag`` and ``value``.

    Published counts read '1,234', ranks '3' and rates '12.3%'; a bottom-coded rate reads
    'under 5%' and a top-coded one 'over 95%'. A cell that may not show a number
    reads as its mark from :data:`MARKS`.
    """
    flag = cell.flag
    if flag in MARKS:
        return MARKS[flag][0]
    if INDICATOR_INFO[cell.indicator].kind == "category":
        return CATEGORY_LABELS.get(cell.category, cell.category)
    value = float(cell.value)
    if math.isnan(value):
        return MARKS["missing"][0]
    if flag == "bottom_coded":
        return f"under {_bound(value, precision)}%"
    if flag == "top_coded":
        return f"over {_bound(value, precision)}%"
    if INDICATOR_INFO[cell.indicator].kind in ("count", "rank"):
        return format_count(value)
    return format_rate(value, precision)
