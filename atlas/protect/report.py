"""The internal privacy report: ``reports/privacy.json`` and ``reports/privacy.html``.

It lives in the project's reports folder, never in ``build/``: it tells which cells the
primary rule withheld, which a reader of the release must not learn. It gives cells
withheld by reason, what protection costs each housing group (cells and students
whose numbers are hidden, per indicator and layer), and the audit's result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from atlas.model import GROUP_LABELS, GROUPS

REASONS = ("privacy", "complement", "reliability")
#: Withheld because the previous edition withheld the same cell (atlas.protect.editions).
PREVIOUS = "previous edition"
_HIDDEN = ("privacy", "complement", PREVIOUS)


def privacy_report(
    cells: pd.DataFrame,
    table: pd.DataFrame,
    primary: pd.Series,
    withheld: pd.Series,
    carried: pd.Series | None = None,
) -> dict[str, Any]:
    """Counts of withheld cells by reason and the students behind them, per group.

    ``carried``: cells withheld because the previous edition withheld them (reason
    "previous edition", unless the primary rule withholds them too)."""
    frame = cells[["indicator", "layer", "group"]].copy()
    complement = withheld.reindex(cells.index, fill_value=False) & ~primary
    frame["reason"] = None
    frame.loc[primary, "reason"] = "privacy"
    frame.loc[complement, "reason"] = "complement"
    if carried is not None:
        frame.loc[carried.reindex(cells.index, fill_value=False) & ~primary, "reason"] = PREVIOUS
    keys = ["year", "layer", "geo_id", "group", "grade_band", "indicator"]
    omitted = (
        cells[keys]
        .merge(
            table.loc[table["flag"] == "omitted_reliability", keys].assign(_o=True),
            on=keys,
            how="left",
        )["_o"]
        .fillna(False)
        .to_numpy(bool)
    )
    frame.loc[omitted & frame["reason"].isna().to_numpy(), "reason"] = "reliability"
    # Students whose number is hidden: a count's students, a rate's denominator.
    den = cells["denominator"].astype(float)
    frame["students"] = den.where(den.notna(), cells["numerator"].astype(float)).fillna(0)
    hidden = frame[frame["reason"].isin(_HIDDEN)]
    by_group = (
        frame.assign(hidden=frame["reason"].isin(_HIDDEN))
        .groupby("group")
        .agg(cells=("hidden", "size"), withheld=("hidden", "sum"))
    )
    by_group["share_withheld"] = (by_group["withheld"] / by_group["cells"]).round(4)
    detail = (
        hidden.groupby(["group", "indicator", "layer", "reason"])
        .agg(cells=("students", "size"), students=("students", "sum"))
        .reset_index()
    )
    return {
        "cells": int(len(cells)),
        "withheld_by_reason": {
            r: int((frame["reason"] == r).sum())
            for r in (REASONS if carried is None else (*REASONS, PREVIOUS))
        },
        "by_group": [
            {
                "group": g,
                "label": GROUP_LABELS.get(str(g), str(g)),
                "cells": int(row["cells"]),
                "withheld": int(row["withheld"]),
                "share_withheld": float(row["share_withheld"]),
            }
            for g, row in by_group.reindex([g for g in GROUPS if g in by_group.index]).iterrows()
        ],
        "hidden": [_plain(r) for _, r in detail.iterrows()],
        "audit": {},
    }


def _plain(row: pd.Series) -> dict[str, Any]:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


_HTML = jinja2.Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Privacy report (internal)</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse}
td,th{border-bottom:1px solid #ccc;padding:.2rem .6rem;text-align:right}
td:first-child,th:first-child{text-align:left}.fail{color:#a00}</style></head><body>
<h1>Privacy report</h1>
<p><strong>Internal: do not publish.</strong> It says which cells the primary rule withheld.</p>
<h2>Audit</h2>
{% if report.audit.passed %}{% set a = report.audit %}<p>Passed, on
{{ "{:,}".format(a.targets) }} withheld counts and differences of 1 to {{ a.min_count - 1 }}
students that no cell shows ({{ "{:,}".format(a.differences) }} of them differences;
{{ a.seconds }} s). {{ "{:,}".format(a.targets - a.by_equation_only) }} were proven by linear
programming: none can be narrowed to fewer than {{ a.min_count }} possible values{% if
a.proven_in_pieces %} ({{ "{:,}".format(a.proven_in_pieces) }} of them in pieces of blocks
too large to solve whole, the student counts first held at their true values, then
moved){% endif %}{% if a.proven_by_checked_solutions %}; for {{
"{:,}".format(a.proven_by_checked_solutions) }} of them the proof is a solution the
suppressor found, which the audit checked against every equation and bound{% endif %}{%
if a.fresh %}; the audit took nothing from the suppressor and solved every program
itself{% endif %}.
{% if a.by_equation_only %}<strong>{{ "{:,}".format(a.by_equation_only) }} were not proven
safe</strong>: they lie in blocks too large to solve. They were checked equation by equation,
which finds what one published equation gives away; by linear algebra over each whole
block, which finds every count the equations give away exactly; and in pieces of two
relaxations (the rates with every equation holding a student count dropped; the student
counts with their own equations only), which find some of what several equations and the
bounds (no count below zero) give away together, but not all.{% endif %}</p>
{% else %}<p class="fail">Failed: {{ report.audit.exposures|length }} withheld count(s) can be
narrowed too far. Nothing was published.</p>
<ul>{% for e in report.audit.exposures[:500] %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}
{% if report.previous_edition %}{% set p = report.previous_edition %}
<h2>The previous edition</h2>
<p>Protected together with the previous edition ({{ p.path }}, edition {{ p.edition }}):
{{ "{:,}".format(p.withheld_before) }} cells it withheld stay withheld
({{ "{:,}".format(p.carried) }} of them the primary rule would publish now).
{{ "{:,}".format(p.known_quantities) }} counts it published with today's value are known
to readers and were treated as published;
{{ "{:,}".format(p.corrected_quantities) }} counts it published with another value (data
corrected since) were not matched.</p>
{% if p.changed_layers %}{% set r = p.redrawn_geography_cells %}<p>Boundary files changed
since then for {{ p.changed_layers|join(", ") }}: their ids may no longer name the same
places, so the previous geographies were related to today's through their schools.
{% for layer, m in r.same_schools.items() %}{{ layer }}: {{ m.same_schools_as_today }} of
{{ m.geographies }} previous geographies hold exactly the schools of one of today's, and
were matched with it. {% endfor %}All of them were computed from today's records and
protected with this edition ({{ "{:,}".format(r.cells) }} cells, never published;
{{ "{:,}".format(r.withheld_before) }} withheld before, kept hidden).</p>{% endif %}{% endif %}
<h2>Cells withheld, by reason</h2>
<table><tr><th>Reason</th><th>Cells</th></tr>
{% for r, n in report.withheld_by_reason.items() %}
<tr><td>{{ r }}</td><td>{{ "{:,}".format(n) }}</td></tr>{% endfor %}
<tr><td>of all cells</td><td>{{ "{:,}".format(report.cells) }}</td></tr></table>
<h2>What protection costs each housing group</h2>
<table><tr><th>Group</th><th>Cells</th><th>Withheld</th><th>Share</th></tr>
{% for g in report.by_group %}
<tr><td>{{ g.label }}</td><td>{{ "{:,}".format(g.cells) }}</td>
<td>{{ "{:,}".format(g.withheld) }}</td>
<td>{{ "%.1f"|format(100 * g.share_withheld) }}%</td></tr>{% endfor %}</table>
<p>Students whose numbers are hidden, per group, indicator, layer and reason, are in
<code>privacy.json</code> (<code>hidden</code>).</p>
</body></html>
""",
    autoescape=True,
)


def write_privacy_report(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "privacy.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (folder / "privacy.html").write_text(_HTML.render(report=report), encoding="utf-8")
