"""Student-years with a housing group -> how school went: absences in days and hours,
suspensions, tests, ELL, IEPs.

Each outcome is drawn from the group's target in ``calibration`` through a model with
the spread real records have: days absent are gamma-Poisson (over-dispersed), test
results come from a per-student ability shared by ELA and math, so that a student who
does well in one subject tends to do well in the other and from year to year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from atlas.demo import calibration as cal
from atlas.demo.students import DISTRICTS, HOUSED, SHELTER, STATUS_NAMES

#: The group keys of calibration's tables, by position.
GROUP_KEYS = (*STATUS_NAMES[1:], "housed_low_income", "housed_not_low_income")


def group_index(status: np.ndarray, lunch: np.ndarray) -> np.ndarray:
    """0-3 homeless types (shelter, doubled up, unsheltered, other), 4-5 housed by lunch."""
    return np.where(status == HOUSED, np.where(lunch, 4, 5), status - 1).astype(np.int8)


def _table(values: dict[str, float]) -> np.ndarray:
    return np.array([values[k] for k in GROUP_KEYS])


@lru_cache(maxsize=64)
def mean_for_share(share: float, *, threshold: int = 20, shape: float = cal.ABSENCE_SHAPE) -> float:
    """The mean of a gamma-Poisson count whose P(count >= threshold) is ``share``."""

    def tail(mean: float) -> float:
        p = shape / (shape + mean)
        below = sum(
            math.exp(
                math.lgamma(k + shape)
                - math.lgamma(shape)
                - math.lgamma(k + 1)
                + shape * math.log(p)
                + k * math.log1p(-p)
            )
            for k in range(threshold)
        )
        return 1 - below

    lo, hi = 0.01, 400.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if tail(mid) < share else (lo, mid)
    return (lo + hi) / 2


@dataclass
class Outcomes:
    """Per student-year outcomes (arrays of the student-years' length)."""

    days_absent: np.ndarray
    days_excused: np.ndarray
    days_suspended: np.ndarray
    suspended: np.ndarray
    ell: np.ndarray
    ela_level: np.ndarray  # 0 = not tested
    math_level: np.ndarray
    iep_grade: np.ndarray  # grade index, -1 = no IEP


def draw_outcomes(
    rng: np.random.Generator,
    *,
    group: np.ndarray,
    district: np.ndarray,
    grade: np.ndarray,
    days_enrolled: np.ndarray,
    formerly: np.ndarray,
    ability: np.ndarray,
    iep_grade: np.ndarray,
) -> Outcomes:
    """Outcomes of student-years of ``group`` (see :func:`group_index`)."""
    n = len(group)
    homeless = group < 4
    suspended_p = _table(cal.SUSPENDED)[group]
    middle = (grade >= 7) & (grade <= 9)
    suspended_p[(group == SHELTER - 1) & middle] = cal.SUSPENDED_SHELTER_MIDDLE
    suspended = rng.random(n) < suspended_p
    days_suspended = np.where(suspended, 1 + rng.poisson(2.0, n), 0)

    absent = _absences(rng, group, district, homeless, n)
    absent = np.minimum(absent, np.maximum(days_enrolled - days_suspended, 0))
    excused = rng.binomial(absent, cal.EXCUSED_SHARE)

    ell = rng.random(n) < _table(cal.ELL)[group]
    tested = (grade >= 4) & (grade <= 9) & (rng.random(n) < cal.TESTED)
    ela = _levels(rng, ability, _proficiency(cal.ELA, group, district, formerly, 0), tested)
    math_ = _levels(rng, ability, _proficiency(cal.MATH, group, district, formerly, 1), tested)
    shown_iep = np.where(iep_grade <= grade, iep_grade, -1)
    return Outcomes(absent, excused, days_suspended, suspended, ell, ela, math_, shown_iep)


def _absences(
    rng: np.random.Generator,
    group: np.ndarray,
    district: np.ndarray,
    homeless: np.ndarray,
    n: int,
) -> np.ndarray:
    target = _table(cal.CHRONIC)[group]
    high = np.isin(np.array(DISTRICTS)[district], list(cal.CHRONIC_HIGH_DISTRICTS))
    target = np.where(homeless & high, target * cal.CHRONIC_DISTRICT_FACTOR, target)
    citywide = np.isin(np.array(DISTRICTS)[district], list(cal.CITYWIDE_DISTRICTS))
    target = np.where(homeless & citywide, cal.CHRONIC_CITYWIDE_DISTRICT_RATE, target)
    target = np.minimum(target, 0.9).round(3)
    means = np.array([mean_for_share(float(t)) for t in np.unique(target)])
    mean = means[np.searchsorted(np.unique(target), target)]
    shape = cal.ABSENCE_SHAPE
    return rng.poisson(rng.gamma(shape, mean / shape)).astype(np.int64)


def _proficiency(
    rates: dict[str, float],
    group: np.ndarray,
    district: np.ndarray,
    formerly: np.ndarray,
    subject: int,
) -> np.ndarray:
    p = _table(rates)[group]
    p = np.where(formerly & (group >= 4), rates["formerly"], p)
    names = np.array(DISTRICTS)[district]
    for d, factors in cal.HOMELESS_PROFICIENCY_FACTOR.items():
        p = np.where((names == d) & (group < 4), p * factors[subject], p)
    return np.clip(p, 0.01, 0.95)


_NORMAL = NormalDist()


def _levels(
    rng: np.random.Generator, ability: np.ndarray, p: np.ndarray, tested: np.ndarray
) -> np.ndarray:
    """Levels 1-4, proficient (3 or 4) with probability ``p``; 0 where not tested."""
    score = 0.75 * ability + math.sqrt(1 - 0.75**2) * rng.standard_normal(len(p))
    unique = np.unique(p)
    cut = np.array([_NORMAL.inv_cdf(1 - q) for q in unique])[np.searchsorted(unique, p)]
    top = np.array([_NORMAL.inv_cdf(1 - 0.3 * q) for q in unique])[np.searchsorted(unique, p)]
    level = np.where(score >= cut, np.where(score >= top, 4, 3), np.where(score >= cut - 0.9, 2, 1))
    return np.where(tested, level, 0).astype(np.int8)
