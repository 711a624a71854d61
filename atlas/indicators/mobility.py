"""Mobility: students who changed school during the year (two or more schools), K-12."""

from __future__ import annotations

from atlas.indicators import Indicator

INDICATORS = [
    Indicator(
        "midyear_transfer",
        population=lambda sy: sy.grade != "PK",
        event=lambda sy: sy.n_schools > 1,
        needs=("n_schools",),
    )
]
