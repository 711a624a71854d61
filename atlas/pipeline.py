"""atlas.toml -> a published atlas: load, validate, join, compute, protect, render, audit,
publish, in that order and in one direction.

Everything is computed and checked in memory first; ``build/`` changes only at the end,
in one rename. A successful build writes its report (``reports/build.json``), which
holds no student id.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from atlas.audit import audit
from atlas.compute import compute, school_years
from atlas.config import Config, pack_parameters
from atlas.errors import Problem
from atlas.indicators.reach import pre_k_reach
from atlas.model import SCHOOL_LAYER, ProtectedRelease, ReleaseMeta
from atlas.protect import editions
from atlas.protect.complement import Parents, within_by_schools
from atlas.protect.ranks import ranks
from atlas.protect.report import privacy_report, write_privacy_report
from atlas.protect.stage import coding, protect_cells
from atlas.publish import manifest, publish
from atlas.render import render_release
from atlas.render.downloads import render_downloads
from atlas.rules.marks import apply_packs
from atlas.validate import Extract, validate

#: The long table's row order: stable, so that readers can diff one build with the next.
LONG_ORDER = ["year", "layer", "geo_id", "indicator", "group", "grade_band"]

BOUNDARY_ATTRIBUTION = (
    "Boundaries: New York City Department of City Planning. The City makes no "
    "representation as to the accuracy of the information or its suitability for any purpose."
)


@dataclass
class BuildResult:
    """What a build did: where it wrote, how long each stage took, what it noticed."""

    output: Path
    report: Path
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    cells: int = 0
    files: int = 0


def build_atlas(
    config: Config,
    *,
    strict: bool = False,
    output: Path | None = None,
    progress: Callable[[str], None] | None = None,
    previous: Path | None = None,
) -> BuildResult:
    """Build the whole atlas described by ``config`` into ``output`` (default: config's);
    with ``previous`` (the previous edition's release folder), protect both together
    (:mod:`atlas.protect.editions`)."""
    say = progress or (lambda _message: None)
    target = output or config.path(config.output)
    result = BuildResult(output=target, report=config.path(config.reports) / "build.json")

    @contextmanager
    def stage(name: str, message: str) -> Iterator[None]:
        say(message)
        start = time.perf_counter()
        yield
        result.timings[name] = time.perf_counter() - start

    with stage("load_validate_join", "Reading and checking the inputs"):
        prior = editions.load_previous(previous) if previous is not None else None
        extract = validate(config, strict=strict)
    result.problems = list(extract.problems)
    changed = editions.changed_layers(prior, editions.checksums(config)) if prior else []
    if prior and changed:
        result.problems.append(
            Problem(str(prior.path), editions.changed_message(changed), severity="warning")
        )
    # The previous edition's geographies of redrawn layers, for protection only: the
    # schools placed in them (``placed``) never reach the release.
    redrawn = editions.Redrawn({}, extract.schools, {})
    if prior and changed:
        redrawn = editions.redrawn_layers(prior, changed, extract.schools, config)
    placed = dataclasses.replace(extract, schools=redrawn.schools)
    with stage("compute", "Computing indicators"):
        cells = compute(config, placed, redrawn.layers)
    with stage("protect", "Protecting every cell"):
        carried = editions.carry(prior, cells, changed, redrawn.same) if prior else None
        if carried is not None and redrawn.layers:
            keep = editions.comparable(cells, carried, cells["layer"].isin(list(redrawn.layers)))
            cells, carried = cells[keep].reset_index(drop=True), carried.subset(keep)
        # Cells of the previous edition's redrawn geographies, protected, never published.
        internal = cells["layer"].isin(list(redrawn.layers))
        through_schools = editions.through_schools(carried, internal, redrawn)
        names = _layer_names(config, placed, list(redrawn.layers))
        protection = protect_cells(
            cells,
            parents=_parents(placed, names),
            schools=placed.schools[["school_id", *names]],
            privacy=config.privacy,
            precision=config.indicators.rate_precision,
            carried=carried,
            internal=internal,
            progress=say,
        )
        cells, carried = protection.cells, protection.carried
        table = pd.concat(
            [
                protection.table,
                ranks(protection.table, extract.layers[config.district_layer.name]),
                pre_k_reach(protection.table, precision=config.indicators.rate_precision),
            ],
            ignore_index=True,
        )
        # The rule packs' bands, marks and "met", and Ohio's weighted rate.
        table = apply_packs(
            cells,
            table,
            pack_parameters(config),
            precision=config.indicators.rate_precision,
            years=tuple(school_years(extract)),
        ).sort_values(LONG_ORDER, kind="stable", ignore_index=True)
    result.cells = len(table)
    release = ProtectedRelease(
        table=table,
        geographies=extract.layers,
        district_layer=config.district_layer.name,
        years=tuple(school_years(extract)),
        meta=_meta(config),
        schools=extract.schools,
    )
    with stage("render", "Rendering pages, maps and the PDF"):
        rendered = render_release(
            release,
            pdf=config.outputs.pdf,
            page_size=config.outputs.page_size,
            site=config.outputs.site,
            templates=config.path("templates"),
        )
    with stage("downloads", "Writing the tables and GIS files"):
        rendered.files |= render_downloads(release)
    with stage("audit", "Auditing every number shown, and what it reveals"):
        privacy = privacy_report(
            cells,
            table,
            protection.primary,
            protection.withheld,
            carried=None if carried is None else carried.withheld,
        )
        if prior and carried is not None:
            privacy["previous_edition"] = editions.summary(
                prior, carried, protection.known, protection.primary, through_schools
            )
        try:
            audit(
                rendered,
                table,
                config=config,
                system=(protection.system, protection.system_cells),
                report=privacy,
                witnesses=protection.witnesses,
            )
        finally:
            write_privacy_report(privacy, config.path(config.reports))
    with stage("publish", f"Publishing to {target}"):
        rendered.files["manifest.json"] = manifest(
            config, rule_pack=config.indicators.chronic_absence
        )
        publish(rendered.files, target)
    result.files = len(rendered.files)
    _write_report(result, extract)
    return result


def _coding_words(config: Config) -> str:
    privacy = config.privacy
    if coding(privacy) is None:
        return ""
    return (
        f"In groups of fewer than {privacy.code_max_denominator:,} students, a rate under "
        f"{privacy.code_below:g}% reads “under {privacy.code_below:g}%” and one over "
        f"{privacy.code_above:g}% “over {privacy.code_above:g}%”, because it would "
        "say something about nearly every student in the group."
    )


def _layer_names(config: Config, extract: Extract, internal: list[str]) -> list[str]:
    """The layers the release computes, in config order, then the ``internal`` ones."""
    return [*(layer.name for layer in config.layers if layer.name in extract.layers), *internal]


def _parents(extract: Extract, names: list[str]) -> Parents:
    """Each nested layer's parent ids by geo_id (one Series, named by the parent layer),
    and the geographies of other layers each lies within by its schools
    (:func:`atlas.protect.complement.within_by_schools`); schools' by the geography of
    every layer they lie in (a Series a layer); for the layers ``names``."""
    parents: dict[str, list[pd.Series]] = {}
    for name, geo in extract.layers.items():
        if geo.parent:
            series = geo.frame.set_index("geo_id")["parent_id"].dropna()
            parents[name] = [series.rename(geo.parent)]
    for layer, within in within_by_schools(extract.schools, names, parents).items():
        parents.setdefault(layer, []).extend(within)
    schools = extract.schools.set_index("school_id")
    parents[SCHOOL_LAYER] = [schools[name].dropna().astype(str).rename(name) for name in names]
    return parents


def _meta(config: Config) -> ReleaseMeta:
    return ReleaseMeta(
        title=config.title,
        edition=config.edition,
        publisher=config.publisher,
        licence=config.licence,
        citation=config.citation,
        url=config.url,
        chronic_absence_rule=config.indicators.chronic_absence,
        min_count=config.privacy.min_count,
        min_denominator=config.privacy.min_denominator,
        rate_precision=config.indicators.rate_precision,
        city_name=config.city_name,
        attribution=(BOUNDARY_ATTRIBUTION,),
        rule_parameters=dict(pack_parameters(config)),
        coding=_coding_words(config),
    )


def _write_report(result: BuildResult, extract: Extract) -> None:
    """reports/build.json: warnings, notes, counts of records and places per layer."""
    per_layer = {
        name: {
            "geographies": int(len(geo.frame)),
            "schools": int(extract.schools[name].notna().sum()),
            "shelters": int(extract.shelters[name].notna().sum())
            if name in extract.shelters.columns
            else 0,
        }
        for name, geo in extract.layers.items()
    }
    report = {
        "output": str(result.output),
        "records": {
            "enrollment_rows": extract.enrollment.num_rows,
            "cohort_rows": extract.cohorts.num_rows if extract.cohorts is not None else 0,
            "schools": int(len(extract.schools)),
            "shelters": int(len(extract.shelters)),
        },
        "layers": per_layer,
        "cells": result.cells,
        "files": result.files,
        "warnings": [str(p) for p in extract.warnings],
        "notes": [str(p) for p in extract.notes],
        "timings_seconds": {k: round(v, 2) for k, v in result.timings.items()},
    }
    result.report.parent.mkdir(parents=True, exist_ok=True)
    result.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
