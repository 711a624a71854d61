"""Shared vocabularies and records: housing groups, grade bands, flags, the long table.

Everything here is a declaration that several stages agree on; no stage logic lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: Columns of ``build/data/atlas_long.csv``, in order. Readers rely on these names.
LONG_COLUMNS: tuple[str, ...] = (
    "year",
    "layer",
    "geo_id",
    "geo_name",
    "group",
    "grade_band",
    "indicator",
    "numerator",
    "denominator",
    "value",
    "category",
    "flag",
    "note",
)

#: Canonical housing statuses a source code maps to (``[housing.codes]``).
HOUSING_STATUSES: tuple[str, ...] = (
    "housed",
    "shelter",
    "doubled_up",
    "unsheltered",
    "other_homeless",
)
HOMELESS_TYPES: tuple[str, ...] = ("shelter", "doubled_up", "unsheltered", "other_homeless")

#: Housing groups, stable ids. A student-year belongs to several at once.
GROUPS: tuple[str, ...] = (
    "all",
    "homeless",
    "shelter",
    "doubled_up",
    "unsheltered",
    "other_homeless",
    "housed",
    "housed_low_income",
    "housed_not_low_income",
    "formerly_homeless",
    "ever_homeless",
    "always_housed",
    "ever_in_shelter",
    "never_in_shelter",
)

GROUP_LABELS: dict[str, str] = {
    "all": "All students",
    "homeless": "Homeless",
    "shelter": "In shelter",
    "doubled_up": "Doubled up",
    "unsheltered": "Unsheltered",
    "other_homeless": "Other homeless",
    "housed": "Housed",
    "housed_low_income": "Housed, low-income",
    "housed_not_low_income": "Housed, not low-income",
    "formerly_homeless": "Formerly homeless",
    "ever_homeless": "Ever homeless (5 years)",
    "always_housed": "Always housed (5 years)",
    "ever_in_shelter": "Homeless in high school, ever in shelter",
    "never_in_shelter": "Homeless in high school, never in shelter",
}

#: Grade codes in school order, and the band each belongs to.
GRADES: tuple[str, ...] = ("PK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
GRADE_BANDS: tuple[str, ...] = ("all", "pre_k", "elementary", "middle", "high")
BAND_OF_GRADE: dict[str, str] = {
    "PK": "pre_k",
    **{g: "elementary" for g in ("K", "1", "2", "3", "4", "5")},
    **{g: "middle" for g in ("6", "7", "8")},
    **{g: "high" for g in ("9", "10", "11", "12")},
}
BAND_LABELS: dict[str, str] = {
    "all": "All grades",
    "pre_k": "Pre-K",
    "elementary": "Elementary (K-5)",
    "middle": "Middle (6-8)",
    "high": "High (9-12)",
}

Flag = Literal[
    "published",
    "withheld",
    "omitted_reliability",
    "top_coded",
    "bottom_coded",
    "missing",
    "not_applicable",
]
FLAGS: tuple[str, ...] = (
    "published",
    "withheld",
    "omitted_reliability",
    "top_coded",
    "bottom_coded",
    "missing",
    "not_applicable",
)

FLAG_LABELS: dict[str, str] = {
    "published": "Published",
    "withheld": "Withheld to protect student privacy",
    "omitted_reliability": "Omitted: fewer than 30 students, too few for a reliable rate",
    "top_coded": "Top-coded: shown as a bound",
    "bottom_coded": "Bottom-coded: shown as a bound",
    "missing": "Missing in the source data",
    "not_applicable": "Not applicable",
}

#: Groups the race and ethnicity distributions are published for.
PROFILE_GROUPS: tuple[str, ...] = ("all", "homeless", "shelter", "doubled_up", "housed")
RACES: tuple[str, ...] = ("asian", "black", "hispanic", "white", "other")

#: Groups of the cohort indicators: housing during the four high-school years.
COHORT_GROUPS: tuple[str, ...] = (
    "all",
    "homeless",
    "ever_in_shelter",
    "never_in_shelter",
    "housed",
    "housed_low_income",
    "housed_not_low_income",
)

#: Shares whose numerator and denominator are another indicator's numerators.
SHARE_SOURCES: dict[str, str] = {
    "share_of_students": "students",
    "share_of_late_entrants": "late_entry",
}
#: Rates on one population whose outcomes exclude each other: race and ethnicity, and
#: the outcomes of a cohort.
PARTITIONS: dict[str, tuple[str, ...]] = {
    "race": tuple(f"race_{race}" for race in RACES),
    "cohort": ("graduation_4yr", "dropout_4yr"),
}

#: Rates on one population whose outcomes exclude each other AND together cover it:
#: their numerators add up to the shared denominator, which a reader knows
#: (:mod:`atlas.protect.exhaustive` gives the protection stage that equation).
EXHAUSTIVE: dict[str, tuple[str, ...]] = {
    "attendance_works_tiers": (
        "tier_satisfactory_research",
        "tier_at_risk_research",
        "tier_moderate_research",
        "tier_severe_research",
    ),
    "pennsylvania": ("chronic_absence_pennsylvania", "regular_attendance_pennsylvania"),
}
#: Rates on one population where one's outcome is exactly the others' together (with
#: the packs' default parameters): missing 10% or more of days is the moderate and the
#: severe tier. A reader knows: yes(total) = the parts' yes.
RATE_SUMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("chronic_absence_ten_percent", ("tier_moderate_research", "tier_severe_research")),
)

#: Rates whose students are, by definition, among another's (the same population, a
#: stricter rule): (inner, outer). In every cell a reader knows inner <= outer. Used
#: only where the release's own numbers agree at every place, since a parameter can undo
#: a nesting (New York City's threshold set above 40 days, say).
NESTED: tuple[tuple[str, str], ...] = (
    ("absent_40_days", "chronic_absence_nyc"),  # 40 or more days absent within 20 or more
    ("chronic_absence_nyc", "chronic_absence_crdc"),  # 20+ days absent within 15+ missed
    # Attendance under 80% (more than 20% of days absent) within 20% or more missed.
    ("severe_absence_research", "tier_severe_research"),
    # Under 5% of days missed (suspension included) within 95% or better attendance.
    ("tier_satisfactory_research", "good_attendance_research"),
)

CITY_LAYER = "city"
SCHOOL_LAYER = "school"


@dataclass(frozen=True)
class LedgerEntry:
    """One number shown in the release: what it is, and where it appears."""

    where: str  # output path, for example "districts/9.html"
    indicator: str
    layer: str
    geo_id: str
    group: str
    grade_band: str
    year: str
    shown: str  # the text shown to the reader, for example "12.5%"
    category: str = ""  # the long table's category (a shelter or resource type), if any


@dataclass
class Rendered:
    """The release in memory: files by relative path, and the ledger of shown numbers."""

    files: dict[str, bytes] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)


@dataclass(frozen=True)
class IndicatorInfo:
    """What an indicator is, for readers: its stable id, label and kind."""

    id: str
    label: str
    kind: Literal["count", "rate", "rank", "category"]  # category: a word in ``category``
    description: str
    bands: tuple[str, ...] = GRADE_BANDS
    groups: tuple[str, ...] | None = None  # None: every group the student-years give
    #: A count of students (or a rate over students), which the privacy rules protect.
    #: False for counts of places (shelters, units, resources): published as counted.
    student_count: bool = True
    #: Also published for each school (school layer; groups all, homeless and its types),
    #: as the authority reports schools (Pennsylvania's and Ohio's attendance packs).
    schools: bool = False


#: Every indicator the pipeline can publish, by stable id. docs/indicators.md explains each.
INDICATOR_INFO: dict[str, IndicatorInfo] = {
    i.id: i
    for i in (
        IndicatorInfo("students", "Students", "count", "Students enrolled at any time in the year"),
        IndicatorInfo(
            "share_of_students",
            "Share of students",
            "rate",
            "Students in the group as a share of all students",
        ),
        IndicatorInfo(
            "midyear_transfer",
            "Mid-year transfer",
            "rate",
            "Students who changed school during the year",
            ("all", "elementary", "middle", "high"),
        ),
        IndicatorInfo(
            "chronic_absence_nyc",
            "Chronic absence (NYC: 20+ days)",
            "rate",
            "Students absent 20 or more days in the year; suspension days are not absences",
            ("all", "elementary", "middle", "high"),
        ),
        IndicatorInfo(
            "absent_40_days",
            "Missing 40 or more days",
            "rate",
            "Students absent 40 or more days in the year; suspension days are not absences",
            ("all", "elementary", "middle", "high"),
        ),
        IndicatorInfo(
            "ela_proficiency",
            "ELA proficiency (grades 3-8)",
            "rate",
            "Tested students in grades 3-8 scoring at level 3 or 4 in English language arts",
            ("all", "elementary", "middle"),
        ),
        IndicatorInfo(
            "math_proficiency",
            "Math proficiency (grades 3-8)",
            "rate",
            "Tested students in grades 3-8 scoring at level 3 or 4 in mathematics",
            ("all", "elementary", "middle"),
        ),
        IndicatorInfo(
            "late_entry",
            "Late enrollment",
            "rate",
            "Students who entered the school system from outside after the official "
            "count date (October 31 in New York City)",
        ),
        IndicatorInfo(
            "share_of_late_entrants",
            "Share of late enrollees",
            "rate",
            "Late enrollees in the group as a share of all late enrollees",
        ),
        IndicatorInfo(
            "suspension",
            "Suspension",
            "rate",
            "Students suspended from school (out of school) one or more times, as "
            "recorded at their final school of the year",
            ("all", "elementary", "middle", "high"),
        ),
        IndicatorInfo(
            "retention",
            "Held back a grade",
            "rate",
            "Students retained in grade at the end of the year",
            ("all", "elementary", "middle", "high"),
        ),
        IndicatorInfo(
            "graduation_4yr",
            "Four-year graduation",
            "rate",
            "Students of a ninth-grade cohort who graduated within four years, counted in "
            "the year the fourth year ends, at their last school",
            ("all",),
            COHORT_GROUPS,
        ),
        IndicatorInfo(
            "dropout_4yr",
            "Four-year dropout",
            "rate",
            "Students of a ninth-grade cohort who dropped out within four years, counted in "
            "the year the fourth year ends, at their last school",
            ("all",),
            COHORT_GROUPS,
        ),
        IndicatorInfo(
            "english_learner",
            "English language learners",
            "rate",
            "Students who were English language learners during the year",
        ),
    )
}
INDICATOR_INFO |= {
    i.id: i
    for i in (
        IndicatorInfo(
            "rank_share_homeless_city",
            "Rank in the city by share homeless",
            "rank",
            "The district's place among the city's districts by share of students "
            "homeless, 1 the highest",
            ("all",),
            ("homeless",),
        ),
        IndicatorInfo(
            "rank_share_homeless_parent",
            "Rank in the borough by share homeless",
            "rank",
            "The district's place among the districts of its parent layer (the borough) "
            "by share of students homeless, 1 the highest",
            ("all",),
            ("homeless",),
        ),
    )
}
INDICATOR_INFO |= {
    f"race_{race}": IndicatorInfo(
        f"race_{race}",
        f"{race.capitalize()} students",
        "rate",
        f"Students reported as {race}, as a share of students with a reported race or ethnicity",
        ("all",),
        PROFILE_GROUPS,
    )
    for race in RACES
}


_GRADE_WORDS = {"K": "kindergarten"}
_GRADE_LABELS = {"K": "Kindergarten"}
_BAND_WORDS = {
    "elementary": "elementary grades (K-5)",
    "middle": "middle-school grades (6-8)",
    "high": "high-school grades (9-12)",
}
#: Grades of the grade distribution: each is a share of its band (pre-K is a band).
BAND_GRADES: tuple[str, ...] = tuple(g for g in GRADES if g != "PK")
#: Groups of the five-year distributions (years homeless, types of homelessness).
HISTORY_DISTRIBUTION_GROUPS: tuple[str, ...] = (
    "ever_homeless",
    "homeless",
    "formerly_homeless",
    "shelter",
    "doubled_up",
)
HOMELESS_TYPE_GROUPS: tuple[str, ...] = ("ever_homeless", "homeless", "formerly_homeless")
#: Groups of the grade distribution, and of late IEPs (housing over the cohort's years).
GRADE_GROUPS: tuple[str, ...] = ("all", "homeless", "housed")
IEP_GROUPS: tuple[str, ...] = (
    "all",
    "homeless",
    "housed",
    "housed_low_income",
    "housed_not_low_income",
)
PARTITIONS |= {
    "years_homeless": tuple(f"years_homeless_{n}" for n in range(1, 6)),
    "homeless_types": tuple(f"homeless_types_{n}" for n in range(1, 5)),
    **{
        f"grade_{band}": tuple(
            f"grade_{g.lower()}" for g in BAND_GRADES if BAND_OF_GRADE[g] == band
        )
        for band in _BAND_WORDS
    },
}
INDICATOR_INFO |= {
    i.id: i
    for i in (
        IndicatorInfo(
            "late_iep",
            "Late IEP (after kindergarten)",
            "rate",
            "Students of a kindergarten cohort with an IEP by the fifth year who got their "
            "first IEP after kindergarten, counted in the cohort's fifth year at their "
            "last school",
            ("all",),
            IEP_GROUPS,
        ),
        IndicatorInfo(
            "pre_k_reach",
            "Pre-K reach",
            "rate",
            "Homeless students in pre-K as a percentage of the number the homeless share "
            "in kindergarten and grade 1 predicts (pre-K enrollment times that share)",
            ("pre_k",),
            ("homeless",),
        ),
        *[
            IndicatorInfo(
                f"years_homeless_{n}",
                f"Homeless {n} of 5 years",
                "rate",
                f"Students homeless in exactly {n} of the last five school years, among "
                "students homeless in at least one of them",
                ("all",),
                HISTORY_DISTRIBUTION_GROUPS,
            )
            for n in range(1, 6)
        ],
        *[
            IndicatorInfo(
                f"homeless_types_{n}",
                f"{n} type{'s' if n > 1 else ''} of homelessness in 5 years",
                "rate",
                f"Students who went through exactly {n} type{'s' if n > 1 else ''} of "
                "homelessness (shelter, doubled up, unsheltered, other) in the last five "
                "school years, among students homeless in at least one of them",
                ("all",),
                HOMELESS_TYPE_GROUPS,
            )
            for n in range(1, 5)
        ],
        *[
            IndicatorInfo(
                f"grade_{g.lower()}",
                f"{_GRADE_LABELS.get(g, f'Grade {g}')} students",
                "rate",
                f"Students in {_GRADE_WORDS.get(g, f'grade {g}')} at their final school of "
                f"the year, as a share of the group's students in {_BAND_WORDS[BAND_OF_GRADE[g]]}",
                (BAND_OF_GRADE[g],),
                GRADE_GROUPS,
            )
            for g in BAND_GRADES
        ],
    )
}

#: Counts of places, not students, by district (and by type in ``category``).
PLACE_INDICATORS: tuple[str, ...] = ("shelters", "shelter_capacity", "resources")
INDICATOR_INFO |= {
    i.id: i
    for i in (
        IndicatorInfo(
            "shelters",
            "Shelters",
            "count",
            "Shelters located in the area, in all or one type",
            ("all",),
            ("all",),
            student_count=False,
        ),
        IndicatorInfo(
            "shelter_capacity",
            "Shelter capacity (family units)",
            "count",
            "Capacity in family units of the shelters located in the area",
            ("all",),
            ("all",),
            student_count=False,
        ),
        IndicatorInfo(
            "resources",
            "Community resources",
            "count",
            "Community resources (prevention offices, health centres, youth shelters) "
            "located in the area",
            ("all",),
            ("all",),
            student_count=False,
        ),
    )
}


#: Attendance rule packs' indicators (``atlas.rules``): ids carry the pack's name. Rates
#: over students at all grades together; bands, marks, goals and "met" are derived after
#: protection from published rates (not student counts themselves).
_PACK_RATES: tuple[tuple[str, str, str], ...] = (
    (
        "chronic_absence_ten_percent",
        "Chronic absence (10% of days, any reason)",
        "Students who missed at least 10% of their enrolled days for any reason, "
        "suspension included",
    ),
    (
        "chronic_absence_crdc",
        "Chronic absence (federal: 15+ days)",
        "Students absent 15 or more school days for any reason, suspension included "
        "(federal civil rights data collection)",
    ),
    (
        "severe_absence_research",
        "Severe chronic absence (attendance under 80%)",
        "Students present on fewer than 80% of their enrolled days (suspension days are "
        "not absences)",
    ),
    (
        "good_attendance_research",
        "Good attendance (95% or better)",
        "Students present on 95% or more of their enrolled days (suspension days are not absences)",
    ),
    (
        "tier_satisfactory_research",
        "Satisfactory attendance (under 5% missed)",
        "Students who missed under 5% of enrolled days, suspension included (Attendance Works)",
    ),
    (
        "tier_at_risk_research",
        "At risk (5% to under 10% missed)",
        "Students who missed 5% to under 10% of enrolled days, suspension included "
        "(Attendance Works)",
    ),
    (
        "tier_moderate_research",
        "Moderate chronic absence (10% to under 20% missed)",
        "Students who missed 10% to under 20% of enrolled days, suspension included "
        "(Attendance Works)",
    ),
    (
        "tier_severe_research",
        "Severe chronic absence (20% or more missed)",
        "Students who missed 20% or more of enrolled days, suspension included (Attendance Works)",
    ),
    (
        "chronic_absence_pennsylvania",
        "Chronic absence (Pennsylvania: more than 10%)",
        "Students enrolled 90 days or more who missed more than 10% of them (excused, "
        "unexcused, suspension)",
    ),
    (
        "regular_attendance_pennsylvania",
        "Regular Attendance (Pennsylvania)",
        "Students enrolled 90 days or more who were present 90% or more of them",
    ),
    (
        "chronic_absence_ohio",
        "Chronic absence (Ohio: hours, FTE-weighted)",
        "FTE-weighted share of students with 100 or more possible hours who missed at "
        "least 10% of them; numerator and denominator are students (headcounts)",
    ),
)
#: Pack rates the authority reports for each school too.
_SCHOOL_RATES = (
    "chronic_absence_pennsylvania",
    "regular_attendance_pennsylvania",
    "chronic_absence_ohio",
)
INDICATOR_INFO |= {
    ind: IndicatorInfo(ind, label, "rate", text, ("all",), schools=ind in _SCHOOL_RATES)
    for ind, label, text in _PACK_RATES
}
INDICATOR_INFO |= {
    i.id: i
    for i in (
        IndicatorInfo(
            "band_pennsylvania",
            "Regular Attendance band (Pennsylvania)",
            "category",
            "blue (Exceeds, 94.1% or higher), green (Meets, 80.9% to 94.0%) or red (Does "
            "Not Meet, 80.8% or below), on the rate rounded to one decimal",
            ("all",),
            student_count=False,
        ),
        IndicatorInfo(
            "mark_pennsylvania",
            "Regular Attendance against the year before (Pennsylvania)",
            "category",
            "up, same or down: the rate rounded to one decimal against the year before's",
            ("all",),
            student_count=False,
        ),
        IndicatorInfo(
            "goal_ohio",
            "Ohio's state goal for the year",
            "rate",
            "The state goal for chronic absence in the year (not applicable in years the "
            "goals table does not cover)",
            ("all",),
            student_count=False,
        ),
        IndicatorInfo(
            "target_ohio",
            "Ohio improvement target",
            "rate",
            "The highest rate that meets Ohio's improvement pathway, from the year before's "
            "exact rate",
            ("all",),
            student_count=False,
        ),
        IndicatorInfo(
            "met_ohio",
            "Ohio indicator met",
            "category",
            "met_goal, met_improvement or not_met, comparing exact, unrounded rates",
            ("all",),
            student_count=False,
        ),
    )
}
#: What a category of a categorical indicator reads as.
CATEGORY_LABELS: dict[str, str] = {
    "blue": "Exceeds (blue)",
    "green": "Meets (green)",
    "red": "Does Not Meet (red)",
    "up": "\u2191 up",
    "same": "\u25cb same",
    "down": "\u2193 down",
    "met_goal": "Met: at or below the goal",
    "met_improvement": "Met: improved enough",
    "not_met": "Not met",
}


@dataclass(frozen=True)
class ReleaseMeta:
    """Words about the release that pages, the PDF and the manifest show."""

    title: str
    edition: int
    publisher: str
    licence: str
    citation: str
    url: str
    chronic_absence_rule: str  # the headline pack's id, for example "nyc"
    min_count: int
    min_denominator: int
    rate_precision: int
    city_name: str = "City"  # what readers call the whole area
    attribution: tuple[str, ...] = ()  # boundary attributions to show
    #: The attendance rule packs computed, each with its parameters (atlas.rules).
    rule_parameters: dict[str, Any] = field(default_factory=dict)
    #: Top and bottom coding as readers are told it; empty when rates are not coded.
    coding: str = ""


@dataclass
class Geography:
    """One boundary layer as published: ids, names, parents and WGS 84 geometry.

    ``frame`` is a GeoDataFrame with columns ``geo_id`` (str), ``geo_name`` (str),
    ``parent_id`` (str or None), ``neighbourhoods`` (str, may be empty) and ``geometry``
    (EPSG:4326; None for districts without geography, such as NYC's 75 and 79).
    """

    layer: str
    label: str
    frame: Any
    parent: str | None = None


@dataclass
class ProtectedRelease:
    """Everything render may use. ``table`` holds only protected cells.

    ``table`` is the long table (columns ``LONG_COLUMNS``); ``numerator``,
    ``denominator`` and ``value`` are floats with NaN where empty; ``category`` and
    ``note`` are strings, empty where there is nothing.
    """

    table: Any
    geographies: dict[str, Geography]
    district_layer: str
    years: tuple[str, ...]
    meta: ReleaseMeta
    #: Where schools are, for the district maps' dots: ``school_id``, ``school_name``,
    #: ``longitude``, ``latitude`` and one column per layer with the school's geo_id
    #: (places, not students; which dots show comes from the protected cells). None: no map.
    schools: Any = None

    @property
    def latest_year(self) -> str:
        return self.years[-1]
