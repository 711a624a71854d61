"""Enrollment: students counted by housing group (the share of students is derived)."""

from __future__ import annotations

import ibis

from atlas.indicators import Indicator

INDICATORS = [Indicator("students", population=lambda sy: ibis.literal(True))]
