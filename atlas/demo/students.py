"""A seed and a scale -> five years of students: who is enrolled, in which grade and
district, and where they slept.

Everything is drawn for all students at once with numpy; the only loop is over the five
school years, because a grade depends on last year's grade and retention.

Housing follows a two-class model (see ``calibration.RISK_HIGH``): a student is
high-risk with a probability that depends on the district, and is homeless in a year
with a probability that depends on the class and the grade. That gives the persistence
CALIBRATION.md describes (most homeless students were homeless before) while the type
of homelessness changes from year to year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atlas.demo import calibration as cal
from atlas.model import GRADES

#: Housing codes the demo's extract uses (the same NYC-style codes as its atlas.toml).
HOUSED, SHELTER, DOUBLED_UP, UNSHELTERED, OTHER = range(5)
STATUS_CODES = ("PH", "DHS", "DBL", "UNS", "HMO")
STATUS_NAMES = ("housed", "shelter", "doubled_up", "unsheltered", "other_homeless")
DISTRICTS = (*cal.GEOGRAPHIC_DISTRICTS, *cal.CITYWIDE_DISTRICTS)
_PK, _K, _G3, _G6, _G9, _G12 = 0, 1, 4, 7, 10, 13


def band_of(grade: np.ndarray) -> np.ndarray:
    """Grade index -> 0 elementary (PK-5), 1 middle (6-8), 2 high (9-12)."""
    return (grade >= _G6).astype(np.int8) + (grade >= _G9).astype(np.int8)


@dataclass
class Panel:
    """Students (one entry per student) and their years (U x 5 arrays)."""

    district: np.ndarray  # index into DISTRICTS
    high_risk: np.ndarray  # bool
    lunch: np.ndarray  # bool, eligible when housed
    active: np.ndarray  # bool (U, Y)
    grade: np.ndarray  # int8 (U, Y), index into GRADES
    status: np.ndarray  # int8 (U, Y), index into STATUS_CODES
    retained: np.ndarray  # bool (U, Y)
    late_entry: np.ndarray  # bool (U, Y)

    @property
    def homeless(self) -> np.ndarray:
        return self.status != HOUSED


def make_panel(rng: np.random.Generator, scale: float) -> Panel:
    """Draw every student of the five years."""
    n0 = max(1, round(cal.STUDENTS * scale))
    weights = np.array([cal.GRADE_WEIGHT[g] for g in GRADES])
    pk_entrants = round(n0 * weights[_PK] / weights.sum())
    newcomers = round(n0 * cal.CHURN)
    first = np.concatenate(
        [np.zeros(n0, np.int8)]
        + [np.full(pk_entrants + newcomers, y, np.int8) for y in range(1, cal.YEARS)]
    )
    grade0 = rng.choice(len(GRADES), size=n0, p=weights / weights.sum())
    later = [
        np.concatenate(
            [
                np.full(pk_entrants, _PK),
                rng.choice(np.arange(_K, _G12 + 1), size=newcomers, p=_norm(weights[_K:])),
            ]
        )
        for _ in range(1, cal.YEARS)
    ]
    grade = np.concatenate([grade0, *later]).astype(np.int8)
    u = len(first)

    district_w = np.array([cal.ENROLLMENT_WEIGHT[d] for d in DISTRICTS])
    district = rng.choice(len(DISTRICTS), size=u, p=district_w / district_w.sum())
    # District 79 (alternative schools) serves high school only.
    alternative = DISTRICTS.index("79")
    young = (district == alternative) & (grade < _G9)
    district[young] = rng.integers(0, len(cal.GEOGRAPHIC_DISTRICTS), int(young.sum()))

    share = np.array([cal.HOMELESS_SHARE[d] for d in DISTRICTS])[district]
    high_risk = rng.random(u) < (share - cal.RISK_LOW) / (cal.RISK_HIGH - cal.RISK_LOW)
    lunch_p = np.clip(cal.LUNCH_BASE + cal.LUNCH_PER_HOMELESS_SHARE * share, 0, 0.97)
    lunch = rng.random(u) < lunch_p
    shelter_share = np.array(
        [
            cal.SHELTER_SHARE_HEAVY if d in cal.SHELTER_HEAVY else cal.SHELTER_SHARE_OTHER
            for d in DISTRICTS
        ]
    )[district]
    leave = first + rng.geometric(cal.CHURN, u)  # first year no longer enrolled

    years = cal.YEARS
    active = np.zeros((u, years), bool)
    grades = np.zeros((u, years), np.int8)
    status = np.zeros((u, years), np.int8)
    retained = np.zeros((u, years), bool)
    risk_by_grade = np.array([cal.GRADE_RISK[g] for g in GRADES])
    for y in range(years):
        on = (first <= y) & (y < leave) & (grade <= _G12)
        active[:, y] = on
        grades[:, y] = np.where(on, grade, 0)
        p = (
            np.where(high_risk, cal.RISK_HIGH, cal.RISK_LOW)
            * risk_by_grade[np.minimum(grade, _G12)]
        )
        homeless = on & (rng.random(u) < p)
        status[:, y] = np.where(homeless, _homeless_type(rng, shelter_share), HOUSED)
        stay = on & (rng.random(u) < _retention(grade, homeless))
        retained[:, y] = stay
        grade = np.where(first <= y, grade + 1 - stay, grade).astype(np.int8)
    late = active & (rng.random((u, years)) < np.where(status != HOUSED, *_late()))
    return Panel(district, high_risk, lunch, active, grades, status, retained, late)


def _norm(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _homeless_type(rng: np.random.Generator, shelter_share: np.ndarray) -> np.ndarray:
    draw = rng.random(len(shelter_share))
    rest = 1 - shelter_share
    kind = np.full(len(draw), DOUBLED_UP, np.int8)
    kind[draw < shelter_share] = SHELTER
    uns = (draw >= shelter_share) & (draw < shelter_share + rest * cal.UNSHELTERED_SHARE)
    kind[uns] = UNSHELTERED
    other_from = shelter_share + rest * cal.UNSHELTERED_SHARE
    kind[(draw >= other_from) & (draw < other_from + rest * cal.OTHER_HOMELESS_SHARE)] = OTHER
    return kind


def _retention(grade: np.ndarray, homeless: np.ndarray) -> np.ndarray:
    band = np.array(["elementary", "middle", "high"])[band_of(grade)]
    housed_p = np.select(
        [band == "elementary", band == "middle"],
        [cal.RETAINED[("housed", "elementary")], cal.RETAINED[("housed", "middle")]],
        cal.RETAINED[("housed", "high")],
    )
    homeless_p = np.select(
        [band == "elementary", band == "middle"],
        [cal.RETAINED[("homeless", "elementary")], cal.RETAINED[("homeless", "middle")]],
        cal.RETAINED[("homeless", "high")],
    )
    # Pre-K and K are not retained in grade; grade 12 retention means a fifth year.
    p = np.where(homeless, homeless_p, housed_p)
    return np.where(grade <= _K, 0.0, p)


def _late() -> tuple[float, float]:
    return cal.LATE_ENTRY["homeless"], cal.LATE_ENTRY["housed"]
