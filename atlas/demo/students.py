"""A seed and a scale -> five years of students: who is enrolled, in which grade and
district, where they slept, and how high school ends for them.

Everything is drawn for whole batches of students with numpy; the loops run over the
five school years (a grade depends on last year's grade and retention) and over grades.

* Each year's students are last year's, promoted or retained, less those who left, plus
  newcomers that keep every grade at its size: a pre-K class, and students moving in.
* Housing: each student carries a normal latent of housing risk that follows an AR(1)
  process over the years (``calibration.HOUSING_PERSISTENCE``); the student is homeless
  in a year when the latent crosses the threshold that gives the district, grade and
  year their share homeless. A second latent, less persistent, picks the type.
* High school: on entering grade 9 a student draws a four-year outcome by housing group
  (``calibration.COHORT``), and the enrollment follows it: graduates leave after grade
  12, dropouts and leavers leave in their year, students still enrolled repeat a grade.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atlas.demo import calibration as cal

HOUSED, SHELTER, DOUBLED_UP, UNSHELTERED, OTHER = range(5)
#: Housing codes of the demo's extract (NYC style, as its atlas.toml maps them).
STATUS_CODES = ("PH", "DHS", "DBL", "UNS", "HMO")
#: Districts by index: the geographic ones, then 75 and 79.
DISTRICTS = (*cal.GEOGRAPHIC, *cal.CITYWIDE)
D75, D79 = DISTRICTS.index("75"), DISTRICTS.index("79")
#: Grade indices into ``calibration.GRADE_CODES``.
PK, K, G3, G6, G9, G12 = 0, 1, 4, 7, 10, 13
BANDS = ("pre_k", "elementary", "middle", "high")
NEVER = 99  # a year index outside the window
Y = cal.YEARS


def band_of(grade: np.ndarray) -> np.ndarray:
    """Grade index -> index into BANDS (pre-K, elementary K-5, middle 6-8, high 9-12)."""
    return (grade >= K).astype(np.int8) + (grade >= G6) + (grade >= G9)


def group_of(status: np.ndarray, lunch: np.ndarray) -> np.ndarray:
    """Housing status and lunch -> index into ``calibration.GROUPS``."""
    housed_group = np.where(lunch, 3, 4)
    homeless_group = np.select([status == SHELTER, status == DOUBLED_UP], [0, 1], 2)
    return np.where(status == HOUSED, housed_group, homeless_group).astype(np.int8)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """The standard normal distribution function (Abramowitz & Stegun 7.1.26, error
    under 1.5e-7), vectorised without scipy."""
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(x) * erf)


@dataclass
class Panel:
    """Every student of the five years: per student (U), and per student-year (U x Y)."""

    # Per student.
    home: np.ndarray  # int8, index into DISTRICTS (geographic)
    special: np.ndarray  # bool, in district 75
    alternative: np.ndarray  # bool, in district 79 during high school
    race: np.ndarray  # int8, index into calibration.RACES
    female: np.ndarray  # bool
    iep_grade: np.ndarray  # int8, grade index of the first IEP, -1 none
    seat: np.ndarray  # float64 in [0, 1): which school, persistent
    habit: np.ndarray  # float32, absence habit (standard normal)
    ability: np.ndarray  # float32 (U, 2): ELA and math ability (standard normal)
    u_ell: np.ndarray  # float32 in [0, 1): persistent ELL draw
    u_shelter: np.ndarray  # float64 in [0, 1): which shelter, persistent
    cohort: np.ndarray  # int8, year index of entering grade 9 in the window, -1 none
    outcome: np.ndarray  # int8, index into calibration.COHORT_OUTCOMES, -1 none
    # Per student-year.
    active: np.ndarray  # bool
    grade: np.ndarray  # int8
    status: np.ndarray  # int8, HOUSED ... OTHER
    lunch: np.ndarray  # bool, eligible for free or reduced-price lunch
    retained: np.ndarray  # bool, repeats the grade next year
    leaves: np.ndarray  # bool, leaves the system during the year
    late: np.ndarray  # bool, entered from outside after the count date

    @property
    def district(self) -> np.ndarray:
        """District of each student-year's schooling (U x Y), index into DISTRICTS."""
        home = np.broadcast_to(self.home[:, None], self.grade.shape)
        alt = self.alternative[:, None] & (self.grade >= G9)
        return np.where(self.special[:, None], D75, np.where(alt, D79, home)).astype(np.int8)


_STUDENT_FIELDS = (
    "home special alternative race female iep_grade seat habit ability u_ell u_shelter "
    "cohort outcome first_year"
).split()
_YEAR_FIELDS = "active grade status lunch retained leaves late".split()


def make_panel(rng: np.random.Generator, scale: float) -> Panel:
    """Draw every student of the five years at ``scale``."""
    shares = np.array(cal.GRADE_SHARES) / sum(cal.GRADE_SHARES)
    size = np.maximum(1, np.round(cal.STUDENTS * scale * shares)).astype(np.int64)
    pool = _new_students(rng, np.repeat(np.arange(len(size)), size), year=0)
    pool["late"][:, 0] = _late_entry(rng, pool, pool["active"][:, 0], year=0)
    for t in range(Y):
        active = pool["active"][:, t]
        grade = pool["grade"][:, t].astype(np.int64)
        # High school starts for new ninth graders and for newcomers in grades 9-12.
        _start_tracks(rng, pool, active & (grade >= G9) & (pool["track"] < 0), year=t)
        retained, leaves_after, leaves_during = _year_end(rng, pool, t)
        pool["retained"][:, t] = retained
        pool["leaves"][:, t] = leaves_during
        if t == Y - 1:
            break
        stay = active & ~leaves_after & ~leaves_during
        pool["active"][:, t + 1] = stay
        pool["grade"][:, t + 1] = np.where(stay, grade + 1 - retained, 0)
        # Newcomers keep every grade at its size: pre-K, and students moving in.
        counts = np.bincount(pool["grade"][stay, t + 1], minlength=len(size))
        newcomers = np.repeat(np.arange(len(size)), np.maximum(size - counts, 0))
        batch = _new_students(rng, newcomers, year=t + 1)
        start = len(pool["home"])
        for name, values in batch.items():
            pool[name] = np.concatenate([pool[name], values])
        new = np.arange(len(pool["home"])) >= start
        pool["late"][:, t + 1] = _late_entry(rng, pool, new, year=t + 1)
    return Panel(**{name: pool[name] for name in (*_STUDENT_FIELDS[:-1], *_YEAR_FIELDS)})


def _new_students(
    rng: np.random.Generator, grade: np.ndarray, *, year: int
) -> dict[str, np.ndarray]:
    """A batch of students entering in ``year`` at ``grade``, with their housing for all
    five years (drawn for the years before entry too; those are never written)."""
    n = len(grade)
    geo = np.array([cal.DISTRICTS[d].enrollment for d in cal.GEOGRAPHIC], float)
    home = rng.choice(len(geo), size=n, p=geo / geo.sum()).astype(np.int8)
    special = rng.random(n) < cal.D75_SHARE
    alternative = ~special & (rng.random(n) < cal.D79_SHARE)
    nominal = np.clip(grade[:, None] + np.arange(Y) - year, PK, G12)

    # Housing risk: a persistent normal latent crossing each year's threshold.
    where = np.where(
        special[:, None], D75, np.where(alternative[:, None] & (nominal >= G9), D79, home[:, None])
    )
    profile = [cal.DISTRICTS[d] for d in DISTRICTS]
    share = np.array([p.homeless for p in profile])[where]
    grade_risk = (
        np.array(cal.GRADE_RISK) / np.dot(cal.GRADE_RISK, cal.GRADE_SHARES) * sum(cal.GRADE_SHARES)
    )
    risk = share * grade_risk[nominal] * np.array(cal.YEAR_TREND) * cal.LEAVER_COMPENSATION
    risk = np.minimum(risk, 0.95)
    latent = _ar1(rng, n, cal.HOUSING_PERSISTENCE)
    homeless = normal_cdf(-latent) < risk
    kind = normal_cdf(_ar1(rng, n, cal.TYPE_PERSISTENCE))
    in_shelter = np.array([p.shelter for p in profile])[where]
    unsheltered = in_shelter + cal.SHARE_UNSHELTERED
    kinds = np.select(
        [kind < in_shelter, kind < unsheltered, kind < unsheltered + cal.SHARE_OTHER_HOMELESS],
        [SHELTER, UNSHELTERED, OTHER],
        DOUBLED_UP,
    )
    status = np.where(homeless, kinds, HOUSED).astype(np.int8)

    # Lunch: a persistent draw that leans on the student's average housing risk.
    mean_risk = latent.mean(axis=1) / _ar1_mean_sd(cal.HOUSING_PERSISTENCE)
    link = cal.LUNCH_RISK_LINK
    u_lunch = normal_cdf(-(link * mean_risk + np.sqrt(1 - link**2) * rng.standard_normal(n)))
    lunch_share = np.array([p.lunch for p in profile])[where]
    lunch = u_lunch[:, None] < np.where(homeless, cal.HOMELESS_LUNCH, lunch_share)

    ever = homeless.any(axis=1)
    race_from = np.where(special, D75, np.where(alternative, D79, home))
    poor = u_lunch < np.array([p.lunch for p in profile])[race_from]
    iep_grade = _iep_grades(rng, ever, poor, special)
    ability = rng.standard_normal((n, 2)).astype(np.float32)
    ability[:, 1] = 0.8 * ability[:, 0] + 0.6 * ability[:, 1]  # math follows ELA
    years = np.zeros((n, Y), bool)
    grades = np.zeros((n, Y), np.int8)
    years[:, year] = True
    grades[:, year] = grade
    return {
        "home": home,
        "special": special,
        "alternative": alternative,
        "race": _races(rng, race_from, ever),
        "female": rng.random(n) < 0.49,
        "iep_grade": iep_grade,
        "seat": rng.random(n),
        "habit": rng.standard_normal(n).astype(np.float32),
        "ability": ability,
        "u_ell": rng.random(n).astype(np.float32),
        "u_shelter": rng.random(n),
        "cohort": np.full(n, -1, np.int8),
        "outcome": np.full(n, -1, np.int8),
        "first_year": np.full(n, year, np.int8),
        "active": years,
        "grade": grades,
        "status": status,
        "lunch": lunch,
        "retained": np.zeros((n, Y), bool),
        "leaves": np.zeros((n, Y), bool),
        "late": np.zeros((n, Y), bool),
        "track": np.full(n, -1, np.int8),
        "leave_year": np.full(n, NEVER, np.int8),
        "leave_mid": np.zeros(n, bool),
        "retain_year": np.full(n, NEVER, np.int8),
    }


def _ar1(rng: np.random.Generator, n: int, rho: float) -> np.ndarray:
    """``n`` stationary standard-normal AR(1) series over the five years."""
    out = rng.standard_normal((n, Y))
    for t in range(1, Y):
        out[:, t] = rho * out[:, t - 1] + np.sqrt(1 - rho**2) * out[:, t]
    return out


def _ar1_mean_sd(rho: float) -> float:
    """Standard deviation of the mean of a five-year stationary AR(1) series."""
    lags = np.abs(np.subtract.outer(np.arange(Y), np.arange(Y)))
    return float(np.sqrt((rho**lags).sum()) / Y)


def _races(rng: np.random.Generator, district: np.ndarray, ever: np.ndarray) -> np.ndarray:
    """Race/ethnicity from the district's mix, tilted for students ever homeless so that
    the district's mix holds over all its students."""
    n_d = len(DISTRICTS)
    mix = np.array([cal.DISTRICTS[d].race for d in DISTRICTS], float)
    mix /= mix.sum(axis=1, keepdims=True)
    h = np.bincount(district, weights=ever, minlength=n_d) / np.maximum(
        np.bincount(district, minlength=n_d), 1
    )
    tilted = mix * np.array(cal.RACE_HOMELESS_RISK)
    tilted /= tilted.sum(axis=1, keepdims=True)
    rest = np.maximum(mix - h[:, None] * tilted, 0.001 * mix) / np.maximum(1 - h[:, None], 1e-9)
    rest /= rest.sum(axis=1, keepdims=True)
    table = np.stack([rest, tilted], axis=1).cumsum(axis=2)  # district x ever x race
    cum = table[district, ever.astype(np.int64)]
    return (rng.random(len(district))[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8)


def _iep_grades(
    rng: np.random.Generator, ever: np.ndarray, poor: np.ndarray, special: np.ndarray
) -> np.ndarray:
    """Grade of the first IEP (-1 none): early (pre-K or K) or later, by group."""
    n = len(ever)
    has = special | (rng.random(n) < np.where(ever, cal.IEP_EVER_HOMELESS, cal.IEP))
    late_share = np.where(
        ever,
        cal.IEP_LATE["ever_homeless"],
        np.where(poor, cal.IEP_LATE["low_income"], cal.IEP_LATE["not_low_income"]),
    )
    late = rng.random(n) < late_share
    later = np.array([cal.GRADE_CODES.index(g) for g in cal.IEP_LATE_GRADES])
    odds = np.array(list(cal.IEP_LATE_GRADES.values()))
    early = rng.choice([PK, K], size=n, p=[0.35, 0.65])
    first = np.where(late, rng.choice(later, size=n, p=odds / odds.sum()), early)
    return np.where(has, first, -1).astype(np.int8)


def _late_entry(
    rng: np.random.Generator, pool: dict[str, np.ndarray], eligible: np.ndarray, *, year: int
) -> np.ndarray:
    """Late entrants of ``year`` among ``eligible`` students (new to the system that
    year, or everyone in the first year): 3% of the year's students, 22% of them
    homeless, homeless newcomers the more likely to enter late the higher their home
    district's share homeless."""
    students = int(pool["active"][:, year].sum())
    homeless = eligible & (pool["status"][:, year] != HOUSED)
    housed = eligible & ~homeless
    wanted = cal.LATE_ENTRY * students
    share = np.array([cal.DISTRICTS[d].homeless for d in DISTRICTS])[pool["home"]]
    weight = share**cal.LATE_ENTRY_CONCENTRATION
    total = max(float(weight[homeless].sum()), 1e-9)
    p_homeless = np.minimum(0.9, cal.LATE_ENTRY_HOMELESS * wanted * weight / total)
    p_housed = min(0.9, (1 - cal.LATE_ENTRY_HOMELESS) * wanted / max(int(housed.sum()), 1))
    return eligible & (rng.random(len(eligible)) < np.where(homeless, p_homeless, p_housed))


def _start_tracks(
    rng: np.random.Generator, pool: dict[str, np.ndarray], who: np.ndarray, *, year: int
) -> None:
    """Draw the high-school outcome of students entering high school in ``year`` (or
    arriving in a high-school grade), and the events it implies from ``year`` on."""
    idx = np.flatnonzero(who)
    if len(idx) == 0:
        return
    grade = pool["grade"][idx, year].astype(np.int64)
    start = year - (grade - G9)  # the year they entered (or would have entered) grade 9
    first = np.maximum(start, pool["first_year"][idx])
    last = np.minimum(start + 3, Y - 1)
    span = (np.arange(Y) >= first[:, None]) & (np.arange(Y) <= last[:, None])
    status = pool["status"][idx]
    ever_shelter = ((status == SHELTER) & span).any(axis=1)
    ever_homeless = ((status != HOUSED) & span).any(axis=1)
    group = np.select([ever_shelter, ever_homeless, pool["lunch"][idx, year]], [0, 1, 2], 3)
    table = np.array(list(cal.COHORT.values())).cumsum(axis=1)
    outcome = (rng.random(len(idx))[:, None] > table[group, :-1]).sum(axis=1)
    graduated, dropped, still, left = range(4)

    lo, hi = year, start + 3
    when = lo + (rng.random(len(idx)) * (hi - lo + 1)).astype(np.int64)
    leave_year = np.select([outcome == graduated, outcome == still], [start + 3, start + 4], when)
    leave_mid = np.where(
        outcome == dropped,
        rng.random(len(idx)) < cal.DROPOUT_MIDYEAR,
        (outcome == left) & (rng.random(len(idx)) < cal.LEFT_MIDYEAR),
    )
    before = lo + (rng.random(len(idx)) * np.maximum(when - lo, 0)).astype(np.int64)
    repeats_first = (
        (outcome == dropped) & (when > lo) & (rng.random(len(idx)) < cal.DROPOUT_RETAINED)
    )
    retain_year = np.select([outcome == still, repeats_first], [when, before], NEVER)

    pool["track"][idx] = outcome
    pool["leave_year"][idx] = np.minimum(leave_year, NEVER)
    pool["leave_mid"][idx] = leave_mid
    pool["retain_year"][idx] = np.minimum(retain_year, NEVER)
    cohort = (start >= 0) & (start <= 1) & (pool["first_year"][idx] <= start)
    pool["cohort"][idx[cohort]] = start[cohort]
    pool["outcome"][idx[cohort]] = outcome[cohort]


def _year_end(
    rng: np.random.Generator, pool: dict[str, np.ndarray], t: int
) -> tuple[np.ndarray, ...]:
    """(retained, leaves after the year, leaves during the year) of year ``t``."""
    active = pool["active"][:, t]
    grade = pool["grade"][:, t].astype(np.int64)
    tracked = active & (pool["track"] >= 0)
    younger = active & ~tracked

    # Before high school: retention and moving away, by housing group.
    group = group_of(pool["status"][:, t], pool["lunch"][:, t])
    band = band_of(grade)
    rates = np.zeros((len(BANDS), len(cal.GROUPS)))
    for b, name in ((1, "elementary"), (2, "middle")):
        rates[b] = [cal.RETAINED[name][g] for g in cal.GROUPS]
    n = len(grade)
    retained = younger & (rng.random(n) < rates[band, group])
    homeless = pool["status"][:, t] != HOUSED
    moves = younger & (
        rng.random(n) < np.where(homeless, cal.LEAVE["homeless"], cal.LEAVE["housed"])
    )
    during = moves & (rng.random(n) < cal.LEAVE_MIDYEAR)

    # High school: the track's events; grade 12 not repeated means graduation.
    retained |= tracked & (pool["retain_year"] == t)
    goes = tracked & (pool["leave_year"] == t)
    during |= goes & pool["leave_mid"]
    after = (moves & ~during) | (goes & ~pool["leave_mid"]) | (tracked & (grade == G12) & ~retained)
    return retained, after, during
