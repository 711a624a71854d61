"""atlas.toml -> a typed, checked :class:`Config`.

The schema is declared once, here, as dataclasses: each field's documentation sits
beside its declaration (``doc=``), and ``atlas init`` writes the commented file from it.
Unknown keys are warnings; a wrong type or value is a :class:`ConfigError` that names
the key and what it accepts. Paths in the file are relative to the file's own folder.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas.errors import ConfigError
from atlas.model import GRADES, HOUSING_STATUSES, RACES
from atlas.rules import PACK_NAMES

_MISSING = dataclasses.MISSING


def _f(default: Any = _MISSING, *, doc: str, choices: tuple[str, ...] = (), factory: Any = None):
    """Declare a config field with its documentation (and allowed values, if closed)."""
    meta = {"doc": doc, "choices": choices}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    if default is _MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class TableInput:
    """One input table: where it is and how its columns are called."""

    path: str = _f(doc="CSV or Parquet file, relative to atlas.toml")
    columns: dict[str, str] = _f(
        doc="our column name = the column's name in your file, for columns named differently",
        factory=dict,
    )


@dataclass(frozen=True)
class Inputs:
    """The extracts. enrollment, schools and shelters are required."""

    enrollment: TableInput = _f(doc="one row per student, year and school spell")
    schools: TableInput = _f(doc="one row per school, with its location")
    shelters: TableInput = _f(doc="one row per shelter, with type, capacity and location")
    cohorts: TableInput | None = _f(None, doc="high-school cohort outcomes (optional)")
    resources: TableInput | None = _f(None, doc="community resources as points (optional)")


@dataclass(frozen=True)
class Housing:
    """How the source's housing-status codes map to our groups."""

    codes: dict[str, str] = _f(
        doc="source code = one of housed, shelter, doubled_up, unsheltered, other_homeless",
        factory=dict,
    )
    by_year: dict[str, dict[str, str]] = _f(
        doc='codes that meant something else in one school year: [housing.by_year."2012-13"] '
        "source code = status; they replace [housing.codes] for that year",
        factory=dict,
    )
    priority: list[str] = _f(
        doc="when a student has several homeless statuses in a year, the first in this list wins",
        factory=lambda: ["shelter", "unsheltered", "other_homeless", "doubled_up"],
    )


@dataclass(frozen=True)
class Grades:
    """How the source's grade codes map to PK, K, 1 ... 12."""

    codes: dict[str, str] = _f(doc="source code = PK, K or 1 ... 12", factory=dict)
    by_year: dict[str, dict[str, str]] = _f(
        doc="codes that meant something else in one school year, as under [housing.by_year]",
        factory=dict,
    )


@dataclass(frozen=True)
class Race:
    """How the source's race and ethnicity codes map to ours (our own need no mapping)."""

    codes: dict[str, str] = _f(
        doc="source code = one of asian, black, hispanic, white, other", factory=dict
    )
    by_year: dict[str, dict[str, str]] = _f(
        doc="codes that meant something else in one school year, as under [housing.by_year]",
        factory=dict,
    )


@dataclass(frozen=True)
class Layer:
    """A boundary layer to report by."""

    name: str = _f(doc="the layer's id in tables and URLs, for example school_district")
    file: str = _f(doc="GeoJSON, Shapefile or GeoPackage in WGS 84, relative to atlas.toml")
    id_field: str = _f(doc="the field holding each feature's id")
    label: str = _f("", doc="what readers call one of these, for example 'School district'")
    name_field: str = _f("", doc="the field holding each feature's name (optional)")
    name_pattern: str = _f("", doc="a name built from the id, for example 'District {id}'")
    attributes: str = _f(
        "", doc="CSV keyed by the layer's id: names, neighbourhoods, parent (optional)"
    )
    attributes_id: str = _f("", doc="the id column of the attribute table")
    parent: str = _f("", doc="the layer whose features contain these, used for ranks")
    parent_field: str = _f(
        "", doc="attribute-table column naming the parent by name or id; else by position"
    )
    repair: list[str] = _f(
        doc="repairs you accept: make_valid (fix invalid polygons), dissolve (merge features "
        "sharing an id)",
        factory=list,
        choices=("make_valid", "dissolve"),
    )
    exclude: list[str] = _f(
        doc="ids that are not places where students live (parks, airports)", factory=list
    )


@dataclass(frozen=True)
class Indicators:
    """Which definitions to compute and how to publish rates."""

    chronic_absence: str = _f(
        "nyc",
        doc="the headline attendance rule pack, which district pages and chapters lead with",
        choices=PACK_NAMES,
    )
    packs: list[str] = _f(
        doc="the attendance rule packs to compute; empty: every pack whose input columns "
        "are present (validation notes a listed pack whose columns are missing)",
        factory=list,
        choices=PACK_NAMES,
    )
    rate_precision: int = _f(1, doc="decimal places of published rates (percent)")


@dataclass(frozen=True)
class Privacy:
    """Primary suppression thresholds (defaults as in the model atlas)."""

    min_count: int = _f(10, doc="counts of 1 to min_count-1 students are withheld")
    min_denominator: int = _f(30, doc="rates on fewer students are omitted for reliability")
    code_below: float = _f(5.0, doc="a rate under this percentage reads 'under 5%' ...")
    code_above: float = _f(95.0, doc="... and one over this percentage 'over 95%' ...")
    code_max_denominator: int = _f(
        1000, doc="... in a group of fewer students than this (0: never code)"
    )
    protect_gaps: bool = _f(
        True,
        doc="also protect the students outside a rate's population (students minus its "
        "denominator), or counted by one rule and not a stricter one, where those are 1 to "
        "min_count-1 (differences between geographies are always protected)",
    )
    prove_large_blocks: bool = _f(
        False,
        doc="the audit also proves, in pieces, the withheld counts of blocks too large for "
        "one linear program (minutes at full scale; see docs/privacy.md)",
    )
    fresh_audit: bool = _f(
        False,
        doc="the audit solves every program itself: it neither checks and believes the "
        "suppressor's solutions nor reuses its answers to the same programs (slower)",
    )


@dataclass(frozen=True)
class Outputs:
    """What the build writes."""

    site: bool = _f(True, doc="the website (index.html, a page per district)")
    pdf: bool = _f(True, doc="the PDF book, atlas.pdf, and one PDF per district")
    page_size: str = _f("letter", doc="paper size of the PDFs", choices=("letter", "a4"))


@dataclass(frozen=True)
class Config:
    """The whole atlas.toml."""

    title: str = _f(doc="the atlas's title, on every page")
    edition: int = _f(doc="edition year, for example 2016")
    inputs: Inputs = _f(doc="the extracts")
    layers: list[Layer] = _f(doc="boundary layers; the first is the district layer")
    housing: Housing = _f(doc="housing-status codes", factory=Housing)
    grades: Grades = _f(doc="grade codes", factory=Grades)
    race: Race = _f(doc="race and ethnicity codes", factory=Race)
    indicators: Indicators = _f(doc="indicator settings", factory=Indicators)
    privacy: Privacy = _f(doc="privacy thresholds", factory=Privacy)
    rules: dict[str, dict[str, Any]] = _f(
        doc="parameters of the attendance rule packs: [rules.ten_percent] share_percent = 10 "
        "(see docs/indicators.md for each pack's parameters)",
        factory=dict,
    )
    outputs: Outputs = _f(doc="outputs to write", factory=Outputs)
    city_name: str = _f("City", doc="what readers call the whole area, for example 'New York City'")
    publisher: str = _f("", doc="who publishes the atlas")
    licence: str = _f("", doc="licence of the published tables")
    citation: str = _f("", doc="how to cite the atlas")
    url: str = _f("", doc="where the atlas is published")
    projected_crs: str = _f(
        "", doc="projected CRS for point-in-polygon joins; empty = the local UTM zone"
    )
    output: str = _f("build", doc="folder the release is written to, relative to atlas.toml")
    reports: str = _f("reports", doc="folder for internal build reports")
    #: The folder atlas.toml sits in; set by load_config, not read from the file.
    root: Path = field(default=Path("."), metadata={"doc": "", "internal": True})
    #: Unknown keys found while loading, reported as warnings.
    unknown_keys: tuple[str, ...] = field(default=(), metadata={"doc": "", "internal": True})

    def path(self, relative: str) -> Path:
        """Resolve a path written in atlas.toml against the file's folder."""
        return (self.root / relative).resolve()

    @property
    def district_layer(self) -> Layer:
        return self.layers[0]

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


def load_config(path: str | Path = "atlas.toml", **overrides: Any) -> Config:
    """Read and check atlas.toml; keyword overrides replace top-level keys (CLI flags)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"{path}: no such file; run 'atlas init DIR' to start a project, or pass --config FILE"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from None
    raw.update({k: v for k, v in overrides.items() if v is not None})
    unknown: list[str] = []
    values = _convert(Config, raw, "", unknown, path.name)
    config = Config(**values, root=path.resolve().parent, unknown_keys=tuple(unknown))
    _check(config, path.name)
    return config


def _convert(cls: type, raw: Any, prefix: str, unknown: list[str], fname: str) -> dict:
    if not isinstance(raw, dict):
        raise ConfigError(f"{fname}: [{prefix.rstrip('.')}] must be a table; see 'atlas init'")
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    hints = typing.get_type_hints(cls)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            unknown.append(prefix + key)
            continue
        out[key] = _value(hints[key], value, prefix + key, fields[key], unknown, fname)
    for name, f in fields.items():
        if name not in out and f.default is _MISSING and f.default_factory is _MISSING:
            raise ConfigError(f"{fname}: key '{prefix}{name}' is required ({f.metadata['doc']})")
    return out


def _value(hint: Any, value: Any, key: str, f: Any, unknown: list[str], fname: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
        origin = typing.get_origin(hint)
    choices = f.metadata.get("choices", ())
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(**_convert(hint, value, key + ".", unknown, fname))
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"{fname}: key '{key}' must be a list; got {value!r}")
        if isinstance(item, type) and dataclasses.is_dataclass(item):
            return [
                item(**_convert(item, v, f"{key}[{i}].", unknown, fname))
                for i, v in enumerate(value)
            ]
        items = [_scalar(item, v, key, choices, fname) for v in value]
        return items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{fname}: key '{key}' must be a table of name = value")
        _, inner = typing.get_args(hint)
        if inner is Any:  # checked by its owner (the rule packs' parameters)
            return dict(value)
        if typing.get_origin(inner) is dict:  # a table of tables, such as by_year
            return {
                str(k): _value(inner, v, f"{key}.{k}", f, unknown, fname) for k, v in value.items()
            }
        return {str(k): _scalar(str, v, f"{key}.{k}", (), fname) for k, v in value.items()}
    return _scalar(hint, value, key, choices, fname)


def _scalar(hint: Any, value: Any, key: str, choices: tuple[str, ...], fname: str) -> Any:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    ok = isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    if hint is str and isinstance(value, int) and not isinstance(value, bool):
        value, ok = str(value), True  # ids written as numbers
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True  # 5 for 5.0
    if not ok:
        raise ConfigError(
            f"{fname}: key '{key}' must be {names.get(hint, hint.__name__)}; got {value!r}"
        )
    if choices and value not in choices:
        raise ConfigError(
            f"{fname}: key '{key}' is {value!r}; allowed values: {', '.join(choices)}"
        )
    return value


def _check(config: Config, fname: str) -> None:
    """Cross-field checks: codes, layer names and parents, coding bounds."""
    privacy = config.privacy
    if not 0 <= privacy.code_below < privacy.code_above <= 100:
        raise ConfigError(
            f"{fname}: keys 'privacy.code_below' ({privacy.code_below:g}) and "
            f"'privacy.code_above' ({privacy.code_above:g}) must be percentages with "
            "code_below under code_above"
        )
    for section, allowed in (
        ("housing", HOUSING_STATUSES),
        ("grades", GRADES),
        ("race", RACES),
    ):
        mapping = getattr(config, section)
        _check_codes(mapping.codes, allowed, f"{section}.codes", fname)
        for year, codes in mapping.by_year.items():
            if not _is_school_year(year):
                raise ConfigError(
                    f"{fname}: key '{section}.by_year.{year}' is not a school year; "
                    f'write it as "2014-15"'
                )
            _check_codes(codes, allowed, f'{section}.by_year."{year}"', fname)
    homeless = [s for s in HOUSING_STATUSES if s != "housed"]
    if sorted(config.housing.priority) != sorted(homeless):
        raise ConfigError(
            f"{fname}: key 'housing.priority' must list each of {', '.join(homeless)} once"
        )
    if not config.layers:
        raise ConfigError(f"{fname}: at least one [[layers]] (the district layer) is required")
    names = [layer.name for layer in config.layers]
    reserved = {"city", "school"}
    for layer in config.layers:
        if layer.name in reserved or names.count(layer.name) > 1:
            raise ConfigError(
                f"{fname}: layer name '{layer.name}' is reserved or used twice; rename the layer"
            )
        if layer.parent and layer.parent not in names:
            raise ConfigError(
                f"{fname}: layer '{layer.name}' has parent '{layer.parent}', which is not a "
                f"layer; allowed values: {', '.join(names)}"
            )
    _check_rules(config, fname)
    if config.indicators.rate_precision not in range(0, 4):
        raise ConfigError(
            f"{fname}: key 'indicators.rate_precision' is "
            f"{config.indicators.rate_precision}; allowed values: 0, 1, 2, 3"
        )


def _check_rules(config: Config, fname: str) -> None:
    """The headline pack is computed; [rules.*] names known packs and parameters."""
    from atlas.rules import get_pack

    listed = config.indicators.packs
    if listed and config.indicators.chronic_absence not in listed:
        raise ConfigError(
            f"{fname}: key 'indicators.chronic_absence' is "
            f"{config.indicators.chronic_absence!r}, which 'indicators.packs' leaves out; "
            "add it to the packs"
        )
    for name, overrides in config.rules.items():
        if name not in PACK_NAMES:
            raise ConfigError(
                f"{fname}: [rules.{name}] names no attendance rule pack; known packs: "
                f"{', '.join(PACK_NAMES)}"
            )
        get_pack(name).parameters(overrides)


def pack_parameters(config: Config) -> dict[str, Any]:
    """The configured packs by name, each with its parameters (defaults and overrides)."""
    from atlas.rules import get_pack

    return {
        name: get_pack(name).parameters(config.rules.get(name))
        for name in PACK_NAMES
        if name in (config.indicators.packs or PACK_NAMES)
    }


def _check_codes(codes: dict[str, str], allowed: tuple[str, ...], key: str, fname: str) -> None:
    for code, ours in codes.items():
        if ours not in allowed:
            raise ConfigError(
                f"{fname}: key '{key}.{code}' is {ours!r}; allowed values: {', '.join(allowed)}"
            )


def _is_school_year(text: str) -> bool:
    return (
        len(text) == 7
        and text[:4].isdigit()
        and text[4] == "-"
        and text[5:].isdigit()
        and (int(text[:4]) + 1) % 100 == int(text[5:])
    )


def describe(cls: type = Config, prefix: str = "") -> list[tuple[str, str, Any]]:
    """(key, documentation, default) for every field, for ``atlas init`` and the docs."""
    rows: list[tuple[str, str, Any]] = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        default = f.default if f.default is not _MISSING else None
        rows.append((prefix + f.name, f.metadata["doc"], default))
    return rows
