"""The data files of a release -> ``data/datapackage.json``, a Frictionless data package.

Every file under ``data/`` is a resource with its size and SHA-256; tables (CSV,
Parquet) carry a schema with field types and the vocabularies of ``flag`` (the flags'
meanings) and ``category`` (the types of places) as enum constraints, repeated with
their meanings under the package's ``vocabularies``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pandas as pd

from atlas.model import (
    FLAG_LABELS,
    FLAGS,
    GRADE_BANDS,
    GROUPS,
    INDICATOR_INFO,
    LONG_COLUMNS,
    ProtectedRelease,
)
from atlas.render.tables import DATAWRAPPER_COLUMNS, WIDE_KEYS

PATH = "data/datapackage.json"
PREFIX = "data/"

_FORMATS = {
    ".csv": ("csv", "text/csv"),
    ".parquet": ("parquet", "application/vnd.apache.parquet"),
    ".xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".geojson": ("geojson", "application/geo+json"),
    ".gpkg": ("gpkg", "application/geopackage+sqlite3"),
}
_DESCRIPTIONS = {
    "year": "School year, as 2014-15",
    "layer": "Boundary layer: city, a configured layer, or school",
    "geo_id": "Id of the geography within its layer (for schools, the school id)",
    "geo_name": "Name of the geography",
    "group": "Housing group",
    "grade_band": "Grade band",
    "indicator": "Indicator id (docs/indicators.md)",
    "numerator": "Students (or places) counted; empty where withheld",
    "denominator": "Students the rate is on; empty for counts and where withheld",
    "value": "The number: a count, a rank, or a rate in percent; empty where none may be shown",
    "category": "Type of place (shelters and resources only); empty is all types",
    "flag": "Why a number is, or is not, shown",
    "note": "Words on the cell, if any",
}


def _name(path: str) -> str:
    stem = path.removeprefix(PREFIX)
    return re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-")


def _flag_field(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "string",
        "description": "Flag: " + "; ".join(f"{f}: {FLAG_LABELS[f]}" for f in FLAGS),
        "constraints": {"enum": list(FLAGS)},
    }


def _number_type(indicator: str) -> str:
    return "number" if INDICATOR_INFO[indicator].kind == "rate" else "integer"


def _long_schema(indicators: list[str], categories: list[str]) -> dict[str, Any]:
    types = {"numerator": "integer", "denominator": "integer", "value": "number"}
    fields: list[dict[str, Any]] = []
    for name in LONG_COLUMNS:
        field: dict[str, Any] = {
            "name": name,
            "type": types.get(name, "string"),
            "description": _DESCRIPTIONS[name],
        }
        enum = {
            "group": list(GROUPS),
            "grade_band": list(GRADE_BANDS),
            "indicator": indicators,
            "category": categories,
        }.get(name)
        if name == "flag":
            field = _flag_field(name)
            field["constraints"]["required"] = True
        elif enum is not None:
            field["constraints"] = {"enum": enum}
        if name in ("year", "layer", "geo_id", "group", "grade_band", "indicator"):
            field.setdefault("constraints", {})["required"] = True
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def _wide_schema(columns: list[str], indicator: str, categories: list[str]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    for name in columns:
        if name in WIDE_KEYS:
            field: dict[str, Any] = {
                "name": name,
                "type": "string",
                "description": _DESCRIPTIONS[name],
            }
            if name == "category":
                field["constraints"] = {"enum": categories}
        elif name.endswith("_flag"):
            field = _flag_field(name)
        else:
            field = {
                "name": name,
                "type": _number_type(indicator),
                "description": f"{INDICATOR_INFO[indicator].label}, housing group {name}",
            }
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def _datawrapper_schema(indicator: str) -> dict[str, Any]:
    types = {"value": _number_type(indicator)}
    fields = [
        _flag_field(c) if c == "flag" else {"name": c, "type": types.get(c, "string")}
        for c in DATAWRAPPER_COLUMNS
    ]
    return {"fields": fields, "missingValues": [""]}


def datapackage(files: dict[str, bytes], release: ProtectedRelease, text: pd.DataFrame) -> bytes:
    """Describe every file under ``data/`` of ``files``; paths relative to ``data/``."""
    present = set(text["indicator"])
    indicators = [i for i in INDICATOR_INFO if i in present]
    categories = sorted(c for c in set(text["category"]) if c)
    meta = release.meta
    resources = []
    for path in sorted(p for p in files if p.startswith(PREFIX) and p != PATH):
        suffix = path[path.rfind(".") :]
        fmt, mediatype = _FORMATS[suffix]
        content = files[path]
        resource: dict[str, Any] = {
            "name": _name(path),
            "path": path.removeprefix(PREFIX),
            "format": fmt,
            "mediatype": mediatype,
            "bytes": len(content),
            "hash": "sha256:" + hashlib.sha256(content).hexdigest(),
        }
        parts = path.removeprefix(PREFIX).split("/")
        if path.endswith("atlas_long.csv") or path.endswith("atlas_long.parquet"):
            resource["title"] = "Every cell of the release, one row each"
            resource["schema"] = _long_schema(indicators, categories)
            if fmt == "parquet":
                # frictionless reads Parquet through pandas, where null is NaN, and
                # cannot count its bytes: the integrity fields are left out.
                resource["schema"]["missingValues"] = ["", "nan"]
                del resource["bytes"], resource["hash"]
        elif parts[0] == "wide":
            indicator = parts[1].removesuffix(".csv")
            header = content.decode("utf-8-sig").split("\n", 1)[0].split(",")
            resource["title"] = f"{INDICATOR_INFO[indicator].label}, by housing group"
            resource["schema"] = _wide_schema(header, indicator, categories)
        elif parts[0] == "datawrapper":
            indicator = parts[1].split("-")[1]
            resource["title"] = f"{INDICATOR_INFO[indicator].label}: citywide map data"
            resource["schema"] = _datawrapper_schema(indicator)
        elif suffix == ".xlsx":
            resource["type"] = "file"
            resource["title"] = "All tables, a sheet per indicator, with data notes"
        elif suffix == ".gpkg":
            resource["type"] = "file"
            resource["title"] = f"{parts[0].removesuffix('.gpkg')}: boundaries and cells"
        elif suffix == ".geojson":
            resource["title"] = f"{parts[2].removesuffix('.geojson')} by {parts[1]}, latest year"
        if fmt == "csv":
            resource["encoding"] = "utf-8-sig" if parts[0] == "wide" else "utf-8"
        resources.append(resource)
    doc = {
        "name": _name(meta.title)[:100] or "atlas",
        "title": meta.title,
        "version": str(meta.edition),
        "licenses": [{"name": meta.licence, "title": meta.licence}] if meta.licence else [],
        "homepage": meta.url or None,
        "description": meta.citation,
        "vocabularies": {
            "flag": {f: FLAG_LABELS[f] for f in FLAGS},
            "category": categories,
        },
        "resources": resources,
    }
    doc = {k: v for k, v in doc.items() if v not in (None, "", [])}
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
