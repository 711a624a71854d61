"""atlas: atlases of student homelessness and school attendance.

Public API: :func:`build_atlas`, :func:`load_config`, ``__version__``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "build_atlas", "load_config"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `atlas --help` does not load geopandas and DuckDB.
    if name == "build_atlas":
        from atlas.pipeline import build_atlas

        return build_atlas
    if name == "load_config":
        from atlas.config import load_config

        return load_config
    raise AttributeError(name)
