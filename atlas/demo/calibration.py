"""The demo city's parameters: what the generator draws from.

Targets come from ``/work/shared/design/CALIBRATION.md`` (published citywide results for
New York City, school year 2014-15, from the 2016 edition of *On the Map*); each block
below quotes the figures it serves. District profiles (enrollment, poverty, race,
shelter capacity) are a guess shaped on the real districts: they need to be plausible
and to reproduce the patterns CALIBRATION.md describes, not to be exact. The pipeline
never sees any of this: it computes whatever the generated records say.

Outcome tables are keyed by calibration group, a partition of student-years: the
homeless types (unsheltered and other homeless share one entry, "other"), then housed
students by lunch eligibility.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Size (CALIBRATION.md, "Size") ------------------------------------------------------

#: Students in one school year at scale 1 (~1.1 million, pre-K to 12).
STUDENTS = 1_100_000
#: Schools at scale 1 (~1,700), and the least any district gets at a small scale.
SCHOOLS = 1_700
MIN_SCHOOLS = 3
#: Schools of the two citywide districts at scale 1 (part of the 1,700).
D75_SCHOOLS = 60
D79_SCHOOLS = 35
YEARS = 5
#: School days in a year and hours in a school day (about 180 days of 6.5 hours).
SCHOOL_DAYS = 180
HOURS_PER_DAY = 6.5
#: NYC's official count date: students entering from outside after it enter late.
COUNT_DATE = (10, 31)

GRADE_CODES = ("PK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
#: Share of each grade in enrollment (pre-K smaller, a ninth-grade bump); normalised.
GRADE_SHARES = (
    0.055, 0.072, 0.072, 0.071, 0.070, 0.069, 0.068,
    0.068, 0.068, 0.068, 0.088, 0.080, 0.074, 0.077,
)  # fmt: skip
#: District 75 (special education, citywide): share of students, all grades.
D75_SHARE = 0.022
#: District 79 (alternative schools): share of students who attend it in high school.
D79_SHARE = 0.05
BOROUGH_LETTER = {
    "Manhattan": "M",
    "Bronx": "X",
    "Brooklyn": "K",
    "Queens": "Q",
    "Staten Island": "R",
}

# --- Housing (CALIBRATION.md, "Housing") ------------------------------------------------
# "8% of students homeless in 2014-15; one in eight homeless at some time in the five
# years." "Over two-thirds of students homeless in 2014-15 were homeless in an earlier
# year; three-quarters of those with more than one homeless year changed type or went in
# and out of housing more than once."

#: Homelessness rose over the five years: each year's risk relative to the last year's.
YEAR_TREND = (0.84, 0.89, 0.93, 0.97, 1.0)
#: Year-to-year correlation of a student's housing risk (AR(1) on a normal latent).
#: 0.93 gives about one in eight of the last year's students homeless at some time in
#: the five years, and over two-thirds of its homeless students homeless before.
HOUSING_PERSISTENCE = 0.93
#: Year-to-year correlation of the type of homelessness: types change often. 0.1 gives
#: about three-quarters of the last year's homeless students with more than one homeless
#: year a change of type or more than one spell of homeless years (0.5 gave 65%).
TYPE_PERSISTENCE = 0.1
#: Homeless families leave the system more often than others (LEAVE), so those who stay
#: are a little less at risk than the district's share: risk is drawn this much higher.
LEAVER_COMPENSATION = 1.07
#: Risk by grade (PK, K, 1 ... 12), relative: "36% of homeless students are in pre-K to
#: grade 2, against 28% of housed students". Normalised over the grade shares. Pre-K is
#: near the average: "pre-K share homeless ranges from ~1% (district 26) to 19% (district
#: 5)", about the range of the districts' shares over all grades (pre-K students are all
#: new that year, so LEAVER_COMPENSATION lifts them too); kindergarten to grade 2 carry
#: the younger homeless students.
GRADE_RISK = (1.0, 1.5, 1.45, 1.4, 1.1, 1.0, 0.95, 0.9, 0.85, 0.85, 0.8, 0.75, 0.7, 0.7)
#: "~33% shelter, ~60% doubled up, the rest unsheltered or other": the district table's
#: shelter shares average ~33%; of the homeless, these go to the two small types.
SHARE_UNSHELTERED = 0.025
SHARE_OTHER_HOMELESS = 0.045
#: "Homeless students count as eligible for free lunch"; nearly all are flagged so.
HOMELESS_LUNCH = 0.97
#: How strongly lunch eligibility follows a student's housing risk (0 none, 1 fully).
LUNCH_RISK_LINK = 0.6
#: A student in shelter stays in a shelter of the home district, else in any shelter of
#: the borough ("students in shelter attend schools near the shelters").
SHELTER_OUTSIDE_DISTRICT = 0.15
#: A shelter student's school is one of the nearest schools serving the grade.
NEAREST_SCHOOLS = 3
#: Shelter types: share of shelters and size range in family units.
SHELTER_TYPES = {
    "Tier II": (0.45, 40, 110),
    "Hotel": (0.20, 30, 90),
    "Cluster site": (0.35, 8, 35),
}
#: "District 9 has the most: 48 shelters, over 1,700 units; district 19 is next, with
#: 730 units in 9 shelters." (shelters, units) at scale 1.
SHELTERS_FIXED = {"9": (48, 1_750), "19": (9, 730)}
#: Units per shelter in the other districts (their units are in the district table).
UNITS_PER_SHELTER = 36
#: Community resources (not scaled: "a few dozen").
RESOURCES = {"Homebase office": 24, "Health centre": 18, "Youth shelter": 8}
#: "Black and Hispanic students: 66% of all students, 86% of homeless students; over
#: half of homeless students Hispanic." Relative likelihood of each race/ethnicity
#: (asian, black, hispanic, white, other) among students ever homeless in the district.
RACES = ("asian", "black", "hispanic", "white", "other")
RACE_HOMELESS_RISK = (0.45, 1.2, 1.3, 0.45, 1.0)


@dataclass(frozen=True)
class District:
    """A district's profile; shares are of the district's students."""

    enrollment: int  # thousands of students at scale 1 (0: from D75_SHARE / D79_SHARE)
    homeless: float  # share homeless in the last year
    shelter: float  # share of its homeless students in shelter
    lunch: float  # share of housed students eligible for free or reduced-price lunch
    units: int  # family shelter units at scale 1 (9 and 19: SHELTERS_FIXED)
    absence: float  # shift of absence rates, logit scale
    score: float  # shift of test scores, standard deviations
    ell: float  # relative share of English language learners
    race: tuple[int, int, int, int, int]  # percent asian, black, hispanic, white, other
    transfer_shelter: float = 1.0  # relative mid-year transfer rate in shelter
    transfer_doubled: float = 1.0  # relative mid-year transfer rate doubled up


# "Districts 4, 5, 7, 9, 10, 12, 16 and 23 have 13-18% of students homeless; district 9
# has the highest share, district 10 the largest number (over 8,500); districts 9 and 10
# together over 15,000. District 26 (Bayside) is among the lowest (~1-2%)." District 9 is
# drawn two points above the next (the others 14-16%), so that it stays the highest at
# small scales, where a district of 1,100 students errs by a point or more. Shelters
# "cluster in northern Manhattan, the south and west Bronx and central Brooklyn".
# "Chronic absence among homeless students exceeds 43% in districts 5, 8, 12, 13, 16, 19
# and 23; in districts 75 and 79 over two-thirds." "Homeless ELA proficiency ranges from
# 8% (district 23) to 36% (district 26)." "Shelter transfer rates range from ~20%
# (districts 2 and 20) to 56% (district 31); doubled-up from 9% (district 20) to 25%
# (district 23)." About 72% of students are eligible for free or reduced-price lunch.
# fmt: off
DISTRICTS: dict[str, District] = {
    "1": District(15, 0.09, 0.30, 0.76, 250, 0.00, 0.05, 1.0, (18, 17, 45, 17, 3)),
    "2": District(60, 0.04, 0.20, 0.37, 250, -0.35, 0.55, 0.8, (25, 10, 25, 37, 3), 0.65),
    "3": District(25, 0.07, 0.30, 0.51, 300, -0.10, 0.30, 0.6, (10, 25, 35, 27, 3)),
    "4": District(17, 0.14, 0.38, 0.83, 400, 0.15, -0.20, 0.9, (5, 30, 60, 4, 1)),
    "5": District(15, 0.155, 0.42, 0.83, 440, 0.60, -0.30, 0.7, (3, 55, 38, 3, 1)),
    "6": District(28, 0.10, 0.30, 0.85, 400, 0.05, -0.15, 1.8, (3, 8, 84, 4, 1)),
    "7": District(22, 0.155, 0.40, 0.89, 540, 0.25, -0.40, 1.2, (1, 27, 70, 1, 1)),
    "8": District(33, 0.12, 0.40, 0.85, 500, 0.60, -0.30, 0.9, (5, 30, 60, 4, 1)),
    "9": District(42, 0.175, 0.45, 0.89, 0, 0.25, -0.40, 1.3, (2, 30, 66, 1, 1)),
    "10": District(60, 0.16, 0.40, 0.87, 650, 0.15, -0.25, 1.4, (8, 22, 64, 5, 1)),
    "11": District(43, 0.09, 0.35, 0.80, 420, 0.10, -0.15, 0.9, (7, 50, 33, 8, 2)),
    "12": District(24, 0.155, 0.45, 0.89, 600, 0.60, -0.40, 1.1, (2, 30, 66, 1, 1)),
    "13": District(25, 0.10, 0.35, 0.67, 400, 0.60, 0.00, 0.4, (10, 55, 22, 11, 2)),
    "14": District(22, 0.08, 0.30, 0.77, 360, 0.05, 0.00, 1.2, (6, 18, 52, 22, 2)),
    "15": District(35, 0.05, 0.25, 0.51, 220, -0.20, 0.35, 0.8, (12, 15, 40, 31, 2)),
    "16": District(12, 0.14, 0.40, 0.85, 480, 0.60, -0.35, 0.3, (2, 77, 18, 2, 1)),
    "17": District(25, 0.11, 0.38, 0.83, 520, 0.10, -0.25, 0.5, (3, 80, 13, 3, 1)),
    "18": District(20, 0.08, 0.30, 0.77, 420, 0.20, -0.20, 0.5, (3, 88, 7, 1, 1)),
    "19": District(28, 0.12, 0.45, 0.87, 0, 0.60, -0.35, 0.9, (4, 52, 41, 2, 1)),
    "20": District(52, 0.03, 0.12, 0.73, 60, -0.45, 0.40, 1.6, (42, 3, 26, 28, 1), 0.65, 0.6),
    "21": District(40, 0.05, 0.20, 0.71, 220, -0.20, 0.20, 1.3, (27, 10, 25, 36, 2)),
    "22": District(48, 0.05, 0.20, 0.65, 260, -0.15, 0.15, 1.0, (15, 33, 17, 33, 2)),
    "23": District(12, 0.14, 0.45, 0.89, 560, 0.60, -0.50, 0.3, (1, 78, 19, 1, 1), 1.0, 1.65),
    "24": District(60, 0.05, 0.12, 0.83, 260, -0.30, 0.10, 1.8, (22, 3, 65, 9, 1)),
    "25": District(42, 0.025, 0.15, 0.63, 80, -0.45, 0.45, 1.4, (56, 6, 20, 16, 2)),
    "26": District(38, 0.015, 0.15, 0.41, 0, -0.60, 0.80, 0.8, (50, 8, 15, 25, 2)),
    "27": District(52, 0.06, 0.25, 0.76, 360, -0.05, -0.05, 1.0, (22, 25, 40, 8, 5)),
    "28": District(45, 0.06, 0.25, 0.65, 360, -0.15, 0.15, 1.0, (27, 30, 25, 15, 3)),
    "29": District(37, 0.06, 0.30, 0.67, 300, 0.00, -0.05, 0.5, (14, 66, 14, 2, 4)),
    "30": District(43, 0.05, 0.15, 0.76, 200, -0.25, 0.15, 1.4, (25, 6, 47, 20, 2)),
    "31": District(62, 0.03, 0.20, 0.51, 160, -0.15, 0.20, 0.6, (10, 16, 30, 43, 1), 1.7),
    "32": District(16, 0.11, 0.35, 0.88, 420, 0.25, -0.30, 1.3, (3, 23, 71, 2, 1)),
    # Citywide districts without geography: students come from every district.
    "75": District(0, 0.11, 0.30, 0.84, 0, 1.25, -1.00, 0.8, (8, 38, 44, 9, 1)),
    "79": District(0, 0.16, 0.35, 0.89, 0, 1.60, -0.60, 1.0, (4, 45, 47, 3, 1)),
}
# fmt: on
GEOGRAPHIC = tuple(d for d, p in DISTRICTS.items() if p.enrollment > 0)
CITYWIDE = ("75", "79")

# --- Outcomes by group (CALIBRATION.md, "Outcomes by group") ----------------------------
GROUPS = ("shelter", "doubled_up", "other", "housed_low_income", "housed_not_low_income")

#: Mid-year transfer, K-12: "~9% all, 21% homeless, 32% shelter, 15% doubled up, 9%
#: housed low-income, 7% housed not low-income"; "elementary students in shelter: 40%".
TRANSFER = {
    "shelter": 0.32,
    "doubled_up": 0.15,
    "other": 0.20,
    "housed_low_income": 0.09,
    "housed_not_low_income": 0.07,
}
TRANSFER_PRE_K = 0.05
#: Relative transfer rate by band (normalised within each group).
TRANSFER_BAND = {"elementary": 1.3, "middle": 0.95, "high": 0.6}

#: Chronic absence (20+ days), K-12: "22% all, 37% homeless, >50% shelter, 25% doubled
#: up, 23% housed low-income, 15% housed not low-income". Each group's rate is met
#: exactly; districts and grades move students within their group.
CHRONIC = {
    "shelter": 0.55,
    "doubled_up": 0.25,
    "other": 0.50,
    "housed_low_income": 0.23,
    "housed_not_low_income": 0.15,
}
#: Absence by grade (PK, K, 1 ... 12), logit scale: high school is worst.
ABSENCE_GRADE = (0.3, 0.15, -0.1, -0.15, -0.2, -0.25, -0.25, -0.2, -0.1, 0.0, 0.3, 0.4, 0.5, 0.6)
#: Spread of absence rates within a group (logit scale): "15% of homeless students miss
#: 40 or more days". Part of it is the student's own habit, carried from year to year.
ABSENCE_SPREAD = 1.0
ABSENCE_HABIT = 0.75
#: Share of absences excused: Beta(a, b) drawn per student-year.
EXCUSED_BETA = (2.0, 3.0)

#: Proficiency (level 3 or 4), grades 3-8. ELA "31% all, 14% homeless, 10% shelter, 17%
#: doubled up, 25% housed low-income, 48% housed not low-income"; math "35, 18, 11, 22,
#: 31, 52". Each group's rate is met exactly; "other" is set so that all homeless land
#: on the homeless figure.
ELA = {
    "shelter": 0.10,
    "doubled_up": 0.17,
    "other": 0.12,
    "housed_low_income": 0.25,
    "housed_not_low_income": 0.48,
}
MATH = {
    "shelter": 0.11,
    "doubled_up": 0.22,
    "other": 0.16,
    "housed_low_income": 0.31,
    "housed_not_low_income": 0.52,
}
#: "Formerly homeless students score close to currently homeless ones, 12-13 points below
#: housed low-income peers": their scores, in standard deviations.
FORMERLY_HOMELESS_SCORE = -0.5
#: Score shifts of English language learners (ELA) and students with an IEP.
ELL_SCORE = -0.5
IEP_SCORE = -0.6
#: Students in tested grades who are not tested (district 75: most take other tests).
UNTESTED = 0.03
UNTESTED_D75 = 0.6

#: Suspension: "2.8% all, 3.6% homeless, 6% shelter, ~3% doubled up, 3.1% housed
#: low-income, 1.9% housed not low-income"; "middle-school students in shelter: one in
#: nine suspended". Band factors are normalised within each group.
SUSPENSION = {
    # Shelter and doubled up a little under their published 6% and ~3%, so that the
    # homeless total lands near its published 3.6% (the published rows do not add up).
    "shelter": 0.054,
    "doubled_up": 0.027,
    "other": 0.035,
    "housed_low_income": 0.031,
    "housed_not_low_income": 0.019,
}
#: Middle school above high school: with shelter students' grades (many young ones) the
#: shelter rate of 5.4% gives one in nine in middle school (1.5 for both bands gave 9%).
SUSPENSION_BAND = {"pre_k": 0.0, "elementary": 0.3, "middle": 1.7, "high": 1.4}

#: English language learners: "14% all, 23% homeless, 10% shelter, 33% doubled up".
ELL = {
    "shelter": 0.10,
    "doubled_up": 0.33,
    "other": 0.20,
    "housed_low_income": 0.145,
    "housed_not_low_income": 0.11,
}
#: Relative ELL share by grade (PK, K, 1 ... 12).
ELL_GRADE = (1.2, 1.3, 1.3, 1.25, 1.1, 1.0, 0.95, 0.85, 0.8, 0.8, 1.0, 0.95, 0.85, 0.8)

#: IEPs: share of students with one, and share of those whose first IEP came after
#: kindergarten: "late IEP 50% all, 62% homeless, 48% housed low-income, 43% housed not
#: low-income". The draws are a little above the targets for homeless and low-income
#: students: a late IEP is seen only if the student is still enrolled in its grade,
#: and they leave and are kept back more often.
IEP = 0.19
IEP_EVER_HOMELESS = 0.23
IEP_LATE = {"ever_homeless": 0.655, "low_income": 0.52, "not_low_income": 0.45}
#: Grade of a first IEP given after kindergarten: grades 1 to 4, mostly early.
IEP_LATE_GRADES = {"1": 0.35, "2": 0.3, "3": 0.2, "4": 0.15}
#: Spread of school sizes (lognormal sigma): many small schools, some large ones.
#: "Roughly 320 schools have fewer than 10 homeless students" (of ~1,700): 1.0 gives 330
#: at scale 1 (seed 7; 1.15 gave 384). Small scales have a handful of schools per
#: district, whose sizes spread less: at scale 0.1 about 25 of 178 schools, not 33.
SCHOOL_SIZE_SPREAD = 1.0

#: Retention before high school: "7% of elementary students in shelter (about twice
#: housed)". High-school retention follows from the cohort outcomes below.
RETAINED = {
    "elementary": {
        "shelter": 0.07,
        "doubled_up": 0.05,
        "other": 0.06,
        "housed_low_income": 0.04,
        "housed_not_low_income": 0.025,
    },
    "middle": {
        "shelter": 0.04,
        "doubled_up": 0.03,
        "other": 0.035,
        "housed_low_income": 0.02,
        "housed_not_low_income": 0.01,
    },
}

#: Four-year outcomes (graduated, dropped out, still enrolled, left the system) by
#: housing during high school: "graduation 71% all, 52% homeless, 87% housed not
#: low-income; dropout 9%, 18%, 4%"; "63% for those ever in shelter, 42% for those never
#: in shelter; dropout 12% and 24%". Housed low-income is set a little under the
#: published 71% so that all students land on 71%. A student's enrollment follows the
#: outcome: graduates leave after grade 12, dropouts and leavers leave, students still
#: enrolled repeat a grade. The two homeless rows are set below the published figures:
#: a student who leaves early is not in the records for the years after, so some of the
#: homelessness drawn for those years is never seen, and the atlas counts them housed.
COHORT_OUTCOMES = ("graduated", "dropped_out", "still_enrolled", "left_system")
COHORT = {
    "ever_in_shelter": (0.59, 0.15, 0.19, 0.07),
    "never_in_shelter": (0.375, 0.30, 0.25, 0.075),
    "housed_low_income": (0.68, 0.10, 0.15, 0.07),
    "housed_not_low_income": (0.87, 0.04, 0.04, 0.05),
}
#: Dropouts and leavers who go during the year (the rest after its last day).
DROPOUT_MIDYEAR = 0.6
LEFT_MIDYEAR = 0.4
#: Dropouts who repeated a grade before dropping out (when there was a year to repeat).
DROPOUT_RETAINED = 0.4

#: Late enrollment: "~3% of students enroll after October 31; 22% of them homeless".
#: Late entrants are students new to the system that year.
LATE_ENTRY = 0.03
LATE_ENTRY_HOMELESS = 0.22
#: "... ranging from 9% (district 15) to 46% (district 5)": a steeper range than the
#: districts' shares homeless give alone. A homeless newcomer's chance of entering late
#: grows with the home district's share homeless to this power (0: the same everywhere,
#: which gave about 14% and 38%).
LATE_ENTRY_CONCENTRATION = 0.5

#: Students leaving the system each year before high school (moves out of the city);
#: homeless families move more. Some of them leave during the year.
LEAVE = {"housed": 0.04, "homeless": 0.08}
LEAVE_MIDYEAR = 0.35
