"""Enrollment: students counted by housing group (the share of students is derived)."""

from __future__ import annotations

from atlas.indicators import Indicator

INDICATORS = [Indicator("students", population=lambda sy: sy.student_id.notnull())]
