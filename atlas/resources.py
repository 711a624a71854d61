"""Locate the files that ship with atlas: templates and the demo's boundaries.

In a checkout they sit at the top of the repository (``templates/``, ``boundaries/``);
in an installed wheel hatchling's ``force-include`` puts them under ``atlas/_data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """Return the folder ``templates`` or ``boundaries`` wherever this install keeps it."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"atlas is installed without its {name!r} folder")
