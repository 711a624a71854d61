"""Shared fixtures: a tiny hand-made project whose every number can be worked out by hand.

The tiny city has two square school districts ("1" west, "2" east) in one borough, a
district without geography ("75"), four schools and a handful of students. Tests that
need realistic data use the demo generator instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from atlas.model import Rendered

ROOT = Path(__file__).resolve().parents[1]

# Two squares side by side, about 850 m wide, in lower Manhattan's longitudes.
WEST = [(-74.02, 40.70), (-74.01, 40.70), (-74.01, 40.71), (-74.02, 40.71), (-74.02, 40.70)]
EAST = [(-74.01, 40.70), (-74.00, 40.70), (-74.00, 40.71), (-74.01, 40.71), (-74.01, 40.70)]
BOTH = [(-74.02, 40.70), (-74.00, 40.70), (-74.00, 40.71), (-74.02, 40.71), (-74.02, 40.70)]

SCHOOLS = [
    # school_id, name, district, longitude, latitude
    ("S1", "West Elementary", "1", -74.015, 40.705),
    ("S2", "West Middle", "1", -74.012, 40.702),
    ("S3", "East High", "2", -74.005, 40.705),
    ("S4", "Citywide Special", "75", -74.003, 40.708),  # sits in district 2's square
]

TOML = """
title = "Tiny Atlas"
edition = 2015
city_name = "Tiny City"

[inputs.enrollment]
path = "data/enrollment.csv"

[inputs.schools]
path = "data/schools.csv"

[inputs.shelters]
path = "data/shelters.csv"

[housing.codes]
PH = "housed"
DHS = "shelter"
DBL = "doubled_up"
UNS = "unsheltered"
HMO = "other_homeless"

[[layers]]
name = "school_district"
label = "School district"
file = "boundaries/districts.geojson"
id_field = "dist"
name_pattern = "District {id}"
attributes = "boundaries/districts.csv"
attributes_id = "district"
parent = "borough"
parent_field = "borough"

[[layers]]
name = "borough"
label = "Borough"
file = "boundaries/boroughs.geojson"
id_field = "code"
name_field = "name"
"""

#: The tiny project built without the PDF book: for tests that read its data and pages.
TOML_WITHOUT_PDF = TOML + "\n[outputs]\npdf = false\n"


def spell(student: str, year: str, school: str, grade: str, status: str = "PH", **extra):
    """One enrollment row with defaults for a full, unremarkable year."""
    start = int(year[:4])
    row = {
        "student_id": student,
        "school_year": year,
        "school_id": school,
        "entry_date": f"{start}-09-08",
        "exit_date": "",
        "grade": grade,
        "housing_status": status,
        "lunch_eligible": "true",
        "days_enrolled": 180,
        "days_absent": 5,
        "days_suspended": 0,
        "ela_level": "",
        "math_level": "",
    }
    row.update(extra)
    return row


def _feature(props: dict, ring: list) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def write_project(root: Path, rows: list[dict], *, toml: str = TOML) -> Path:
    """Write the tiny project with these enrollment rows; return atlas.toml's path."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "boundaries").mkdir(exist_ok=True)
    districts = {
        "type": "FeatureCollection",
        "features": [_feature({"dist": 1}, WEST), _feature({"dist": 2}, EAST)],
    }
    boroughs = {
        "type": "FeatureCollection",
        "features": [_feature({"code": 1, "name": "Testboro"}, BOTH)],
    }
    (root / "boundaries" / "districts.geojson").write_text(json.dumps(districts))
    (root / "boundaries" / "boroughs.geojson").write_text(json.dumps(boroughs))
    (root / "boundaries" / "districts.csv").write_text(
        "district,borough,neighbourhoods\n1,Testboro,Westside\n2,Testboro,Eastside\n"
        "75,Citywide,Special education\n"
    )
    pd.DataFrame(
        SCHOOLS, columns=["school_id", "school_name", "district", "longitude", "latitude"]
    ).to_csv(root / "data" / "schools.csv", index=False)
    (root / "data" / "shelters.csv").write_text(
        "shelter_id,shelter_type,capacity_units,longitude,latitude\nSH1,Tier II,40,-74.006,40.703\n"
    )
    pd.DataFrame(rows).to_csv(root / "data" / "enrollment.csv", index=False)
    (root / "atlas.toml").write_text(toml)
    return root / "atlas.toml"


def find_cell(
    cells: pd.DataFrame,
    indicator: str,
    group: str = "all",
    *,
    layer: str = "city",
    geo: str = "city",
    band: str = "all",
    year: str = "2014-15",
) -> tuple[float, float]:
    """The numerator and denominator of the one cell of ``cells`` (as computed, before
    protection) of this indicator, group, place, grade band and year."""
    match = cells[
        (cells["indicator"] == indicator)
        & (cells["group"] == group)
        & (cells["layer"] == layer)
        & (cells["geo_id"] == geo)
        & (cells["grade_band"] == band)
        & (cells["year"] == year)
    ]
    assert len(match) == 1, (indicator, group, layer, geo, band, year, len(match))
    row = match.iloc[0]
    return row["numerator"], row["denominator"]


@pytest.fixture
def tiny_rows() -> list[dict]:
    """A few students in 2014-15 with facts chosen so every figure is easy to count."""
    y = "2014-15"
    return [
        # A: housed, in S1 all year, grade 3, proficient in ELA (level 3), not in math (2).
        spell("A", y, "S1", "3", ela_level=3, math_level=2),
        # B: moves mid-year from S1 (doubled up) to S3 (in shelter): in shelter, last
        # school S3, transferred, absent 12 + 9 = 21 days: chronically absent.
        spell("B", y, "S1", "7", "DBL", exit_date="2015-01-15", days_enrolled=90, days_absent=12),
        spell("B", y, "S3", "7", "DHS", entry_date="2015-01-20", days_enrolled=90, days_absent=9),
        # C: doubled up at S3 all year, grade 10, absent 19 days and suspended 5: not
        # chronically absent under the NYC rule (suspension days are not absences).
        spell("C", y, "S3", "10", "DBL", days_absent=19, days_suspended=5),
        # D: housed, not low-income, at S4 (district 75), pre-K.
        spell("D", y, "S4", "PK", lunch_eligible="false"),
    ]


@pytest.fixture(scope="session")
def hand_made_rendered() -> Rendered:
    """The hand-made release of ``tests.test_render`` rendered whole (website and PDFs,
    letter paper), once for the render and print tests."""
    from atlas.render import render_release

    from .test_render import _release

    return render_release(_release())


@pytest.fixture(scope="session")
def site_with_schools() -> Rendered:
    """The hand-made release with five schools (``tests.test_website``) rendered as a
    website without the PDF, once for the website's and the browser's tests."""
    from atlas.render import render_release

    from .test_website import release_with_schools

    return render_release(release_with_schools(), pdf=False)
