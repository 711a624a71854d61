"""Time each stage of a demo build and report peak memory.

    .venv/bin/python benchmarks/bench_build.py --scale 1

Generates the demo city (unless --reuse and it exists), then builds its atlas into a
scratch folder, and prints a table of stage timings. Timings belong here, not in tests.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from atlas.config import load_config
from atlas.demo import generate_city
from atlas.pipeline import build_atlas


def _peak_gb() -> float:
    # Only this process: a child's figure (RUSAGE_CHILDREN) counts the pages of this
    # one that it had when it was forked, before it became an audit worker.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--work", type=Path, default=None, help="folder for demo and build")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing demo folder")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    demo = work / "demo"
    rows: list[tuple[str, float]] = []
    if not (args.reuse and (demo / "atlas.toml").exists()):
        start = time.perf_counter()
        generate_city(demo, scale=args.scale, seed=args.seed)
        rows.append(("generate demo (not part of a build)", time.perf_counter() - start))
    config = load_config(demo / "atlas.toml")
    start = time.perf_counter()

    def progress(message: str) -> None:  # each step as it starts, for long builds
        print(f"[{time.perf_counter() - start:8.1f} s] {message}", flush=True)

    result = build_atlas(config, strict=True, output=work / "build", progress=progress)
    total = time.perf_counter() - start
    rows += list(result.timings.items())
    rows.append(("whole build", total))
    enrollment = (demo / "data" / "enrollment.parquet").stat().st_size / 1024**2
    print(
        f"scale {args.scale}, seed {args.seed}; enrollment.parquet {enrollment:.0f} MiB; "
        f"{result.cells:,} cells; {result.files:,} files"
    )
    print("| stage | seconds |")
    print("|---|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} |")
    print(f"| peak memory (max RSS) | {_peak_gb():.2f} GiB |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
