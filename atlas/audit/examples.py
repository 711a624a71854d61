"""How the audit reports what it finds: rows matched to the cells they stand for, and a
failure that says how many rows fail a check and shows the first of them."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

#: A failure's text, from how many rows fail and the first of them.
Message = Callable[[int, pd.Series], str]


def match(
    rows: pd.DataFrame, cells: pd.DataFrame, key: list[str], not_found: Message
) -> tuple[pd.DataFrame, list[str]]:
    """Each of ``rows`` beside its cell of ``cells`` (by ``key``; a column both have is
    the cell's as ``<column>_expected``) -> the rows that have a cell, and what
    ``not_found`` says of those that have none (no failure when all have one)."""
    joined = rows.merge(cells, on=key, how="left", suffixes=("", "_expected"), indicator="_found")
    missing = joined["_found"] == "left_only"
    return joined[~missing].drop(columns="_found"), example(joined[missing], not_found)


def example(bad: pd.DataFrame, message: Message) -> list[str]:
    """No failure when ``bad`` has no row; else one: ``message(how many, the first)``."""
    return [message(len(bad), bad.iloc[0])] if len(bad) else []
