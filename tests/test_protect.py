"""Primary suppression on hand-made cells: each case states the rule it checks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from atlas.model import LONG_COLUMNS
from atlas.protect import protect
from atlas.protect.primary import Coding


def _protect(rows, **kw):
    cells = pd.DataFrame(
        [
            {
                "year": "2014-15",
                "layer": "city",
                "geo_id": "city",
                "geo_name": "City",
                "group": "all",
                "grade_band": "all",
                "indicator": ind,
                "numerator": n,
                "denominator": d,
            }
            for ind, n, d in rows
        ]
    )
    options = {"min_count": 10, "min_denominator": 30, "precision": 1} | kw
    return protect(cells, count_indicators={"students"}, **options)


@pytest.mark.parametrize(
    "numerator,flag,value",
    [
        (0, "published", 0.0),
        (1, "withheld", None),
        (9, "withheld", None),
        (10, "published", 10.0),
        (1234, "published", 1234.0),
    ],
)
def test_counts(numerator, flag, value):
    row = _protect([("students", numerator, math.nan)]).iloc[0]
    assert row["flag"] == flag
    if value is None:
        assert pd.isna(row["value"]) and pd.isna(row["numerator"])
    else:
        assert row["value"] == value


@pytest.mark.parametrize(
    "numerator,denominator,flag,value",
    [
        (30, 120, "published", 25.0),  # 25.0% of 120
        (0, 120, "published", 0.0),  # a true zero
        (120, 120, "published", 100.0),  # nobody on the other side: 0 is not 1-9
        (5, 120, "withheld", None),  # reveals 5 students
        (116, 120, "withheld", None),  # 96.7% of 120: 4 were not
        (111, 120, "withheld", None),  # 120 - 111 = 9 students on the other side
        (110, 120, "published", 91.7),  # 10 on the other side: 110/120 = 91.666...%
        (10, 25, "omitted_reliability", None),  # fewer than 30 students
        (0, 0, "not_applicable", None),  # no students in the group
        (1, 3, "withheld", None),  # tiny group: privacy first
    ],
)
def test_rates(numerator, denominator, flag, value):
    row = _protect([("share_of_students", numerator, denominator)]).iloc[0]
    assert row["flag"] == flag
    if value is None:
        assert pd.isna(row["value"])
    else:
        assert row["value"] == value


def test_withheld_row_keeps_its_place_with_every_number_empty():
    row = _protect([("share_of_students", 4, 200)]).iloc[0]
    assert list(_protect([("share_of_students", 4, 200)]).columns) == list(LONG_COLUMNS)
    assert row["flag"] == "withheld"
    assert row[["numerator", "denominator", "value"]].isna().all()
    assert row["category"] == ""


def test_omitted_rate_keeps_counts_that_pass_privacy():
    row = _protect([("share_of_students", 12, 25)]).iloc[0]
    assert row["flag"] == "omitted_reliability"
    assert pd.isna(row["value"])
    assert (row["numerator"], row["denominator"]) == (12, 25)


def test_rounding_is_half_up_at_the_published_precision():
    # 1/8 = 12.5% exactly; at precision 0 it must read 13, not 12 (round half to even).
    assert _protect([("share_of_students", 50, 400)], precision=0).iloc[0]["value"] == 13
    # 2/3 = 66.666...% -> 66.7 at one decimal.
    assert _protect([("share_of_students", 200, 300)]).iloc[0]["value"] == 66.7


def test_thresholds_are_configurable():
    row = _protect([("students", 12, math.nan)], min_count=20).iloc[0]
    assert row["flag"] == "withheld"


CODING = {"coding": Coding(below=5.0, above=95.0, max_denominator=1000)}


@pytest.mark.parametrize(
    "numerator,denominator,flag,value",
    [
        (12, 300, "bottom_coded", 5.0),  # 4.0% of 300, a group under 1,000
        (0, 300, "bottom_coded", 5.0),  # nobody: still "under 5%" in a small group
        (15, 300, "published", 5.0),  # exactly 5%: not under it
        (288, 300, "top_coded", 95.0),  # 96.0%: 12 on the other side
        (285, 300, "published", 95.0),  # exactly 95%
        (40, 1000, "published", 4.0),  # 1,000 students: not a small group
        (5, 300, "withheld", None),  # privacy first: 5 students
    ],
)
def test_top_and_bottom_coding(numerator, denominator, flag, value):
    row = _protect([("share_of_students", numerator, denominator)], **CODING).iloc[0]
    assert row["flag"] == flag
    if value is None:
        assert pd.isna(row["value"])
    else:
        assert row["value"] == value
    if flag.endswith("_coded"):  # the bound only: the count would give the rate away
        assert pd.isna(row["numerator"]) and row["denominator"] == denominator


def test_coding_does_not_touch_counts():
    row = _protect([("students", 3000, math.nan)], **CODING).iloc[0]
    assert (row["flag"], row["value"]) == ("published", 3000.0)
