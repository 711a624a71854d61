"""A folder -> a new atlas project: a commented atlas.toml and the expected layout.

The comments come from the schema in ``atlas.config``, so the file documents exactly
the keys the loader accepts.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path

from atlas.config import Config, Inputs, Layer, TableInput
from atlas.errors import ConfigError

_EXAMPLE = {
    "title": "On the Map: The Atlas of Student Homelessness",
    "edition": 2016,
    "city_name": "New York City",
    "inputs.enrollment.path": "data/enrollment.csv",
    "inputs.schools.path": "data/schools.csv",
    "inputs.shelters.path": "data/shelters.csv",
    "inputs.cohorts.path": "data/cohorts.csv",
    "inputs.resources.path": "data/resources.csv",
    "layers.name": "school_district",
    "layers.file": "boundaries/school_districts.geojson",
    "layers.id_field": "SchoolDist",
    "layers.label": "School district",
    "layers.name_pattern": "District {id}",
    "housing.codes": {
        "PH": "housed",
        "DHS": "shelter",
        "DBL": "doubled_up",
        "UNS": "unsheltered",
        "HMO": "other_homeless",
    },
}
_SKIP = {"root", "unknown_keys"}


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


def _table(cls: type, prefix: str, lines: list[str], *, array: bool = False) -> None:
    hints = typing.get_type_hints(cls)
    nested = []
    header = f"[[{prefix}]]" if array else f"[{prefix}]"
    if prefix:
        lines += ["", f"# {cls.__doc__}", header]
    for f in dataclasses.fields(cls):
        if f.name in _SKIP:
            continue
        hint = hints[f.name]
        optional = typing.get_origin(hint) in (typing.Union, types.UnionType)
        target = typing.get_args(hint)[0] if optional else hint
        if dataclasses.is_dataclass(target) or target == list[Layer]:
            nested.append((f.name, target))
            continue
        key = f"{prefix}.{f.name}" if prefix else f.name
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = ""
        value = _EXAMPLE.get(key, default)
        choices = f.metadata.get("choices")
        doc = f.metadata["doc"] + (f" (allowed: {', '.join(choices)})" if choices else "")
        lines.append(f"# {doc}" + (" [required]" if required else ""))
        lines.append(f"{f.name} = {_toml(value)}")
    for name, target in nested:
        path = f"{prefix}.{name}" if prefix else name
        if target == list[Layer]:
            _table(Layer, path, lines, array=True)
        elif target is Inputs:
            lines += ["", f"# {Inputs.__doc__}"]
            for table in dataclasses.fields(Inputs):
                _table(TableInput, f"{path}.{table.name}", lines)
        else:
            _table(target, path, lines)


def commented_config() -> str:
    """The text of a commented atlas.toml with every key and its documentation."""
    lines = [
        "# atlas.toml: one file describes one atlas. Paths are relative to this file.",
        "# Every key is listed with its documentation; remove the optional ones you",
        "# do not use. See docs/inputs.md for the columns of each input file.",
        "",
    ]
    _table(Config, "", lines)
    return "\n".join(lines) + "\n"


def init_project(directory: Path) -> list[Path]:
    """Write atlas.toml and the folders data/, boundaries/ and templates/."""
    target = directory / "atlas.toml"
    if target.exists():
        raise ConfigError(f"{target} already exists; choose an empty folder")
    written = []
    for folder in ("data", "boundaries", "templates"):
        (directory / folder).mkdir(parents=True, exist_ok=True)
        written.append(directory / folder)
    target.write_text(commented_config(), encoding="utf-8")
    written.insert(0, target)
    return written
