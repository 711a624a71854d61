"""A checked :class:`Extract` -> unprotected cells with geography names.

Runs the student-year and indicator expressions on the engine (embedded DuckDB by
default) and attaches the names of the geographies. The result never leaves the
process unprotected: the next stage is ``protect``.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import pandas as pd
import pyarrow.compute as pc

from atlas.config import Config, pack_parameters
from atlas.engine import connect, register
from atlas.groups import (
    HIGH_SCHOOL_YEARS,
    KINDERGARTEN_YEARS,
    SPELL_COLUMNS,
    cohort_members,
    kindergarten_cohort,
    student_years,
)
from atlas.indicators import Indicator, iep, registry
from atlas.indicators import cohorts as cohort_indicators
from atlas.indicators.cells import compute_cells
from atlas.indicators.places import place_cells
from atlas.model import CITY_LAYER, SCHOOL_LAYER, Geography
from atlas.rules import missing_fields, ohio
from atlas.rules.units import ohio_cells
from atlas.validate import Extract


def active_indicators(config: Config, columns: set[str]) -> list[Indicator]:
    """The indicators whose input fields are present."""
    return [i for i in registry(pack_parameters(config)) if set(i.needs) <= columns]


def school_years(extract: Extract) -> list[str]:
    return sorted(pc.unique(extract.enrollment["school_year"]).to_pylist())


def _cohort_cells(
    con: ibis.BaseBackend,
    extract: Extract,
    sy: ibis.Table,
    years: list[str],
    school_geo: pd.DataFrame,
    geo_ids: dict[str, list[str]],
) -> pd.DataFrame:
    """Graduation and dropout cells of the cohorts whose four years are in the data."""
    assert extract.cohorts is not None
    cohorts = register(
        con, "cohorts", extract.cohorts.select(["student_id", "cohort_year", "outcome"])
    )
    members = con.create_table(
        "cohort_members", cohort_members(cohorts, sy, years=years), temp=True
    )
    reached = years[HIGH_SCHOOL_YEARS - 1 :]
    if not reached or members.count().to_pyarrow().as_py() == 0:
        return pd.DataFrame()
    return compute_cells(
        members,
        indicators=cohort_indicators.INDICATORS,
        years=reached,
        school_geo=school_geo,
        geo_ids=geo_ids,
    )


def _kindergarten_cells(
    sy: ibis.Table, years: list[str], school_geo: pd.DataFrame, geo_ids: dict[str, list[str]]
) -> pd.DataFrame:
    """Late IEP cells of the kindergarten cohorts whose five years are in the data."""
    if "iep_rank" not in sy.columns or len(years) < KINDERGARTEN_YEARS:
        return pd.DataFrame()
    members = kindergarten_cohort(sy, years=years)
    return compute_cells(
        members,
        indicators=iep.INDICATORS,
        years=years[KINDERGARTEN_YEARS - 1 :],
        school_geo=school_geo,
        geo_ids=geo_ids,
    )


def compute(
    config: Config, extract: Extract, internal: Mapping[str, Geography] | None = None
) -> pd.DataFrame:
    """Every cell with its numerator and denominator, and the geography's name.

    ``internal`` layers (a redrawn layer's previous geographies, for the protection
    stage only; ``extract.schools`` has a column for each) get the student cells of
    any layer, and no counts of places."""
    years = school_years(extract)
    internal = dict(internal or {})
    published = [layer.name for layer in config.layers if layer.name in extract.layers]
    layers = {**{name: extract.layers[name] for name in published}, **internal}
    school_geo = extract.schools[["school_id", *layers]]
    geo_ids = {name: list(geo.frame["geo_id"]) for name, geo in layers.items()}
    with connect() as con:
        hours = ohio.HOURS_COLUMNS
        needed = [c for c in extract.enrollment.column_names if c in (*SPELL_COLUMNS, *hours)]
        spells = register(con, "enrollment", extract.enrollment.select(needed))
        sy = student_years(spells, years=years, priority=config.housing.priority)
        sy = con.create_table("student_years", sy, temp=True)
        indicators = active_indicators(config, set(sy.columns))
        cells = compute_cells(
            sy, indicators=indicators, years=years, school_geo=school_geo, geo_ids=geo_ids
        )
        cells = pd.concat(
            [cells, _kindergarten_cells(sy, years, school_geo, geo_ids)], ignore_index=True
        )
        ohio_params = pack_parameters(config).get("ohio")
        if ohio_params is not None and not missing_fields(ohio.PACK, extract.enrollment):
            unit_cells = ohio_cells(
                con,
                spells,
                sy,
                school_geo=school_geo,
                geo_ids=geo_ids,
                years=years,
                params=ohio_params,
            )
            cells = pd.concat([cells, unit_cells], ignore_index=True)
        if extract.cohorts is not None and extract.cohorts.num_rows:
            cells = pd.concat(
                [cells, _cohort_cells(con, extract, sy, years, school_geo, geo_ids)],
                ignore_index=True,
            )
    places = place_cells(
        {"shelters": extract.shelters, "resources": extract.resources},
        {name: extract.layers[name] for name in published},
        years,
    )
    cells = pd.concat([cells, places], ignore_index=True)
    names = pd.concat(
        [
            pd.DataFrame(
                {"layer": name, "geo_id": geo.frame["geo_id"], "geo_name": geo.frame["geo_name"]}
            )
            for name, geo in {**extract.layers, **internal}.items()
        ]
        + [
            pd.DataFrame(
                {"layer": [CITY_LAYER], "geo_id": [CITY_LAYER], "geo_name": [config.city_name]}
            ),
            pd.DataFrame(
                {
                    "layer": SCHOOL_LAYER,
                    "geo_id": extract.schools["school_id"],
                    "geo_name": extract.schools["school_name"],
                }
            ),
        ],
        ignore_index=True,
    )
    return cells.merge(names, on=["layer", "geo_id"], how="left")
