"""One school year's student-years with a calibration group -> how school went.

Rates that CALIBRATION.md gives by group are met by construction, group by group:

* chronic absence: each student-year has an absence rate ``expit(mu_g + x)``, where
  ``x`` carries the district, the grade and the student's habit; days absent are that
  rate times the days the student could attend. The group's ``mu_g`` is the quantile
  of the ``x`` at which the rate reaches 20 days, so exactly the target share of the
  group's K-12 students is absent 20 days or more, whatever their days enrolled;
* proficiency: a latent score (ability, district, formerly homeless, ELL, IEP, absence)
  is cut at the group's quantile, so that the target share scores level 3 or 4;
* transfers, suspensions and ELL are drawn with probabilities whose district and grade
  factors are normalised within each group, so that the group's rate is the target.

Every random draw is vectorised over the year's student-years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atlas.demo import calibration as cal
from atlas.demo.students import BANDS, D75, DISTRICTS, G3, G9, PK, band_of

_N_GROUPS = len(cal.GROUPS)
#: Days absent that make a student chronically absent under the NYC rule.
CHRONIC_DAYS = 20


def _by_group(table: dict[str, float]) -> np.ndarray:
    return np.array([table[g] for g in cal.GROUPS])


def _district_values(field: str) -> np.ndarray:
    return np.array([getattr(cal.DISTRICTS[d], field) for d in DISTRICTS])


def _normalised(
    p_group: np.ndarray, factor: np.ndarray, group: np.ndarray, counted: np.ndarray
) -> np.ndarray:
    """``p_group[group] * factor``, with ``factor`` rescaled to average 1 within each
    group over the ``counted`` student-years, clipped to [0, 0.95]."""
    sums = np.bincount(group[counted], weights=factor[counted], minlength=_N_GROUPS)
    sizes = np.bincount(group[counted], minlength=_N_GROUPS)
    mean = np.where(sizes > 0, sums / np.maximum(sizes, 1), 1.0)
    return np.clip(p_group[group] * factor / np.where(mean > 0, mean, 1.0)[group], 0, 0.95)


def transfers(
    rng: np.random.Generator, group: np.ndarray, grade: np.ndarray, district: np.ndarray
) -> np.ndarray:
    """Who changes school during the year (K-12 at the group's rate; some pre-K)."""
    band = band_of(grade)
    band_factor = np.array([0.0, *(cal.TRANSFER_BAND[b] for b in BANDS[1:])])[band]
    district_factor = np.select(
        [group == 0, group == 1],
        [
            _district_values("transfer_shelter")[district],
            _district_values("transfer_doubled")[district],
        ],
        1.0,
    )
    counted = grade != PK
    p = _normalised(_by_group(cal.TRANSFER), band_factor * district_factor, group, counted)
    p = np.where(counted, p, cal.TRANSFER_PRE_K)
    return rng.random(len(group)) < p


@dataclass
class Outcomes:
    """Outcomes of one year's student-years (arrays of their length)."""

    days_absent: np.ndarray  # int64, excused and unexcused, not suspension
    excused_share: np.ndarray  # float64, share of absences excused
    days_suspended: np.ndarray  # int64
    ell: np.ndarray  # bool
    ela_level: np.ndarray  # int8, 0 = not tested
    math_level: np.ndarray  # int8, 0 = not tested


def draw_outcomes(
    rng: np.random.Generator,
    *,
    group: np.ndarray,
    district: np.ndarray,
    grade: np.ndarray,
    days_enrolled: np.ndarray,
    last_days: np.ndarray,
    formerly: np.ndarray,
    habit: np.ndarray,
    ability: np.ndarray,
    has_iep: np.ndarray,
    u_ell: np.ndarray,
) -> Outcomes:
    """Outcomes of student-years in calibration ``group`` at schools of ``district``;
    ``last_days`` are the days of the final spell, where suspensions happen."""
    n = len(group)
    band = band_of(grade)

    # Suspension: at the group's rate, mostly in middle and high school.
    band_factor = np.array([cal.SUSPENSION_BAND[b] for b in BANDS])[band]
    p = _normalised(_by_group(cal.SUSPENSION), band_factor, group, np.ones(n, bool))
    suspended = rng.random(n) < p
    days_suspended = np.where(suspended, 1 + rng.poisson(2.0, n), 0)
    days_suspended = np.minimum(days_suspended, np.maximum(last_days - 1, 0))

    # Absence: exactly the group's chronic share among K-12 students.
    habit_share = cal.ABSENCE_HABIT
    spread = habit_share * habit + np.sqrt(1 - habit_share**2) * rng.standard_normal(n)
    x = (
        _district_values("absence")[district]
        + np.array(cal.ABSENCE_GRADE)[grade]
        + cal.ABSENCE_SPREAD * spread
    )
    available = np.maximum(days_enrolled - days_suspended, 0)
    reach = np.full(n, np.inf)  # the mu at which a student-year reaches 20 days
    can = available >= CHRONIC_DAYS
    reach[can] = _logit((CHRONIC_DAYS - 0.5) / available[can]) - x[can]
    mu = np.zeros(_N_GROUPS)
    counted = (grade != PK) & (days_enrolled > 0)
    for g, target in enumerate(_by_group(cal.CHRONIC)):
        values = reach[counted & (group == g)]
        if len(values):
            mu[g] = np.quantile(values, target, method="inverted_cdf")
    mu = np.where(np.isfinite(mu), mu, 0.0)
    rate = 1 / (1 + np.exp(-(mu[group] + x)))
    days_absent = np.minimum(np.floor(rate * available + 0.5), available).astype(np.int64)
    excused_share = rng.beta(*cal.EXCUSED_BETA, n)

    # English language learners: a persistent draw against the group's rate.
    ell_factor = np.array(cal.ELL_GRADE)[grade] * _district_values("ell")[district]
    ell = u_ell < _normalised(_by_group(cal.ELL), ell_factor, group, np.ones(n, bool))

    # Tests, grades 3-8: a latent score cut at each group's quantile.
    tested_grade = (grade >= G3) & (grade < G9)
    untested = rng.random(n) < np.where(district == D75, cal.UNTESTED_D75, cal.UNTESTED)
    tested = tested_grade & ~untested
    common = (
        _district_values("score")[district]
        + cal.FORMERLY_HOMELESS_SCORE * formerly
        + cal.IEP_SCORE * has_iep
        - 0.25 * spread
    )
    levels = []
    for subject, targets in enumerate((cal.ELA, cal.MATH)):
        ell_shift = cal.ELL_SCORE * (1.0 if subject == 0 else 0.5) * ell
        score = 0.8 * ability[:, subject] + 0.6 * rng.standard_normal(n) + common + ell_shift
        levels.append(_levels(score, group, tested, _by_group(targets)))
    return Outcomes(days_absent, excused_share, days_suspended, ell, levels[0], levels[1])


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def _levels(
    score: np.ndarray, group: np.ndarray, tested: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Levels 1-4 (0 = not tested): level 3 or better for the target share of each group."""
    cut = np.zeros(_N_GROUPS)
    for g, target in enumerate(targets):
        values = score[tested & (group == g)]
        if len(values):
            cut[g] = np.quantile(values, 1 - target, method="inverted_cdf")
    above = score - cut[group]
    level = np.select([above >= 0.9, above > 0, above >= -0.8], [4, 3, 2], 1)
    return np.where(tested, level, 0).astype(np.int8)
