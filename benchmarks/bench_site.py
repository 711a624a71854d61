"""Time the website and its maps inside a real build, and weigh the site.

    .venv/bin/python benchmarks/bench_site.py --demo /path/to/demo   # an existing demo
    .venv/bin/python benchmarks/bench_site.py --scale 1              # generate one first

Builds the demo's atlas without the PDF (the book has its own benchmark), timing the
rendering of the website (every page, map, script and asset, from the protected
release) on its own, then prints the site's total size, its largest page and its
largest files. Timings belong here, not in tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import atlas.pipeline
from atlas.config import load_config
from atlas.demo import generate_city
from atlas.model import Rendered

WEB_SUFFIXES = (".html", ".js", ".css")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=None, help="an existing demo folder")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="atlas-bench-site-"))
    demo = args.demo
    if demo is None:
        demo = work / "demo"
        generate_city(demo, scale=args.scale, seed=args.seed)
    config = load_config(demo / "atlas.toml")
    config = dataclasses.replace(config, outputs=dataclasses.replace(config.outputs, pdf=False))

    render = atlas.pipeline.render_release
    seconds: list[float] = []

    def timed(*a: object, **kw: object) -> Rendered:
        start = time.perf_counter()
        out = render(*a, **kw)  # type: ignore[arg-type]
        seconds.append(time.perf_counter() - start)
        return out

    atlas.pipeline.render_release = timed  # type: ignore[assignment]
    start = time.perf_counter()
    result = atlas.pipeline.build_atlas(config, output=work / "build")
    total = time.perf_counter() - start

    files = {
        p.relative_to(result.output).as_posix(): p.stat().st_size
        for p in result.output.rglob("*")
        if p.is_file() and p.suffix in WEB_SUFFIXES
    }
    pages = {p: s for p, s in files.items() if p.endswith(".html")}
    largest = max(pages, key=pages.__getitem__)
    print(f"demo {demo}; {result.cells:,} cells; built into {result.output}")
    print("| measure | value |")
    print("|---|---:|")
    print(f"| website and maps (render, no PDF) | {seconds[0]:.1f} s |")
    print(f"| whole build without the PDF | {total:.1f} s |")
    print(f"| pages | {len(pages):,} |")
    print(f"| site total (html, js, css) | {sum(files.values()) / 1024:,.0f} KiB |")
    print(f"| largest page ({largest}) | {pages[largest] / 1024:,.0f} KiB |")
    for path, size in sorted(files.items(), key=lambda kv: -kv[1])[:5]:
        print(f"| {path} | {size / 1024:,.0f} KiB |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
