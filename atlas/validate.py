"""Loaded inputs -> a checked :class:`Extract`, or one error listing every problem.

Reads every table and layer (``load``, ``boundaries``), places schools and shelters
(``join``), and checks what the records say against each other: codes, ids, ranges.
Every problem is collected first; then errors (and warnings, with ``strict``) fail the
run once, with all of them. No message carries a student id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from atlas import checks
from atlas.boundaries import read_layers
from atlas.config import Config
from atlas.errors import InputError, Problem
from atlas.join import locate
from atlas.load import read_table, row_list, rows_where
from atlas.model import GRADES, RACES, Geography
from atlas.rules import get_pack, missing_fields

OUTCOMES = ("graduated", "dropped_out", "still_enrolled", "left_system")


@dataclass
class Extract:
    """Everything the inputs hold, checked and typed, ready to join and compute."""

    enrollment: pa.Table  # housing_status and grade mapped to our codes
    schools: pd.DataFrame  # one column per layer with the school's geo_id
    shelters: pd.DataFrame  # one column per layer with the shelter's geo_id
    layers: dict[str, Geography]
    cohorts: pa.Table | None = None
    resources: pd.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "note"]


def validate(config: Config, *, strict: bool = False) -> Extract:
    """Read and check every input; raise :class:`InputError` with all problems at once."""
    problems: list[Problem] = [
        Problem("atlas.toml", f"unknown key '{key}' is ignored", "check its spelling", "warning")
        for key in config.unknown_keys
    ]
    tables: dict[str, pa.Table | None] = {}
    for name in ("enrollment", "schools", "shelters", "cohorts", "resources"):
        spec = getattr(config.inputs, name)
        if spec is None:
            tables[name] = None
            continue
        tables[name], found = read_table(config, name, spec)
        problems += found
    layers, found = read_layers(config)
    problems += found

    schools = shelters = resources = None
    enrollment = tables["enrollment"]
    if tables["schools"] is not None:
        schools = tables["schools"].to_pandas()
        problems += _unique(schools, "school_id", config.inputs.schools.path)
        problems += _known_districts(schools, layers, config)
        if config.district_layer.name in layers:
            schools, found = locate(
                schools,
                layers,
                config=config,
                fname=_name(config.inputs.schools.path),
                what="schools",
                attribute_layer=config.district_layer.name,
            )
            problems += found
    if tables["shelters"] is not None:
        shelters, found = _places(tables["shelters"], "shelters", layers, config)
        problems += found
    if tables["resources"] is not None:
        assert config.inputs.resources is not None
        resources, found = _places(tables["resources"], "resources", layers, config)
        problems += found
    if enrollment is not None:
        enrollment, found = _check_enrollment(enrollment, config, schools, shelters)
        problems += found
        fname = _name(config.inputs.enrollment.path)
        problems += checks.enrollment_consistency(enrollment, fname)
        problems += checks.shelter_ids_present(enrollment, fname)
        problems += _pack_fields(enrollment, config, fname)
        years = set(pc.unique(enrollment["school_year"]).to_pylist())
        for what, frame in (("shelters", shelters), ("resources", resources)):
            if frame is not None:
                spec = getattr(config.inputs, what)
                problems += _years_known(frame, years, _name(spec.path))
    if tables["cohorts"] is not None:
        problems += _check_cohorts(tables["cohorts"], config)
        if enrollment is not None:
            assert config.inputs.cohorts is not None
            problems += checks.cohort_members_in_ninth_grade(
                tables["cohorts"], enrollment, _name(config.inputs.cohorts.path)
            )

    errors = [p for p in problems if p.severity == "error"]
    if strict:
        errors += [p for p in problems if p.severity == "warning"]
    if errors or enrollment is None or schools is None or shelters is None:
        warnings = [p for p in problems if p.severity == "warning" and p not in errors]
        raise InputError(errors + warnings)
    return Extract(
        enrollment=enrollment,
        schools=schools,
        shelters=shelters,
        layers=layers,
        cohorts=tables["cohorts"],
        resources=resources,
        problems=problems,
    )


def _pack_fields(enrollment: pa.Table, config: Config, fname: str) -> list[Problem]:
    """The headline attendance rule pack and those listed in ``[indicators] packs``,
    where the extract lacks their columns: an error for the headline pack, a note for the
    others (they are left out). Unlisted packs are computed where their columns are."""
    problems = []
    headline = config.indicators.chronic_absence
    for name in dict.fromkeys([headline, *config.indicators.packs]):
        missing = missing_fields(get_pack(name), enrollment)
        if not missing:
            continue
        columns = ", ".join(missing)
        if name == config.indicators.chronic_absence:
            problems.append(
                Problem(
                    fname,
                    f"the headline attendance rule pack {name!r} needs the column(s) "
                    f"{columns}, which the extract lacks or leaves empty",
                    "add them (or map them under [inputs.enrollment.columns]), or choose "
                    "another pack under [indicators] chronic_absence",
                )
            )
        else:
            problems.append(
                Problem(
                    fname,
                    f"attendance rule pack {name!r} is not computed: it needs the column(s) "
                    f"{columns}, which the extract lacks or leaves empty",
                    "add them to compute it",
                    "note",
                )
            )
    return problems


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _unique(frame: pd.DataFrame, column: str, path: str) -> list[Problem]:
    """Ids listed twice (twice for one school year, when the table has years)."""
    by_year = "school_year" in frame.columns
    keys = [column, "school_year"] if by_year else [column]
    dup = frame.duplicated(subset=keys, keep="first").to_numpy()
    if not dup.any():
        return []
    rows = dup.nonzero()[0]
    same = " for the same school_year" if by_year else ""
    return [
        Problem(
            f"{_name(path)} {row_list(rows)}",
            f"{column} repeats an id listed on an earlier row{same}",
            f"keep one row per id{' and year' if by_year else ''}",
        )
    ]


#: The id column of each table of places.
_PLACE_IDS = {"shelters": "shelter_id", "resources": "resource_id"}


def _places(
    table: pa.Table, what: str, layers: dict[str, Geography], config: Config
) -> tuple[pd.DataFrame, list[Problem]]:
    """Shelters or resources: unique ids, no negative capacity, placed in every layer."""
    path = getattr(config.inputs, what).path
    frame = table.to_pandas()
    problems = _unique(frame, _PLACE_IDS[what], path)
    kind = f"{what[:-1]}_type"  # shelter_type, resource_type: the long table's category
    blank = (frame[kind].notna() & (frame[kind].astype(str).str.strip() == "")).to_numpy()
    if blank.any():
        problems.append(
            Problem(
                f"{_name(path)} {row_list(blank.nonzero()[0])}",
                f"column '{kind}' is empty",
                "fill it in, or drop these rows from the extract",
            )
        )
    if "capacity_units" in frame.columns:
        negative = (frame["capacity_units"] < 0).to_numpy()
        if negative.any():
            problems.append(
                Problem(
                    f"{_name(path)} {row_list(negative.nonzero()[0])}",
                    "capacity_units is negative",
                    "correct the capacity (family units, 0 or more)",
                )
            )
    if config.district_layer.name in layers:
        frame, found = locate(frame, layers, config=config, fname=_name(path), what=what)
        problems += found
    return frame, problems


def _years_known(frame: pd.DataFrame, years: set[str], fname: str) -> list[Problem]:
    """Rows of a table of places dated in a year the enrollment records do not have."""
    if "school_year" not in frame.columns:
        return []
    other = (frame["school_year"].notna() & ~frame["school_year"].isin(years)).to_numpy()
    if not other.any():
        return []
    shown = ", ".join(sorted(set(frame.loc[other, "school_year"]))[:5])
    return [
        Problem(
            f"{fname} {row_list(other.nonzero()[0])}",
            f"school_year {shown} is not a year of the enrollment records; these rows "
            "are not counted",
            "correct the year, or leave these rows out",
            "warning",
        )
    ]


def _known_districts(
    schools: pd.DataFrame, layers: dict[str, Geography], config: Config
) -> list[Problem]:
    layer = config.district_layer.name
    if layer not in layers:
        return []
    known = set(layers[layer].frame["geo_id"])
    unknown = ~schools["district"].isin(known).to_numpy()
    if not unknown.any():
        return []
    rows = unknown.nonzero()[0]
    codes = ", ".join(sorted(set(schools.loc[unknown, "district"]))[:5])
    return [
        Problem(
            f"{_name(config.inputs.schools.path)} {row_list(rows)}",
            f"district {codes} is not in the {layer} layer or its attribute table",
            "correct the district, or add it to the layer's attribute table",
        )
    ]


def _lookup(
    column: pa.ChunkedArray, mapping: dict[str, str]
) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """(our codes, unknown mask) of ``column`` through ``mapping``."""
    index = pc.index_in(column, value_set=pa.array(list(mapping), pa.string()))
    unknown = pc.and_(pc.is_valid(column), pc.is_null(index))
    return pc.take(pa.array(list(mapping.values()), pa.string()), index), unknown


def _map_codes(
    table: pa.Table,
    name: str,
    mapping: dict[str, str],
    by_year: dict[str, dict[str, str]],
    where: str,
    todo: str,
) -> tuple[pa.ChunkedArray, list[Problem]]:
    """Map the source codes of column ``name`` to ours: through ``mapping``, and for the
    rows of a school year in ``by_year`` through that year's codes first. Unknown codes
    are one problem naming the rows, the codes and the years they appear in."""
    column = table[name]
    mapped, unknown = _lookup(column, mapping)
    for year, codes in by_year.items():
        in_year = pc.fill_null(pc.equal(table["school_year"], year), False)
        mapped_y, unknown_y = _lookup(column, mapping | codes)
        mapped = pc.if_else(in_year, mapped_y, mapped)
        unknown = pc.if_else(in_year, unknown_y, unknown)
    if not pc.any(unknown).as_py():
        return mapped, []
    rows = rows_where(unknown)
    codes_found = sorted(set(pc.filter(column, unknown).unique().to_pylist()))
    shown = ", ".join(repr(c) for c in codes_found[:5])
    years = sorted(y for y in pc.filter(table["school_year"], unknown).unique().to_pylist() if y)
    in_years = f" (school year {', '.join(years[:5])})" if by_year and years else ""
    return mapped, [
        Problem(f"{where} {row_list(rows)}", f"{name} {shown} is not a known code{in_years}", todo)
    ]


def _check_enrollment(
    table: pa.Table,
    config: Config,
    schools: pd.DataFrame | None,
    shelters: pd.DataFrame | None,
) -> tuple[pa.Table, list[Problem]]:
    fname = _name(config.inputs.enrollment.path)
    problems: list[Problem] = []
    housing, found = _map_codes(
        table,
        "housing_status",
        config.housing.codes,
        config.housing.by_year,
        fname,
        "map it under [housing.codes] in atlas.toml",
    )
    problems += found
    grade_map = {g: g for g in GRADES} | config.grades.codes
    grade, found = _map_codes(
        table,
        "grade",
        grade_map,
        config.grades.by_year,
        fname,
        "use PK, K, 1 ... 12, or map it under [grades.codes] in atlas.toml",
    )
    problems += found
    optional_codes = (
        (
            "iep_grade",
            grade_map,
            config.grades.by_year,
            "use PK, K, 1 ... 12 (the grade codes), or map it under [grades.codes] in atlas.toml",
        ),
        (
            "race_ethnicity",
            {r: r for r in RACES} | config.race.codes,
            config.race.by_year,
            "use asian, black, hispanic, white, other, or map it under [race.codes] in atlas.toml",
        ),
    )
    for column, codes, by_year, hint in optional_codes:
        if column not in table.column_names:
            continue
        mapped, found = _map_codes(table, column, codes, by_year, fname, hint)
        problems += found
        table = table.set_column(table.schema.get_field_index(column), column, mapped)
    table = table.set_column(
        table.schema.get_field_index("housing_status"), "housing_status", housing
    )
    table = table.set_column(table.schema.get_field_index("grade"), "grade", grade)
    if schools is not None:
        problems += _known_ids(
            table["school_id"],
            schools["school_id"],
            fname,
            "school_id",
            "schools",
            config.inputs.schools.path,
        )
    if shelters is not None and "shelter_id" in table.column_names:
        problems += _known_ids(
            table["shelter_id"],
            shelters["shelter_id"],
            fname,
            "shelter_id",
            "shelters",
            config.inputs.shelters.path,
        )
    for column in ("days_enrolled", "days_absent", "days_suspended"):
        negative = pc.less(table[column], 0)
        if pc.any(negative).as_py():
            problems.append(
                Problem(
                    f"{fname} {row_list(rows_where(negative))}",
                    f"{column} is negative",
                    "correct these values",
                )
            )
    for column in ("ela_level", "math_level"):
        if column in table.column_names:
            outside = pc.or_(pc.less(table[column], 1), pc.greater(table[column], 4))
            if pc.any(outside).as_py():
                problems.append(
                    Problem(
                        f"{fname} {row_list(rows_where(outside))}",
                        f"{column} is outside 1-4",
                        "use test levels 1 to 4, empty when not tested",
                    )
                )
    return table, problems


def _known_ids(
    column: pa.ChunkedArray, known: pd.Series, fname: str, label: str, table: str, path: str
) -> list[Problem]:
    unknown = pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, pa.array(known))))
    if not pc.any(unknown).as_py():
        return []
    rows = rows_where(unknown)
    codes = sorted(set(pc.filter(column, unknown).unique().to_pylist()))
    return [
        Problem(
            f"{fname} {row_list(rows)}",
            f"{label} {', '.join(map(repr, codes[:5]))} is not in {_name(path)}",
            f"add the {table[:-1]} to {_name(path)}, or correct the id",
        )
    ]


def _check_cohorts(table: pa.Table, config: Config) -> list[Problem]:
    assert config.inputs.cohorts is not None
    fname = _name(config.inputs.cohorts.path)
    unknown = pc.invert(pc.is_in(table["outcome"], pa.array(OUTCOMES)))
    if not pc.any(unknown).as_py():
        return []
    return [
        Problem(
            f"{fname} {row_list(rows_where(unknown))}",
            "outcome is not one of " + ", ".join(OUTCOMES),
            "map the outcomes to these codes",
        )
    ]
