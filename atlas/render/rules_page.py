"""The protected release -> the attendance rules page: each rule pack explained, and the
same students under each pack, side by side, per housing group.

Nobody else shows this comparison: chronic absence under New York City's rule, the
ten-percent convention, the federal count, Pennsylvania's and Ohio's, and the research
measures, for students in shelter, doubled up, formerly homeless and housed. Every
number comes from the protected long table through the same :class:`Cell` as the other
pages, and is recorded in the ledger for the audit. The website gets ``rules.html``;
the PDF book gets the same tables as a chapter (``_rules_chapter.html``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from atlas.model import CATEGORY_LABELS, CITY_LAYER, GROUP_LABELS, INDICATOR_INFO, ProtectedRelease
from atlas.render.context import Cell, Row, Section, _Cells
from atlas.rules import PACK_NAMES, Pack, get_pack

PATH = "rules.html"

#: The side-by-side columns: each pack's chronic absence, then the severe measures.
COMPARED: tuple[tuple[str, str], ...] = (
    ("chronic_absence_nyc", "NYC 20+ days"),
    ("chronic_absence_ten_percent", "10% of days"),
    ("chronic_absence_crdc", "Federal 15+ days"),
    ("chronic_absence_pennsylvania", "Pennsylvania"),
    ("chronic_absence_ohio", "Ohio (hours)"),
    ("tier_severe_research", "Severe 20%+"),
    ("severe_absence_research", "Under 80% present"),
)
#: Each authority's own verdicts, beside its rate.
AUTHORITY: tuple[tuple[str, str], ...] = (
    ("regular_attendance_pennsylvania", "PA Regular Attendance"),
    ("band_pennsylvania", "PA band"),
    ("mark_pennsylvania", "PA vs last year"),
    ("chronic_absence_ohio", "Ohio rate"),
    ("target_ohio", "Ohio target"),
    ("met_ohio", "Ohio indicator"),
)
GROUPS: tuple[str, ...] = (
    "all",
    "homeless",
    "shelter",
    "doubled_up",
    "unsheltered",
    "other_homeless",
    "formerly_homeless",
    "housed",
    "housed_low_income",
    "housed_not_low_income",
)


@dataclass(frozen=True)
class PackView:
    """One pack as the rules page explains it."""

    name: str
    title: str
    rule: str
    source: str
    fields: str
    parameters: tuple[tuple[str, str], ...]
    indicators: tuple[tuple[str, str, str], ...]  # (id, label, description)
    computed: bool
    headline: bool


@dataclass(frozen=True)
class RulesPage:
    path: str
    title: str
    headline: str  # the configured pack's title
    packs: tuple[PackView, ...]
    sections: tuple[Section, ...]


def _text(value: Any) -> str:
    if isinstance(value, Fraction):
        return f"{float(value):g}"
    if isinstance(value, dict) or hasattr(value, "items"):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _view(pack: Pack, computed: set[str], headline: str, params: Any) -> PackView:
    ids = [i for i in pack.indicator_ids if i in INDICATOR_INFO]
    return PackView(
        name=pack.name,
        title=pack.title,
        rule=pack.rule,
        source=pack.source,
        fields=", ".join(pack.fields),
        parameters=tuple((k, _text(v)) for k, v in (params or pack.defaults).items()),
        indicators=tuple((i, INDICATOR_INFO[i].label, INDICATOR_INFO[i].description) for i in ids),
        computed=any(i in computed for i in ids),
        headline=pack.name == headline,
    )


def _cell(cells: _Cells, indicator: str, layer: str, geo_id: str, group: str) -> Cell:
    """The cell of an indicator here; a categorical one is found under its category."""
    if INDICATOR_INFO[indicator].kind != "category":
        return cells.get(indicator, layer, geo_id, group)[0]
    for category in ("", *CATEGORY_LABELS):
        cell = cells.get(indicator, layer, geo_id, group, category=category)[0]
        if cell.flag != "absent":
            return cell
    return cell


def _table(
    cells: _Cells,
    key: str,
    title: str,
    description: str,
    columns: list[tuple[str, str]],
    place: tuple[str, str],
) -> Section:
    layer, geo_id = place
    return Section(
        key,
        title,
        description,
        tuple(label for _, label in columns),
        tuple(
            Row(GROUP_LABELS[g], tuple(_cell(cells, i, layer, geo_id, g) for i, _ in columns))
            for g in GROUPS
        ),
    )


def rules_page(release: ProtectedRelease) -> RulesPage:
    """The rules page of the latest year."""
    meta = release.meta
    year = release.latest_year
    cells = _Cells(release.table, year, meta.rate_precision)
    computed = set(release.table["indicator"].unique())
    compared = [(i, label) for i, label in COMPARED if cells.has(i)]
    places = [(meta.city_name, (CITY_LAYER, CITY_LAYER))]
    geo = release.geographies[release.district_layer]
    if geo.parent:
        parents = release.geographies[geo.parent].frame
        places += [
            (name, (geo.parent, gid))
            for gid, name in zip(parents["geo_id"], parents["geo_name"], strict=True)
        ]
    sections = [
        _table(
            cells,
            f"compared-{layer}-{gid}",
            f"Chronic absence under each definition, {name}",
            "As for the city, in this borough."
            if layer != CITY_LAYER
            else "The same students counted under each authority's rule, percent of the "
            "students each rule counts: New York City (absent 20 or more days), ten "
            "percent of days missed for any reason, the federal count (15 or more days), "
            "Pennsylvania (more than 10%, students enrolled 90 days or more), Ohio (10% "
            "of hours, FTE-weighted), and severe absence as Attendance Works (20% or more "
            "missed) and the research measure (present under 80%) define it. The "
            "definitions are below.",
            compared,
            (layer, gid),
        )
        for name, (layer, gid) in places
    ]
    authority = [(i, label) for i, label in AUTHORITY if cells.has(i)]
    if authority:
        sections.append(
            _table(
                cells,
                "authority",
                f"Pennsylvania's and Ohio's own verdicts, {meta.city_name}",
                "Regular Attendance with its band and mark, and Ohio's FTE-weighted rate "
                "with its improvement target and whether the indicator is met, per group.",
                authority,
                (CITY_LAYER, CITY_LAYER),
            )
        )
    headline = get_pack(meta.chronic_absence_rule)
    return RulesPage(
        path=PATH,
        title="Attendance: one set of students, six definitions",
        headline=headline.title,
        packs=tuple(
            _view(get_pack(n), computed, meta.chronic_absence_rule, meta.rule_parameters.get(n))
            for n in PACK_NAMES
        ),
        sections=tuple(sections),
    )
