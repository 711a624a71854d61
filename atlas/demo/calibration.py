"""The demo city's parameters: what the generator draws from.

Targets come from ``CALIBRATION.md`` (published citywide results for New York City,
school year 2014-15, from the 2016 edition of *On the Map*). The parameters below are
the knobs that make the generated records land near those targets; the pipeline never
sees them. Where a parameter is a guess rather than a published figure, it says so.
"""

from __future__ import annotations

#: Students in one school year at scale 1 (CALIBRATION: ~1.1 million, pre-K to 12).
STUDENTS = 1_100_000
#: Schools at scale 1 (CALIBRATION: ~1,700).
SCHOOLS = 1_700
#: Family shelter units at scale 1 (CALIBRATION: ~12,800).
SHELTER_UNITS = 12_800
YEARS = 5

GEOGRAPHIC_DISTRICTS = tuple(str(d) for d in range(1, 33))
#: Citywide districts without a polygon: 75 (special education), 79 (alternative schools).
CITYWIDE_DISTRICTS = ("75", "79")
BOROUGH_LETTER = {"1": "M", "2": "X", "3": "K", "4": "Q", "5": "R"}

#: Relative enrollment by district (a guess shaped on NYC: Queens and the north Bronx
#: large, lower Manhattan small); 75 and 79 are citywide programmes.
ENROLLMENT_WEIGHT = {
    "1": 0.5, "2": 1.8, "3": 0.9, "4": 0.6, "5": 0.6, "6": 1.0, "7": 0.8, "8": 1.2,
    "9": 1.4, "10": 2.1, "11": 1.5, "12": 0.9, "13": 0.8, "14": 0.8, "15": 1.2, "16": 0.5,
    "17": 1.0, "18": 0.8, "19": 1.2, "20": 1.7, "21": 1.3, "22": 1.5, "23": 0.5, "24": 2.0,
    "25": 1.4, "26": 1.0, "27": 1.5, "28": 1.4, "29": 1.1, "30": 1.3, "31": 2.0, "32": 0.6,
    "75": 0.8, "79": 0.3,
}  # fmt: skip

#: Share of students homeless in the last year, by district (CALIBRATION: 4, 5, 7, 9,
#: 10, 12, 16, 23 at 13-18%, 9 highest, 26 ~1-2%; others a guess, citywide ~8%).
HOMELESS_SHARE = {
    "1": 0.08, "2": 0.035, "3": 0.07, "4": 0.15, "5": 0.165, "6": 0.09, "7": 0.165,
    "8": 0.10, "9": 0.18, "10": 0.145, "11": 0.085, "12": 0.15, "13": 0.09, "14": 0.085,
    "15": 0.045, "16": 0.14, "17": 0.10, "18": 0.08, "19": 0.12, "20": 0.03, "21": 0.05,
    "22": 0.045, "23": 0.165, "24": 0.06, "25": 0.035, "26": 0.015, "27": 0.06, "28": 0.05,
    "29": 0.05, "30": 0.05, "31": 0.035, "32": 0.10, "75": 0.10, "79": 0.15,
}  # fmt: skip

#: Share of a district's homeless students who are in shelter (CALIBRATION: about a
#: third citywide; shelters cluster in northern Manhattan, the south and west Bronx and
#: central Brooklyn). A guess by district.
SHELTER_HEAVY = {"4", "5", "6", "7", "8", "9", "10", "12", "16", "17", "19", "23", "32"}
SHELTER_SHARE_HEAVY = 0.44
SHELTER_SHARE_OTHER = 0.19
#: Of the homeless not in shelter: unsheltered and other (CALIBRATION: "the rest").
UNSHELTERED_SHARE = 0.03
OTHER_HOMELESS_SHARE = 0.04

#: Shelters by district at scale 1: (shelters, units). CALIBRATION: district 9 has 48
#: shelters and over 1,700 units, district 19 has 9 with 730 units. The rest are spread
#: over the shelter-heavy districts, a few elsewhere.
SHELTERS_9 = (48, 1_740)
SHELTERS_19 = (9, 730)

#: Housing risk: a student belongs to a high-risk class with a district-dependent
#: probability, and is homeless in a year with probability HIGH (high-risk) or LOW.
#: With ~9% high-risk this gives ~8% homeless a year, ~13% ever in five years, and most
#: homeless students homeless in an earlier year (CALIBRATION: 8%, one in eight, over
#: two-thirds).
RISK_HIGH = 0.80
RISK_LOW = 0.0097
#: Homelessness by grade relative to the average (CALIBRATION: 36% of homeless students
#: in pre-K to 2 against 28% of housed).
GRADE_RISK = {
    "PK": 1.45, "K": 1.35, "1": 1.3, "2": 1.25, "3": 1.1, "4": 1.05, "5": 1.0, "6": 0.95,
    "7": 0.9, "8": 0.85, "9": 0.8, "10": 0.75, "11": 0.7, "12": 0.65,
}  # fmt: skip

#: Grade mix of enrollment (pre-K smaller, a ninth-grade bump).
GRADE_WEIGHT = {
    "PK": 1.0, "K": 1.05, "1": 1.05, "2": 1.05, "3": 1.0, "4": 1.0, "5": 1.0, "6": 0.97,
    "7": 0.97, "8": 0.97, "9": 1.15, "10": 1.0, "11": 0.9, "12": 0.85,
}  # fmt: skip
#: Each year this share of students leaves the system and is replaced by newcomers.
CHURN = 0.04

#: Mid-year transfer by status (CALIBRATION: shelter 32%, doubled up 15%, housed
#: low-income 9%, not low-income 7%; elementary students in shelter 40%).
TRANSFER = {
    "shelter": 0.20,
    "doubled_up": 0.145,
    "unsheltered": 0.22,
    "other_homeless": 0.20,
    "housed_low_income": 0.09,
    "housed_not_low_income": 0.07,
}
TRANSFER_SHELTER_ELEMENTARY = 0.38

#: Chronic absence (20+ days) by status (CALIBRATION: shelter over 50%, doubled up 25%,
#: housed low-income 23%, not low-income 15%; homeless 37%).
CHRONIC = {
    "shelter": 0.55,
    "doubled_up": 0.235,
    "unsheltered": 0.45,
    "other_homeless": 0.35,
    "housed_low_income": 0.23,
    "housed_not_low_income": 0.15,
}
#: Districts where chronic absence among homeless students exceeds 43% (CALIBRATION),
#: and the citywide districts where over two-thirds are chronically absent.
CHRONIC_HIGH_DISTRICTS = {"5", "8", "12", "13", "16", "19", "23"}
CHRONIC_DISTRICT_FACTOR = 1.3
CHRONIC_CITYWIDE_DISTRICT_RATE = 0.70
#: Dispersion of days absent (gamma-Poisson shape): smaller = more spread. With 1.1 about
#: 15% of homeless students miss 40 or more days (CALIBRATION: 15%).
ABSENCE_SHAPE = 1.1
EXCUSED_SHARE = 0.4
SCHOOL_DAYS = 180
HOURS_PER_DAY = 6.5

#: Proficiency (level 3 or 4), grades 3-8 (CALIBRATION table). "formerly" is housed
#: students who were homeless in an earlier year: close to homeless ones.
ELA = {
    "shelter": 0.10,
    "doubled_up": 0.17,
    "unsheltered": 0.12,
    "other_homeless": 0.14,
    "formerly": 0.15,
    "housed_low_income": 0.255,
    "housed_not_low_income": 0.49,
}
MATH = {
    "shelter": 0.11,
    "doubled_up": 0.22,
    "unsheltered": 0.14,
    "other_homeless": 0.17,
    "formerly": 0.19,
    "housed_low_income": 0.315,
    "housed_not_low_income": 0.54,
}
#: Homeless proficiency by district (CALIBRATION: ELA 8% in district 23 to 36% in 26;
#: math 9% to 57%), as factors on the homeless rates.
HOMELESS_PROFICIENCY_FACTOR = {"23": (0.55, 0.45), "26": (2.3, 2.8)}
TESTED = 0.96

#: Suspension by status (CALIBRATION: 2.8% all, shelter 6%, doubled up ~3%, housed
#: low-income 3.1%, not low-income 1.9%; middle-school students in shelter one in nine).
SUSPENDED = {
    "shelter": 0.045,
    "doubled_up": 0.026,
    "unsheltered": 0.035,
    "other_homeless": 0.03,
    "housed_low_income": 0.031,
    "housed_not_low_income": 0.019,
}
SUSPENDED_SHELTER_MIDDLE = 0.11

#: English language learners (CALIBRATION: all 14%, shelter 10%, doubled up 33%).
ELL = {
    "shelter": 0.10,
    "doubled_up": 0.33,
    "unsheltered": 0.15,
    "other_homeless": 0.20,
    "housed_low_income": 0.15,
    "housed_not_low_income": 0.09,
}
#: Late entry after October 31 (CALIBRATION: ~3% of students, 22% of them homeless).
LATE_ENTRY = {"homeless": 0.08, "housed": 0.025}
#: Retained in grade (CALIBRATION: elementary in shelter 7%, about twice housed; high
#: school 17% homeless, 13% housed).
RETAINED = {
    ("homeless", "elementary"): 0.07,
    ("housed", "elementary"): 0.035,
    ("homeless", "middle"): 0.06,
    ("housed", "middle"): 0.03,
    ("homeless", "high"): 0.17,
    ("housed", "high"): 0.13,
}
#: IEPs: share of students with one, and share of those first given after K
#: (CALIBRATION: late IEP 50% all, 62% homeless).
IEP = 0.19
IEP_LATE = {"homeless": 0.62, "housed": 0.49}
#: Free or reduced-price lunch among housed students, by how poor the district is
#: (CALIBRATION: ~72% of all students eligible, homeless students all eligible).
LUNCH_BASE = 0.55
LUNCH_PER_HOMELESS_SHARE = 1.9

#: Race and ethnicity (CALIBRATION: Black and Hispanic 66% of all students, 86% of
#: homeless students, over half of homeless students Hispanic).
RACES = ("asian", "black", "hispanic", "white", "other")
RACE_HIGH_RISK = (0.05, 0.33, 0.53, 0.05, 0.04)
RACE_OTHER = (0.17, 0.24, 0.40, 0.16, 0.03)

#: Four-year outcomes of cohorts (CALIBRATION: graduation 71% all, 52% homeless, 87%
#: housed not low-income; dropout 9%, 18%, 4%; among students homeless in high school
#: 63% graduate if ever in shelter, 42% if never). (graduated, dropped_out); the rest
#: are still enrolled or left the system.
COHORT = {
    "ever_in_shelter": (0.63, 0.12),
    "homeless_never_in_shelter": (0.42, 0.24),
    "housed_low_income": (0.71, 0.09),
    "housed_not_low_income": (0.87, 0.04),
}
