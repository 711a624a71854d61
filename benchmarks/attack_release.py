"""Play the independent attacker (tests/attacker.py) on a built release, year by year.

    .venv/bin/python benchmarks/attack_release.py --build BUILD --inputs DEMO \
        [--year Y] [--indicator I]

It reads what a journalist has: the published long table (``BUILD/data/atlas_long.csv``)
and public facts, the schools' locations and administering districts
(``DEMO/data/schools.csv``) and the boundary files the config names. Each school's
geographies come from a point-in-polygon join done here with geopandas, not from atlas's
own join. The attacker knows the student counts and seven rates (tests/attacker.py);
the rest of the release it leaves out, which only makes it weaker. It prints, per year,
the withheld sides and derived counts it bounded, those it found narrower than
``--min-count``, and of those the ones at risk: a withheld side that may hold someone
(a withheld true zero hides nobody), or a derived count that may be 1 to
``--min-count`` - 1 (as tests/test_attacker.py judges). Exit code 1 when any is at risk.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.attacker import Finding, attack, read_published, too_narrow  # noqa: E402


def school_places(inputs: Path) -> dict[str, dict[str, str]]:
    """{school: {layer: geo_id}} from the schools' coordinates and the config's layers;
    the layer whose id is the schools' own ``district`` column is taken from it."""
    config = tomllib.loads((inputs / "atlas.toml").read_text())
    schools = pd.read_csv(
        inputs / "data" / "schools.csv", dtype={"school_id": str, "district": str}
    )
    where: dict[str, dict[str, str]] = {s: {} for s in schools["school_id"]}
    dots = gpd.GeoDataFrame(
        schools, geometry=gpd.points_from_xy(schools["longitude"], schools["latitude"]), crs=4326
    ).to_crs(2263)
    for i, layer in enumerate(config["layers"]):
        if i == 0:  # the district layer: a school's district is an attribute of the school
            for school, district in zip(schools["school_id"], schools["district"], strict=True):
                where[school][layer["name"]] = district
            continue
        polygons = gpd.read_file(inputs / layer["file"]).to_crs(2263)
        polygons["geo_id"] = polygons[layer["id_field"]].astype(str)
        hit = gpd.sjoin(dots, polygons[["geo_id", "geometry"]], predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]
        for school, geo in zip(hit["school_id"], hit["geo_id"], strict=True):
            where[school][layer["name"]] = geo
    return where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="a built release folder")
    parser.add_argument("--inputs", type=Path, required=True, help="the folder of atlas.toml")
    parser.add_argument("--year", action="append", help="only these years (repeatable)")
    parser.add_argument(
        "--indicator",
        action="append",
        help="only these indicators (repeatable): fewer published figures, a weaker attacker",
    )
    parser.add_argument("--min-count", type=int, default=10)
    args = parser.parse_args()
    table = read_published((args.build / "data" / "atlas_long.csv").read_bytes())
    if args.indicator:
        table = table[table["indicator"].isin(args.indicator)]
    where = school_places(args.inputs)
    years = args.year or sorted(table["year"].unique())
    print("| year | counts bounded | narrower than min-count | at risk | seconds |")
    print("|---|---:|---:|---:|---:|", flush=True)
    leaks = []
    for year in years:
        start = time.perf_counter()
        findings = attack(table[table["year"] == year], where, args.min_count)
        narrow = too_narrow(findings, args.min_count)
        risky = [f for f in narrow if at_risk(f, args.min_count)]
        leaks += risky
        seconds = time.perf_counter() - start
        print(
            f"| {year} | {len(findings):,} | {len(narrow):,} | {len(risky):,} | {seconds:.1f} |",
            flush=True,
        )
    for f in leaks:
        print(f"at risk: {' '.join(f.key)} {f.side}: {f.low:.2f} to {f.high:.2f}")
    sys.exit(1 if leaks else 0)


def at_risk(finding: Finding, min_count: int) -> bool:
    """Whether a narrow count's interval holds a value worth protecting."""
    if finding.side in ("numerator", "complement", "denominator"):  # a withheld side
        return finding.high > 0.5
    return finding.high > 0.5 and finding.low < min_count - 0.5


if __name__ == "__main__":
    main()
