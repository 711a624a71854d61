"""Ranks by share homeless come from published shares only; a hidden share hides its rank."""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.model import LONG_COLUMNS, Geography
from atlas.protect.ranks import ranks


def _share(geo_id, flag, value):
    return {
        "year": "2014-15",
        "layer": "school_district",
        "geo_id": geo_id,
        "geo_name": f"District {geo_id}",
        "group": "homeless",
        "grade_band": "all",
        "indicator": "share_of_students",
        "numerator": np.nan,
        "denominator": np.nan,
        "value": value,
        "category": "",
        "flag": flag,
        "note": "",
    }


def test_ranks_in_city_and_borough_skip_hidden_shares_and_citywide_districts():
    # Borough A: districts 1 (10.0%), 2 (withheld), 3 (15.0%); borough B: 4 (15.0%),
    # 5 (omitted). District 75 has no borough and is not ranked.
    table = pd.DataFrame(
        [
            _share("1", "published", 10.0),
            _share("2", "withheld", np.nan),
            _share("3", "published", 15.0),
            _share("4", "published", 15.0),
            _share("5", "omitted_reliability", np.nan),
            _share("75", "published", 30.0),
        ],
        columns=list(LONG_COLUMNS),
    )
    frame = pd.DataFrame(
        {"geo_id": ["1", "2", "3", "4", "5", "75"], "parent_id": ["A", "A", "A", "B", "B", None]}
    )
    out = ranks(table, Geography("school_district", "School district", frame, parent="borough"))
    got = {(r.indicator, r.geo_id): (r.flag, r.value, r.denominator) for r in out.itertuples()}
    city, parent = "rank_share_homeless_city", "rank_share_homeless_parent"
    # In the city: 3 and 4 share the highest published share (15.0): both rank 1 of 3.
    assert got[(city, "3")] == ("published", 1.0, 3.0)
    assert got[(city, "4")] == ("published", 1.0, 3.0)
    assert got[(city, "1")] == ("published", 3.0, 3.0)
    # In borough A: 3 then 1, of 2 published; in borough B, 4 alone.
    assert got[(parent, "3")] == ("published", 1.0, 2.0)
    assert got[(parent, "1")] == ("published", 2.0, 2.0)
    assert got[(parent, "4")] == ("published", 1.0, 1.0)
    # Hidden shares hide their ranks, with no number at all.
    for geo in ("2", "5"):
        for indicator in (city, parent):
            flag, value, denominator = got[(indicator, geo)]
            assert flag == "withheld" and np.isnan(value) and np.isnan(denominator)
    assert not [k for k in got if k[1] == "75"]
