"""Time the printed atlas: the book and every district's PDF, from a built atlas.

    .venv/bin/python benchmarks/bench_pdf.py --project demo/atlas.toml --build build

The release is read back from the build (``release_from_build``), so only the print
rendering is timed: page contexts, print maps, HTML, and WeasyPrint in worker processes
(one per core). Prints the time, the page count, pages per second and the file sizes;
``--twice`` renders again and says whether every PDF came out byte for byte the same.
Timings belong here, not in tests.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from atlas.render import render_release  # noqa: E402
from benchmarks.release_from_build import release_from_build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="the atlas.toml")
    parser.add_argument("--build", type=Path, required=True, help="the built atlas")
    parser.add_argument("--out", type=Path, default=None, help="write the PDFs here")
    parser.add_argument("--twice", action="store_true", help="render again, compare bytes")
    args = parser.parse_args()
    release = release_from_build(args.project, args.build)
    start = time.perf_counter()
    out = render_release(release, site=False)
    seconds = time.perf_counter() - start
    pdfs = {path: data for path, data in out.files.items() if path.endswith(".pdf")}
    pages = {path: len(PdfReader(io.BytesIO(data)).pages) for path, data in pdfs.items()}
    districts = [p for p in pdfs if p.startswith("districts/")]
    total = sum(pages.values())
    print(f"cores: {os.cpu_count()}")
    print(f"rendered the book and {len(districts)} district PDFs in {seconds:.1f} s")
    print(
        f"pages: book {pages['atlas.pdf']}, districts {total - pages['atlas.pdf']}, "
        f"total {total}: {total / seconds:.1f} pages per second"
    )
    print(
        f"sizes: book {len(pdfs['atlas.pdf']) / 1e6:.2f} MB, districts "
        f"{sum(len(pdfs[p]) for p in districts) / 1e6:.2f} MB"
    )
    if args.out:
        for path, data in pdfs.items():
            (args.out / path).parent.mkdir(parents=True, exist_ok=True)
            (args.out / path).write_bytes(data)
    if args.twice:
        again = render_release(release, site=False).files
        differ = sorted(p for p in pdfs if again[p] != pdfs[p])
        print("identical bytes on a second render" if not differ else f"differ: {differ}")


if __name__ == "__main__":
    main()
