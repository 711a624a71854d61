"""The protected release -> typed page contexts, one per page, each with its ledger.

A context is built only from :class:`~atlas.model.ProtectedRelease`, whose table holds
protected cells alone, so an unprotected number cannot reach a template by
construction. Every number a context carries is a :class:`Cell` that knows its key in
the long table; :func:`numbers` walks the parts an output renders and lists each number
shown, which the renderers turn into ledger entries for the audit.

The same contexts feed the website and the PDF, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from atlas.model import (
    BAND_LABELS,
    CITY_LAYER,
    COHORT_GROUPS,
    GROUP_LABELS,
    GROUPS,
    INDICATOR_INFO,
    PROFILE_GROUPS,
    RACES,
    ProtectedRelease,
    ReleaseMeta,
)
from atlas.render.format import ABSENT, MARKS, format_cell

#: Housing groups shown in page tables, in reading order: all but the five-year groups
#: that later issues give pages of their own.
PAGE_GROUPS: tuple[str, ...] = tuple(
    g for g in GROUPS if g not in ("always_housed", "ever_in_shelter", "never_in_shelter")
)
#: Rate indicators that get a table of their own on each page, in order.
OUTCOMES: tuple[str, ...] = (
    "midyear_transfer",
    "chronic_absence_nyc",
    "absent_40_days",
    "ela_proficiency",
    "math_proficiency",
    "suspension",
    "retention",
    "late_entry",
    "english_learner",
)
#: Cohort outcomes: their own groups (housing during the four high-school years).
COHORT_OUTCOMES: tuple[str, ...] = ("graduation_4yr", "dropout_4yr")
#: Short column heads for the print profile's outcome table.
SHORT_LABELS: dict[str, str] = {
    "midyear_transfer": "Moved mid-year",
    "chronic_absence_nyc": "Chronic absence",
    "absent_40_days": "Absent 40+ days",
    "ela_proficiency": "ELA proficient",
    "math_proficiency": "Math proficient",
    "suspension": "Suspended",
    "retention": "Held back",
    "late_entry": "Late entry",
    "english_learner": "English learner",
    "graduation_4yr": "graduated",
    "dropout_4yr": "dropped out",
}
_SHOWABLE = {"published", "top_coded", "bottom_coded"}
#: indicator, layer, geo_id, group, band, year, category (a shelter or resource type)
Key = tuple[str, str, str, str, str, str, str]


@dataclass(frozen=True)
class Cell:
    """What one table cell shows: a number, or a mark that says why there is none."""

    text: str
    flag: str
    key: Key | None = None

    @property
    def shows_number(self) -> bool:
        return self.flag in _SHOWABLE

    @property
    def explanation(self) -> str:
        """Words for a mark (tooltip and legend); empty for a number."""
        if self.flag == "absent":
            return ABSENT[1]
        return MARKS[self.flag][1] if self.flag in MARKS else ""


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Section:
    """One table: housing groups down, places (or measures) across."""

    indicator: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    row_header: str = "Housing group"


@dataclass(frozen=True)
class Fact:
    """A headline number with its label."""

    label: str
    cell: Cell


@dataclass(frozen=True)
class DistrictSummary:
    """One district's row in the citywide table and its area on the heat map."""

    geo_id: str
    name: str
    borough: str
    path: str
    students: Cell
    homeless: Cell
    share_homeless: Cell
    shelter: Cell
    share_value: float | None  # the published share, for the map's colour; None if not shown


@dataclass
class Page:
    """Common to every page: where it goes, its headline numbers and its tables."""

    path: str
    title: str
    facts: tuple[Fact, ...] = ()
    sections: tuple[Section, ...] = ()


@dataclass
class DistrictPage(Page):
    geo_id: str = ""
    name: str = ""
    borough: str = ""
    neighbourhoods: str = ""
    #: The print profile's compact tables: outcomes by group, and the comparison.
    print_sections: tuple[Section, ...] = ()
    #: Shelters and community resources in the district (counts of places).
    places: tuple[Section, ...] = ()


@dataclass
class CityPage(Page):
    districts: tuple[DistrictSummary, ...] = ()


Part = Fact | Section | DistrictSummary


def numbers(*parts: Part) -> list[tuple[Key, str]]:
    """Every number the given parts show, with its key: what goes into the ledger."""
    cells: list[Cell] = []
    for part in parts:
        if isinstance(part, Fact):
            cells.append(part.cell)
        elif isinstance(part, Section):
            cells += [c for row in part.rows for c in row.cells]
        else:
            cells += [part.students, part.homeless, part.share_homeless, part.shelter]
    return [(c.key, c.text) for c in cells if c.shows_number and c.key is not None]


@dataclass(frozen=True)
class SiteContext:
    """Everything the templates may use."""

    meta: ReleaseMeta
    city_name: str
    year: str
    district_label: str
    city: CityPage
    districts: tuple[DistrictPage, ...]
    marks: tuple[tuple[str, str], ...]
    definitions: tuple[tuple[str, str], ...] = ()  # (label, description) per indicator
    band_label: str = BAND_LABELS["all"]


_KEY_COLUMNS = ("indicator", "layer", "geo_id", "group", "grade_band", "category")


class _Stored(NamedTuple):
    """What a page needs of one protected cell (as :func:`format_cell` reads it)."""

    indicator: str
    flag: str
    value: float
    denominator: float


class _Cells:
    """Protected cells of one year, looked up by (indicator, layer, geo_id, group, band)."""

    def __init__(self, table: pd.DataFrame, year: str, precision: int) -> None:
        rows = table[table["year"] == year]
        self.year = year
        self.precision = precision
        # Plain lists, not itertuples: a scale-1 release has millions of cells; a cell's
        # row is made only when a page asks for it.
        columns = [rows[c].tolist() for c in _KEY_COLUMNS]
        self._stored = [rows[c].tolist() for c in _Stored._fields]
        self._index = dict(zip(zip(*columns, strict=True), range(len(rows)), strict=True))
        self._indicators = set(columns[0])
        self._categories: dict[str, set[str]] = {}
        for indicator, category in zip(columns[0], columns[5], strict=True):
            if category:
                self._categories.setdefault(indicator, set()).add(category)

    def count_ranked(self, indicator: str, layer: str, geo_id: str) -> int | None:
        """How many places a published rank is out of (the rank's denominator)."""
        row = self._row((indicator, layer, geo_id, "homeless", "all", ""))
        if row is None or row.flag not in _SHOWABLE:
            return None
        return int(row.denominator)

    def _row(self, key: tuple[str, ...]) -> _Stored | None:
        i = self._index.get(key)
        return None if i is None else _Stored(*(column[i] for column in self._stored))

    def has(self, indicator: str) -> bool:
        return indicator in self._indicators

    def categories(self, indicator: str) -> list[str]:
        """The categories (types) an indicator has this year, in order; "" is all."""
        return sorted(self._categories.get(indicator, ()))

    def get(
        self,
        indicator: str,
        layer: str,
        geo_id: str,
        group: str,
        band: str = "all",
        category: str = "",
    ) -> tuple[Cell, float | None]:
        row = self._row((indicator, layer, geo_id, group, band, category))
        if row is None:
            return Cell(ABSENT[0], "absent"), None
        key: Key = (indicator, layer, geo_id, group, band, self.year, category)
        cell = Cell(format_cell(row, self.precision), row.flag, key)
        return cell, (float(row.value) if cell.shows_number else None)


class _Page:
    """Makes the facts and tables of one page from the protected cells."""

    def __init__(self, cells: _Cells) -> None:
        self._cells = cells

    def cell(self, indicator: str, layer: str, geo_id: str, group: str) -> Cell:
        return self._cells.get(indicator, layer, geo_id, group)[0]

    def facts(self, layer: str, geo_id: str) -> tuple[Fact, ...]:
        wanted = [
            ("Students", "students", "all"),
            ("Homeless students", "students", "homeless"),
            ("Share of students homeless", "share_of_students", "homeless"),
            ("Students in shelter", "students", "shelter"),
            ("Chronically absent, homeless", "chronic_absence_nyc", "homeless"),
            ("Chronically absent, housed", "chronic_absence_nyc", "housed"),
        ]
        return tuple(
            Fact(label, self.cell(ind, layer, geo_id, group))
            for label, ind, group in wanted
            if self._cells.has(ind)
        )

    def rank_facts(self, layer: str, geo_id: str, city: str, parent: str) -> tuple[Fact, ...]:
        """The district's rank by share homeless in the city and in its parent."""
        facts = []
        for indicator, where in (
            ("rank_share_homeless_city", city),
            ("rank_share_homeless_parent", parent),
        ):
            if not where or not self._cells.has(indicator):
                continue
            out_of = self._cells.count_ranked(indicator, layer, geo_id)
            of = f" (of {out_of})" if out_of else ""
            label = f"Rank by share homeless in {where}{of}"
            facts.append(Fact(label, self.cell(indicator, layer, geo_id, "homeless")))
        return tuple(facts)

    def sections(self, places: list[tuple[str, str, str]]) -> tuple[Section, ...]:
        """Tables by housing group; ``places`` is (column label, layer, geo_id), first = own."""
        own_label, own_layer, own_id = places[0]
        students = Section(
            "students",
            "Students by housing status",
            "Students enrolled at any time in the year, and each group's share of all "
            "students here, in the borough and in the city.",
            ("Students", *(f"Share, {label}" for label, _, _ in places)),
            tuple(
                Row(
                    GROUP_LABELS[group],
                    (
                        self.cell("students", own_layer, own_id, group),
                        *(
                            self.cell("share_of_students", lay, gid, group)
                            for _, lay, gid in places
                        ),
                    ),
                )
                for group in PAGE_GROUPS
            ),
        )
        outcomes = [
            Section(
                ind,
                INDICATOR_INFO[ind].label,
                INDICATOR_INFO[ind].description + ".",
                tuple(label for label, _, _ in places),
                tuple(
                    Row(
                        GROUP_LABELS[group],
                        tuple(self.cell(ind, lay, gid, group) for _, lay, gid in places),
                    )
                    for group in INDICATOR_INFO[ind].groups or PAGE_GROUPS
                ),
            )
            for ind in (*OUTCOMES, *COHORT_OUTCOMES)
            if self._cells.has(ind)
        ]
        return (students, *outcomes, *self.race_section(places[0]))

    def race_section(self, place: tuple[str, str, str]) -> tuple[Section, ...]:
        """Race and ethnicity of each housing group here, if the extract reports it."""
        label, layer, geo_id = place
        if not self._cells.has("race_black"):
            return ()
        return (
            Section(
                "race",
                f"Race and ethnicity by housing group, {label}",
                "Percent of the students in each group with a reported race or ethnicity.",
                tuple(r.capitalize() for r in RACES),
                tuple(
                    Row(
                        GROUP_LABELS[g],
                        tuple(self.cell(f"race_{r}", layer, geo_id, g) for r in RACES),
                    )
                    for g in PROFILE_GROUPS
                ),
            ),
        )

    def places_section(self, layer: str, geo_id: str) -> tuple[Section, ...]:
        """Shelters (number and family units) and community resources here, by type."""
        shelters = self._cells.get("shelters", layer, geo_id, "all")[0]
        resources = self._cells.get("resources", layer, geo_id, "all")[0]
        if shelters.flag == "absent" and resources.flag == "absent":
            return ()  # no such lists, or a district without geography
        blank = Cell("", "blank")
        rows = []
        if shelters.flag != "absent":
            for kind in ("", *self._cells.categories("shelters")):
                rows.append(
                    Row(
                        f"Shelters: {kind}" if kind else "Shelters, all types",
                        tuple(
                            self._cells.get(i, layer, geo_id, "all", category=kind)[0]
                            for i in ("shelters", "shelter_capacity")
                        ),
                    )
                )
        if resources.flag != "absent":
            for kind in ("", *self._cells.categories("resources")):
                cell = self._cells.get("resources", layer, geo_id, "all", category=kind)[0]
                label = kind if kind else "Community resources, all types"
                rows.append(Row(label, (cell, blank)))
        return (
            Section(
                "places",
                "Shelters and resources",
                "Shelters and community resources located here, counted from the shelter "
                "and resource lists (places, not students); capacity in family units.",
                ("Number", "Capacity (family units)"),
                tuple(rows),
                row_header="Type",
            ),
        )

    def print_sections(self, places: list[tuple[str, str, str]]) -> tuple[Section, ...]:
        """The print profile: every outcome by group here, then all and homeless
        students here, in the borough and in the city."""
        own_label, own_layer, own_id = places[0]
        shown = [i for i in OUTCOMES if self._cells.has(i)]
        by_group = Section(
            "outcomes",
            f"Outcomes by housing group, {own_label}",
            "Percent of the students in each group; the definitions are at the end of the book.",
            tuple(SHORT_LABELS[i] for i in shown),
            tuple(
                Row(GROUP_LABELS[g], tuple(self.cell(i, own_layer, own_id, g) for i in shown))
                for g in PAGE_GROUPS
            ),
        )
        compared = Section(
            "comparison",
            "Compared with the borough and the city",
            "All students and homeless students, percent.",
            tuple(f"{label}: {who}" for label, _, _ in places for who in ("all", "homeless")),
            tuple(
                Row(
                    INDICATOR_INFO[i].label,
                    tuple(
                        self.cell(i, lay, gid, g)
                        for _, lay, gid in places
                        for g in ("all", "homeless")
                    ),
                )
                for i in shown
            ),
            row_header="Indicator",
        )
        cohort = [i for i in COHORT_OUTCOMES if self._cells.has(i)]
        race = self.race_section(places[0])
        if not cohort:
            return (by_group, compared, *race)
        cohorts = Section(
            "cohorts",
            f"High-school cohorts, {own_label}",
            "Students who entered grade 9 four years earlier and graduated or dropped out "
            "within four years, by their housing in high school, percent.",
            tuple(f"{label}: {SHORT_LABELS[i]}" for label, _, _ in places for i in cohort),
            tuple(
                Row(
                    GROUP_LABELS[g],
                    tuple(self.cell(i, lay, gid, g) for _, lay, gid in places for i in cohort),
                )
                for g in COHORT_GROUPS
            ),
        )
        return (by_group, compared, cohorts, *race)


def build_context(release: ProtectedRelease) -> SiteContext:
    """Every page's context for the latest year of ``release``."""
    meta = release.meta
    city_name = meta.city_name
    cells = _Cells(release.table, release.latest_year, meta.rate_precision)
    geo = release.geographies[release.district_layer]
    frame = geo.frame.sort_values("geo_id", key=_natural)
    parent_names: dict[str, str] = {}
    if geo.parent:
        parents = release.geographies[geo.parent].frame
        parent_names = dict(zip(parents["geo_id"], parents["geo_name"], strict=True))
    district_layer = release.district_layer
    city = CityPage(path="index.html", title=meta.title)
    on_city = _Page(cells)
    districts = []
    summaries = []
    for row in frame.itertuples(index=False):
        borough = parent_names.get(row.parent_id, "") if row.parent_id else ""
        page = DistrictPage(
            path=f"districts/{row.geo_id}.html",
            title=f"{row.geo_name}",
            geo_id=row.geo_id,
            name=row.geo_name,
            borough=borough,
            neighbourhoods=row.neighbourhoods,
        )
        on_page = _Page(cells)
        places = [(row.geo_name, district_layer, row.geo_id)]
        if borough and geo.parent:
            places.append((borough, geo.parent, row.parent_id))
        places.append((city_name, CITY_LAYER, CITY_LAYER))
        page.facts = on_page.facts(district_layer, row.geo_id) + on_page.rank_facts(
            district_layer, row.geo_id, city_name, borough
        )
        page.sections = on_page.sections(places)
        page.print_sections = on_page.print_sections(places)
        page.places = on_page.places_section(district_layer, row.geo_id)
        districts.append(page)
        share, share_value = cells.get("share_of_students", district_layer, row.geo_id, "homeless")
        summaries.append(
            DistrictSummary(
                geo_id=row.geo_id,
                name=row.geo_name,
                borough=borough,
                path=page.path,
                students=on_city.cell("students", district_layer, row.geo_id, "all"),
                homeless=on_city.cell("students", district_layer, row.geo_id, "homeless"),
                share_homeless=share,
                shelter=on_city.cell("students", district_layer, row.geo_id, "shelter"),
                share_value=share_value,
            )
        )
    city.facts = on_city.facts(CITY_LAYER, CITY_LAYER)
    city.sections = on_city.sections([(city_name, CITY_LAYER, CITY_LAYER)])
    city.districts = tuple(summaries)
    return SiteContext(
        meta=meta,
        city_name=city_name,
        year=release.latest_year,
        district_label=geo.label,
        city=city,
        districts=tuple(districts),
        marks=(*MARKS.values(), ABSENT),
        definitions=tuple(
            (INDICATOR_INFO[i].label, INDICATOR_INFO[i].description)
            for i in ("students", "share_of_students", *OUTCOMES, *COHORT_OUTCOMES)
            if cells.has(i)
        ),
    )


def _natural(ids: pd.Series) -> pd.Series:
    """Sort '2' before '10': numbers by value, then anything else by text."""
    return ids.map(lambda v: (0, int(v), "") if str(v).isdigit() else (1, 0, str(v)))
