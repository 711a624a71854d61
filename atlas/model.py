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
    kind: Literal["count", "rate", "rank"]
    description: str
    bands: tuple[str, ...] = GRADE_BANDS
    groups: tuple[str, ...] | None = None  # None: every group the student-years give
    #: A count of students (or a rate over students), which the privacy rules protect.
    #: False for counts of places (shelters, units, resources): published as counted.
    student_count: bool = True


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
