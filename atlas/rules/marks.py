"""Protected rates -> the packs' bands, marks, goals and "met", and Ohio's weighted figure.

Runs after protection, on the protected long table (and, for Ohio's exact comparisons,
the unprotected cells of rates that are themselves published). Nothing here is a count
of students; every row derived from a rate follows the rate's fate:

* a band, mark, target or "met" of a withheld rate is withheld with it; of a rate
  omitted for reliability or not applicable, it says so too;
* a mark, target or improvement that looks at the year before needs that year's rate
  published as well (else it is withheld), and is not applicable in the first year;
* Pennsylvania's own floor: its rates on fewer than ``min_students`` (20) are not
  reported (omitted, as for reliability), on top of our privacy rules;
* Ohio's published rate is the FTE-weighted one (its numerator and denominator stay
  headcounts, which the privacy rules protect), rounded half up from the exact value;
  "met" and the improvement target compare exact, unrounded rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from atlas.model import CITY_LAYER, LONG_COLUMNS
from atlas.rules import ohio, pennsylvania

SHOWN = "published"
_CELL = ["year", "layer", "geo_id", "geo_name", "group", "grade_band"]


def exact_round(value: Fraction, digits: int) -> float:
    """Round half up at ``digits`` decimals, exactly (12.25 -> 12.3)."""
    scale = 10**digits
    return float(Fraction((value * scale + Fraction(1, 2)).__floor__(), scale))


def apply_packs(
    cells: pd.DataFrame,
    table: pd.DataFrame,
    packs: Mapping[str, Mapping[str, Any]],
    *,
    precision: int,
    years: tuple[str, ...],
) -> pd.DataFrame:
    """The protected ``table`` with the packs' published figures and derived rows."""
    table = table.copy()
    extra: list[pd.DataFrame] = []
    if "pennsylvania" in packs:
        params = packs["pennsylvania"]
        table = _floor(table, params)
        extra.append(_pennsylvania(table, params, years))
    if "ohio" in packs and (table["indicator"] == ohio_rate()).any():
        params = packs["ohio"]
        exact = _ohio_exact(cells)
        table = _ohio_values(table, exact, precision)
        extra.append(_ohio(table, exact, params, precision, years))
    extra = [e for e in extra if len(e)]
    if not extra:
        return table
    return pd.concat([table, *extra], ignore_index=True)


def ohio_rate() -> str:
    return ohio.PACK.headline


def _rows(base: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Empty derived rows on the places of ``base``."""
    return base[_CELL].assign(
        indicator=indicator,
        numerator=np.nan,
        denominator=np.nan,
        value=np.nan,
        category="",
        flag=SHOWN,
        note="",
    )


def _floor(table: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """Pennsylvania reports no rate on fewer than ``min_students``."""
    floor = params["min_students"]
    rates = table["indicator"].isin([m.id for m in pennsylvania.PACK.measures]) & table[
        "flag"
    ].isin([SHOWN, "top_coded", "bottom_coded"])
    small = rates & (table["denominator"] < float(floor))
    table.loc[small, "value"] = np.nan
    table.loc[small, "flag"] = "omitted_reliability"
    table.loc[small, "note"] = f"Fewer than {floor} students: Pennsylvania reports no rate"
    return table


def _with_prior(rates: pd.DataFrame, years: tuple[str, ...]) -> pd.DataFrame:
    """Each rate row with the year before's flag, numerator and denominator (``prior_*``;
    flag empty in the first year)."""
    before = {y: years[i - 1] for i, y in enumerate(years) if i > 0}
    prior = rates[
        ["year", "layer", "geo_id", "group", "grade_band", "flag", "numerator", "denominator"]
    ].copy()
    prior["year"] = prior["year"].map({b: y for y, b in before.items()})
    prior = prior.dropna(subset=["year"]).rename(
        columns={"flag": "prior_flag", "numerator": "prior_num", "denominator": "prior_den"}
    )
    out = rates.merge(prior, on=["year", "layer", "geo_id", "group", "grade_band"], how="left")
    out["prior_flag"] = out["prior_flag"].fillna("")
    return out


def _follow(rows: pd.DataFrame, flags: pd.Series, mask: pd.Series, note: str) -> None:
    """Rows where ``mask`` takes ``flags`` (withheld, omitted, not applicable) and ``note``."""
    rows.loc[mask, "flag"] = flags[mask].where(flags[mask] != "", "not_applicable")
    rows.loc[mask, "note"] = note


def _pennsylvania(table: pd.DataFrame, params: Mapping[str, Any], years: tuple[str, ...]):
    rates = _with_prior(
        table[table["indicator"] == "regular_attendance_pennsylvania"].reset_index(drop=True),
        years,
    )
    shown = rates["flag"] == SHOWN
    band = _rows(rates, "band_pennsylvania")
    band.loc[shown, "category"] = [
        pennsylvania.band(pennsylvania.rounded_tenths(n, d), params)
        for n, d in zip(rates.loc[shown, "numerator"], rates.loc[shown, "denominator"], strict=True)
    ]
    _follow(band, rates["flag"], ~shown, "The rate is not published")
    mark = _rows(rates, "mark_pennsylvania")
    both = shown & (rates["prior_flag"] == SHOWN)
    mark.loc[both, "category"] = [
        pennsylvania.mark(pennsylvania.rounded_tenths(n, d), pennsylvania.rounded_tenths(pn, pd_))
        for n, d, pn, pd_ in zip(
            rates.loc[both, "numerator"],
            rates.loc[both, "denominator"],
            rates.loc[both, "prior_num"],
            rates.loc[both, "prior_den"],
            strict=True,
        )
    ]
    _follow(mark, rates["flag"], ~shown, "The rate is not published")
    first = shown & (rates["prior_flag"] == "")
    _follow(mark, pd.Series("not_applicable", index=rates.index), first, "No year before")
    hidden_prior = shown & ~both & ~first
    _follow(
        mark,
        rates["prior_flag"],
        hidden_prior,
        "The year before's rate is not published",
    )
    return pd.concat([band, mark], ignore_index=True)[list(LONG_COLUMNS)]


def _ohio_exact(cells: pd.DataFrame) -> pd.DataFrame:
    """Ohio's exact FTE-weighted rates in percent (Fraction), by cell."""
    rows = cells[cells["indicator"] == ohio_rate()]
    exact = rows[["year", "layer", "geo_id", "group", "grade_band"]].copy()
    exact["exact"] = [
        100 * n / d if d else None
        for n, d in zip(rows["weighted_numerator"], rows["weighted_denominator"], strict=True)
    ]
    return exact


def _ohio_values(table: pd.DataFrame, exact: pd.DataFrame, precision: int) -> pd.DataFrame:
    """Published Ohio rates show the FTE-weighted value."""
    keys = ["year", "layer", "geo_id", "group", "grade_band"]
    is_rate = (table["indicator"] == ohio_rate()) & (table["flag"] == SHOWN)
    joined = table.loc[is_rate, keys].merge(exact, on=keys, how="left")
    table.loc[is_rate, "value"] = [
        exact_round(v, precision) if isinstance(v, Fraction) else np.nan for v in joined["exact"]
    ]
    return table


def _ohio(
    table: pd.DataFrame,
    exact: pd.DataFrame,
    params: Mapping[str, Any],
    precision: int,
    years: tuple[str, ...],
) -> pd.DataFrame:
    keys = ["year", "layer", "geo_id", "group", "grade_band"]
    rates = table[table["indicator"] == ohio_rate()].reset_index(drop=True)
    rates = _with_prior(rates, years).merge(exact, on=keys, how="left")
    before = {y: years[i - 1] for i, y in enumerate(years) if i > 0}
    prior_exact = exact.assign(year=exact["year"].map({b: y for y, b in before.items()}))
    prior_exact = prior_exact.dropna(subset=["year"]).rename(columns={"exact": "prior_exact"})
    rates = rates.merge(prior_exact, on=keys, how="left")
    goals = params["goals"]

    # The year's goal: one row a year, for the city (the same everywhere).
    city = rates[(rates["layer"] == CITY_LAYER) & (rates["group"] == "all")]
    goal = _rows(city, "goal_ohio")
    has_goal = city["year"].isin(list(goals))
    goal.loc[has_goal.to_numpy(), "value"] = [
        exact_round(goals[y], precision) for y in city.loc[has_goal, "year"]
    ]
    goal.loc[~has_goal.to_numpy(), "flag"] = "not_applicable"
    goal.loc[~has_goal.to_numpy(), "note"] = "The goals table does not cover this year"

    # The improvement target, from the year before's exact rate.
    target = _rows(rates, "target_ohio")
    # Only from a published rate: a target from an omitted one would publish it.
    prior_shown = (rates["prior_flag"] == SHOWN) & rates["prior_exact"].map(
        lambda v: isinstance(v, Fraction)
    )
    target.loc[prior_shown, "value"] = [
        exact_round(ohio.target(v, params), precision)
        for v in rates.loc[prior_shown, "prior_exact"]
    ]
    no_prior = rates["prior_flag"].isin(["", "not_applicable"])
    _follow(
        target, pd.Series("not_applicable", index=rates.index), no_prior, "No rate the year before"
    )
    _follow(
        target,
        rates["prior_flag"],
        ~prior_shown & ~no_prior,
        "The year before's rate is not published",
    )

    # Met, and by which pathway.
    met = _rows(rates, "met_ohio")
    shown = (rates["flag"] == SHOWN) & rates["exact"].map(lambda v: isinstance(v, Fraction))
    for i in np.flatnonzero(shown.to_numpy()):
        row = rates.iloc[i]
        year = row["year"]
        at_goal = year in goals and row["exact"] <= goals[year]
        if at_goal:
            met.loc[i, "category"] = "met_goal"
        elif prior_shown.iloc[i]:
            met.loc[i, "category"] = ohio.met(row["exact"], row["prior_exact"], year, params)
        elif no_prior.iloc[i]:
            pathway = ohio.met(row["exact"], None, year, params)
            if pathway is None:
                met.loc[i, "flag"] = "not_applicable"
                met.loc[i, "note"] = "No goal this year and no rate the year before"
            else:
                met.loc[i, "category"] = pathway
        else:  # "not met" would narrow down the unpublished rate of the year before
            prior = rates["prior_flag"].iloc[i]
            met.loc[i, "flag"] = prior if prior == "omitted_reliability" else "withheld"
            met.loc[i, "note"] = "The year before's rate is not published"
    _follow(met, rates["flag"], ~shown, "The rate is not published")
    return pd.concat([goal, target, met], ignore_index=True)[list(LONG_COLUMNS)]
