"""The command line: parses flags, calls the library, maps errors to exit codes.

Exit codes: 0 ok; 1 an input or config problem; 2 usage; 3 protection could not be
proven, so nothing was published.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.status import Status

from atlas import __version__
from atlas.errors import AtlasError

if TYPE_CHECKING:
    from atlas.config import Config

_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("atlas.toml"),
    show_default=True,
    help="The project's atlas.toml.",
)
_quiet_option = click.option("--quiet", is_flag=True, help="Print only problems.")
_strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
_previous_option = click.option(
    "--previous",
    type=click.Path(path_type=Path),
    default=None,
    help="The previous edition's release folder (with data/atlas_long.csv and "
    "manifest.json): what it withheld stays withheld, and both are audited together.",
)


def _build_option(purpose: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--build DIR`` (default ``build``), the atlas's folder; ``purpose`` is its help text."""
    return click.option(
        "--build",
        "build_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("build"),
        show_default=True,
        help=purpose,
    )


class _Progress:
    """Shows the running step with a spinner (rich) and each finished step with its time."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.console = Console(stderr=True, highlight=False)
        self.status: Status | None = None
        self.step: tuple[str, float] | None = None

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        self._finish_step()
        self.step = (message, time.perf_counter())
        if self.status is None:
            self.status = self.console.status(message)
            self.status.start()
        else:
            self.status.update(message)

    def _finish_step(self) -> None:
        if self.step is not None:
            message, start = self.step
            self.console.print(f"  {message} ({time.perf_counter() - start:.1f} s)")
            self.step = None

    def close(self) -> None:
        self._finish_step()
        if self.status is not None:
            self.status.stop()
            self.status = None


def _fail(exc: AtlasError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group()
@click.version_option(__version__, prog_name="atlas")
def main() -> None:
    """Build atlases of student homelessness and school attendance."""


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Start a project in DIRECTORY: a commented atlas.toml and the file layout."""
    from atlas.commands.init import init_project

    try:
        written = init_project(directory)
    except AtlasError as exc:
        _fail(exc)
    click.echo(f"Started a project in {directory}:")
    for path in written:
        click.echo(f"  {path}")
    click.echo("Put your extracts in data/, edit atlas.toml, then run 'atlas validate'.")


@main.command()
@_config_option
@_strict_option
def validate(config_path: Path, strict: bool) -> None:
    """Check the inputs and print every problem; write nothing."""
    from atlas.config import load_config
    from atlas.validate import validate as check

    try:
        extract = check(load_config(config_path), strict=strict)
    except AtlasError as exc:
        _fail(exc)
    for problem in extract.problems:
        click.echo(f"{problem.severity}: {problem}")
    click.echo(
        f"The inputs are valid: {extract.enrollment.num_rows:,} enrollment rows, "
        f"{len(extract.schools):,} schools, {len(extract.shelters):,} shelters."
    )


@main.command()
@_config_option
@_strict_option
@_quiet_option
@_previous_option
def build(config_path: Path, strict: bool, quiet: bool, previous: Path | None) -> None:
    """Build the whole atlas: website, PDF, tables and manifest."""
    from atlas.config import load_config

    try:
        _build(
            load_config(config_path),
            strict=strict,
            progress=_Progress(quiet),
            output=None,
            previous=previous,
        )
    except AtlasError as exc:
        _fail(exc)


@main.command()
@click.option(
    "--scale",
    type=click.FloatRange(min=0.001),
    default=1.0,
    show_default=True,
    help="Size of the city: 1 is New York City (about 1.1 million students).",
)
@click.option("--seed", type=int, default=2015, show_default=True, help="Random seed.")
@click.option(
    "--first-year",
    default="2010-11",
    show_default=True,
    callback=lambda _ctx, _param, value: _year(value),
    help="First of the five school years, as 2010-11.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the generated project.",
)
@_build_option("Folder for the atlas.")
@_quiet_option
@_previous_option
def demo(
    scale: float,
    seed: int,
    first_year: str,
    out: Path,
    build_dir: Path,
    quiet: bool,
    previous: Path | None,
) -> None:
    """Generate the synthetic demo city into --out and build its atlas into --build."""
    from atlas.config import load_config
    from atlas.demo import generate_city

    progress = _Progress(quiet)
    try:
        progress(f"Generating the demo city (scale {scale}, seed {seed}) in {out}")
        generate_city(out, scale=scale, seed=seed, first_year=first_year, progress=progress)
        config = load_config(out / "atlas.toml")
        _build(
            config,
            strict=True,
            progress=progress,
            output=build_dir.resolve(),
            previous=previous,
        )
    except AtlasError as exc:
        progress.close()
        _fail(exc)


@main.command()
@click.argument("indicator")
@click.option("--layer", help="Only this layer, for example school_district.")
@click.option("--group", help="Only this housing group, for example homeless.")
@click.option("--year", help="Only this school year, for example 2014-15.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (needed for xlsx); default: print.",
)
@_build_option("The built atlas to read.")
def table(
    indicator: str,
    layer: str | None,
    group: str | None,
    year: str | None,
    fmt: str,
    out: Path | None,
    build_dir: Path,
) -> None:
    """One INDICATOR's table from a built atlas: geographies by housing group."""
    from atlas.commands.table import pull_table, table_bytes

    if fmt == "xlsx" and out is None:
        raise click.UsageError("--format xlsx needs --out FILE")
    try:
        wide = pull_table(build_dir, indicator, layer=layer, group=group, year=year)
    except AtlasError as exc:
        _fail(exc)
    content = table_bytes(wide, fmt, sheet=indicator)
    if out is None:
        click.echo(content.decode("utf-8"), nl=False)
    else:
        out.write_bytes(content)
        click.echo(f"Wrote {len(wide):,} rows of {indicator} to {out}", err=True)


def _year(text: str) -> str:
    import re

    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise click.BadParameter(
            f"{text!r} is not a school year like 2010-11", param_hint="--first-year"
        )
    return text


def _build(
    config: Config,
    *,
    strict: bool,
    progress: _Progress,
    output: Path | None,
    previous: Path | None = None,
) -> None:
    from atlas.pipeline import build_atlas

    try:
        result = build_atlas(
            config, strict=strict, output=output, progress=progress, previous=previous
        )
    finally:
        progress.close()
    warnings = [p for p in result.problems if p.severity == "warning"]
    notes = [p for p in result.problems if p.severity == "note"]
    for problem in warnings:
        click.echo(f"warning: {problem}", err=True)
    if not progress.quiet:
        total = sum(result.timings.values())
        click.echo(
            f"Built the atlas in {total:.1f} s: {result.cells:,} cells, {result.files:,} files, "
            f"{len(warnings)} warning(s), {len(notes)} note(s) of accepted repairs."
        )
        click.echo(f"  Website:  {result.output / 'index.html'}")
        click.echo(f"  PDF:      {result.output / 'atlas.pdf'}")
        click.echo(f"  Table:    {result.output / 'data' / 'atlas_long.csv'}")
        click.echo(f"  Data:     {result.output / 'data' / 'datapackage.json'} (every data file)")
        click.echo(f"  Report:   {result.report}")


if __name__ == "__main__":  # pragma: no cover
    main()
