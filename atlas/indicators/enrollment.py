"""Enrollment: students counted by housing group (the share of students is derived),
and the share homeless in kindergarten and grade 1, from which pre-K reach is predicted
(:mod:`atlas.indicators.reach`)."""

from __future__ import annotations

from atlas.indicators import Indicator

INDICATORS = [
    Indicator("students", population=lambda sy: sy.student_id.notnull()),
    Indicator(
        "share_homeless_k1",
        population=lambda sy: sy.grade.isin(["K", "1"]),
        event=lambda sy: sy.homeless,
    ),
]
