"""Student-years -> unprotected cells: numerator and denominator for every
geography x housing group x year x grade band x indicator.

Everything is counted from the records: student-years are summed per school (each
student-year sits at exactly one school, its last), and every layer, the borough and
the city included, is summed from those school counts of records, never from another
layer's figures. The per-school counts run in Ibis; adding them up to each layer and
reshaping to the long form happens in pandas, on a table of one row per school, year
and grade band.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from atlas.groups import HISTORY_YEARS, group_predicates
from atlas.indicators import Indicator
from atlas.model import CITY_LAYER, HOMELESS_TYPES, INDICATOR_INFO, SCHOOL_LAYER

#: Groups that need four prior years of history.
HISTORY_GROUPS = ("formerly_homeless", "ever_homeless", "always_housed")
#: Groups shown on the school layer (the dot maps): share homeless and counts by type.
SCHOOL_GROUPS = ("all", "homeless", *HOMELESS_TYPES)
CELL_COLUMNS = [
    "year",
    "layer",
    "geo_id",
    "group",
    "grade_band",
    "indicator",
    "numerator",
    "denominator",
]
_SEP = "__"


def compute_cells(
    sy: ir.Table,
    *,
    indicators: Sequence[Indicator],
    years: Sequence[str],
    school_geo: pd.DataFrame,
    geo_ids: dict[str, list[str]],
) -> pd.DataFrame:
    """All cells, unprotected. ``school_geo`` maps school_id to each layer's geo_id."""
    per_school = _school_sums(sy, indicators).to_pyarrow().to_pandas()
    located = per_school.merge(school_geo, on="school_id", how="left")
    sums = [c for c in per_school.columns if _SEP in c]
    located[CITY_LAYER] = CITY_LAYER
    located[SCHOOL_LAYER] = located["school_id"]
    frames = []
    with_schools = any(i.id == "students" for i in indicators)  # the dot maps' counts
    # Schools carry what the dot maps show (students by group, all grades), and the
    # rates an authority reports for schools (IndicatorInfo.schools).
    on_schools = [
        f"{kind}{_SEP}{ind}{_SEP}{g}"
        for ind in ["students", *_school_rates(indicators)]
        for kind in ("d", "n")
        for g in SCHOOL_GROUPS
    ]
    for layer in [CITY_LAYER, *geo_ids, *([SCHOOL_LAYER] if with_schools else [])]:
        school = layer == SCHOOL_LAYER
        wanted = [c for c in on_schools if c in sums] if school else sums
        for banded in (False,) if school else (True, False):
            by = ["school_year", layer] + (["grade_band"] if banded else [])
            frame = located.groupby(by, observed=True, dropna=True)[wanted].sum().reset_index()
            frame = frame.rename(columns={layer: "geo_id"})
            frame["geo_id"] = frame["geo_id"].astype(str)
            if not banded:
                frame["grade_band"] = "all"
            frame["layer"] = layer
            frames.append(frame)
    wide = pd.concat(frames, ignore_index=True)
    ids = {CITY_LAYER: [CITY_LAYER], **geo_ids}
    return _long(wide, indicators, years, ids)


def _school_sums(sy: ir.Table, indicators: Sequence[Indicator]) -> ir.Table:
    """Per school, year and band: counts of each group in each population and event.

    Two stages, so that the wide sum runs over a small table: first count each
    indicator's population and events per school, year, band and the columns that
    decide group membership; then add those counts up per school, year and band, one
    sum per indicator and group.
    """
    keys = ["school_year", "school_id", "grade_band"]
    deciding = [c for c in _GROUP_COLUMNS if c in sy.columns]
    counts = {}
    for ind in indicators:
        population = ind.population(sy)
        counts[f"p{_SEP}{ind.id}"] = population.cast("int64").sum()
        if ind.event is not None:
            hit = population & ind.event(sy).fill_null(False)
            counts[f"e{_SEP}{ind.id}"] = hit.cast("int64").sum()
    kinds = sy.group_by([*keys, *deciding]).aggregate(**counts)
    groups = group_predicates(kinds)
    aggs = {}
    for ind in indicators:
        wanted = INDICATOR_INFO[ind.id].groups
        for name, member in groups.items():
            if wanted is not None and name not in wanted:
                continue
            aggs[f"d{_SEP}{ind.id}{_SEP}{name}"] = member.ifelse(kinds[f"p{_SEP}{ind.id}"], 0).sum()
            if ind.event is not None:
                aggs[f"n{_SEP}{ind.id}{_SEP}{name}"] = member.ifelse(
                    kinds[f"e{_SEP}{ind.id}"], 0
                ).sum()
    return kinds.group_by(keys).aggregate(**aggs)


#: The columns group membership is decided by (see :func:`atlas.groups.group_predicates`).
_GROUP_COLUMNS = (
    "status",
    "homeless",
    "lunch_any",
    "prior_homeless",
    "history_complete",
    "ever_shelter",
)


def _long(
    wide: pd.DataFrame,
    indicators: Sequence[Indicator],
    years: Sequence[str],
    geo_ids: dict[str, list[str]],
) -> pd.DataFrame:
    """Reshape the sums to one row per cell, on the full grid of geographies."""
    keys = ["school_year", "layer", "geo_id", "grade_band"]
    parts = []
    for column in wide.columns:
        if not column.startswith(f"d{_SEP}"):
            continue
        _, indicator, group = column.split(_SEP)
        events = f"n{_SEP}{indicator}{_SEP}{group}"
        part = wide[keys].assign(
            indicator=indicator,
            group=group,
            denominator=wide[column],
            numerator=wide[events] if events in wide.columns else np.nan,
        )
        parts.append(part[part["denominator"].notna()])
    cells = pd.concat(parts, ignore_index=True).rename(columns={"school_year": "year"})
    cells = _complete_grid(cells, indicators, years, geo_ids)
    counts = cells["indicator"] == "students"
    cells.loc[counts, "numerator"] = cells.loc[counts, "denominator"]
    cells.loc[counts, "denominator"] = np.nan
    shares = [_shares(cells[counts], "share_of_students")]
    late = cells["indicator"] == "late_entry"
    if late.any():
        shares.append(_shares(cells[late], "share_of_late_entrants"))
    cells = pd.concat([cells, *shares], ignore_index=True)
    keep = _defined(cells, indicators, years)
    return cells.loc[keep, CELL_COLUMNS].reset_index(drop=True)


def _complete_grid(
    cells: pd.DataFrame,
    indicators: Sequence[Indicator],
    years: Sequence[str],
    geo_ids: dict[str, list[str]],
) -> pd.DataFrame:
    """Add zero rows for geographies with no students (a true zero, not a gap)."""
    groups = sorted(cells["group"].unique())
    index = pd.MultiIndex.from_tuples(
        [
            (y, layer, g, band, ind.id, grp)
            for layer, ids in geo_ids.items()
            for g in ids
            for y in years
            for ind in indicators
            for band in ind.bands
            for grp in groups
        ],
        names=["year", "layer", "geo_id", "grade_band", "indicator", "group"],
    )
    keys = ["year", "layer", "geo_id", "grade_band", "indicator", "group"]
    schools = cells[cells["layer"] == SCHOOL_LAYER]
    grid = cells[cells["layer"] != SCHOOL_LAYER].set_index(keys).reindex(index).reset_index()
    grid["denominator"] = grid["denominator"].fillna(0)
    has_event = {i.id for i in indicators if i.event is not None}
    grid.loc[grid["indicator"].isin(has_event), "numerator"] = grid["numerator"].fillna(0)
    return pd.concat([grid, schools], ignore_index=True)


def _shares(counts: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Each group's numerator over the numerator of all students in the same cell:
    ``share_of_students`` from student counts, ``share_of_late_entrants`` from late
    entrants (the share of late enrollees who are homeless, and so on)."""
    keys = ["year", "layer", "geo_id", "grade_band"]
    total = counts[counts["group"] == "all"].set_index(keys)["numerator"].rename("denominator")
    shares = counts[counts["group"] != "all"].drop(columns="denominator").join(total, on=keys)
    return shares.assign(indicator=indicator)


def _school_rates(indicators: Sequence[Indicator]) -> list[str]:
    """The rates published for each school too (IndicatorInfo.schools)."""
    return [i.id for i in indicators if INDICATOR_INFO[i.id].schools]


def _defined(
    cells: pd.DataFrame, indicators: Sequence[Indicator], years: Sequence[str]
) -> pd.Series:
    """Which cells exist: bands per indicator, history groups, the school layer's scope."""
    bands = {i.id: set(i.bands) for i in indicators}
    for share, source in (
        ("share_of_students", "students"),
        ("share_of_late_entrants", "late_entry"),
    ):
        if source in bands:
            bands[share] = bands[source]
    ok = pd.Series(
        [
            band in bands[ind]
            for band, ind in zip(cells["grade_band"], cells["indicator"], strict=True)
        ],
        index=cells.index,
    )
    for indicator in indicators:
        groups = INDICATOR_INFO[indicator.id].groups
        if groups is not None:
            ok &= (cells["indicator"] != indicator.id) | cells["group"].isin(groups)
    early = set(years[:HISTORY_YEARS])
    looks_back = [i.id for i in indicators if i.history]
    ok &= ~(
        (cells["group"].isin(HISTORY_GROUPS) | cells["indicator"].isin(looks_back))
        & cells["year"].isin(early)
    )
    school = cells["layer"] == SCHOOL_LAYER
    ok &= ~school | (
        cells["group"].isin(SCHOOL_GROUPS)
        & (cells["grade_band"] == "all")
        & cells["indicator"].isin(["students", "share_of_students", *_school_rates(indicators)])
    )
    return ok
