"""Errors that atlas raises, each mapped to an exit code at the command line.

Every message names the file, the row or key, and what to do next. None carries a
student id.
"""

from __future__ import annotations

from dataclasses import dataclass


class AtlasError(Exception):
    """Base of every error atlas raises on purpose; exit code 1."""

    exit_code = 1


class ConfigError(AtlasError):
    """atlas.toml is missing, unreadable, or has a wrong key, type or value."""


@dataclass(frozen=True)
class Problem:
    """One problem found in the inputs: where it is, what is wrong, what to do."""

    where: str  # "enrollment.csv row 4812" or "atlas.toml [housing.codes]"
    what: str
    todo: str = ""
    severity: str = "error"  # "error" | "warning" | "note"

    def __str__(self) -> str:
        todo = f"; {self.todo}" if self.todo else ""
        return f"{self.where}: {self.what}{todo}"


class InputError(AtlasError):
    """The inputs have one or more problems; all of them are listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = [f"{len(problems)} problem(s) in the inputs:"]
        lines += [
            f"  - {p}" if p.severity == "error" else f"  - ({p.severity}) {p}" for p in problems
        ]
        super().__init__("\n".join(lines))


class ProtectionError(AtlasError):
    """Protection could not be proven for the release, so nothing was published; exit 3."""

    exit_code = 3
