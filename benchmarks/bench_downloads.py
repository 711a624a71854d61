"""Time the downloads stage (tables, workbook, GIS, data package) and the audit's read-back
of them, on a release that is already built, and report the size of each kind of file.

    .venv/bin/python benchmarks/bench_downloads.py --project demo --build build

It reads the published long table and the project's boundaries (as the build does), so
it measures the stage alone, without running the whole pipeline again.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from atlas.audit.downloads import check_downloads
from atlas.boundaries import read_layers
from atlas.config import load_config
from atlas.model import ProtectedRelease
from atlas.pipeline import _meta
from atlas.render.downloads import render_downloads


def _kind(path: str) -> str:
    parts = path.split("/")
    return (
        parts[1]
        if len(parts) > 2 and parts[1] in ("wide", "datawrapper")
        else ("gis " + path.rsplit(".", 1)[1] if parts[1] == "gis" else parts[1])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="folder of atlas.toml")
    parser.add_argument("--build", type=Path, required=True, help="a built release")
    args = parser.parse_args()
    config = load_config(args.project / "atlas.toml")
    layers, _ = read_layers(config)
    table = pd.read_csv(args.build / "data" / "atlas_long.csv", dtype=str, keep_default_na=False)
    for column in ("numerator", "denominator", "value"):
        table[column] = pd.to_numeric(table[column].replace("", np.nan))
    release = ProtectedRelease(
        table=table,
        geographies=layers,
        district_layer=config.district_layer.name,
        years=tuple(sorted(set(table["year"]))),
        meta=_meta(config),
    )
    start = time.perf_counter()
    files = render_downloads(release)
    made = time.perf_counter() - start
    start = time.perf_counter()
    failures = check_downloads(files, table, config.indicators.rate_precision)
    checked = time.perf_counter() - start
    sizes: dict[str, list[int]] = defaultdict(list)
    for path, content in files.items():
        sizes[_kind(path)].append(len(content))
    print(f"cells: {len(table):,}")
    print(f"render downloads: {made:6.1f} s   audit read-back: {checked:6.1f} s")
    print(f"audit failures: {len(failures)}")
    for kind, values in sorted(sizes.items()):
        print(f"  {kind:<22} {len(values):4d} file(s) {sum(values) / 1e6:8.1f} MB")
    print(
        f"  {'total':<22} {len(files):4d} file(s) "
        f"{sum(len(c) for c in files.values()) / 1e6:8.1f} MB"
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.1f} GB")


if __name__ == "__main__":
    main()
