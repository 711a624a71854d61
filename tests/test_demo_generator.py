"""The demo city: deterministic, valid as a user's extract, placed in the right
polygons, consistent with itself, and calibrated to the published figures in
CALIBRATION.md."""

from __future__ import annotations

import filecmp
import math
import shutil

import duckdb
import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from atlas.cli import main
from atlas.compute import compute
from atlas.config import load_config
from atlas.demo import generate_city
from atlas.validate import validate

from .conftest import ROOT

SMALL = 0.005
# Community districts that are parks and airports (joint-interest areas), as in the
# demo's atlas.toml: no school may stand there.
PARKS_AND_AIRPORTS = {"164", "226", "227", "228", "355", "356", "480", "481", "482", "483"}
PARKS_AND_AIRPORTS |= {"484", "595"}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return generate_city(tmp_path_factory.mktemp("small"), scale=SMALL, seed=11).parent


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A demo city of ~110,000 students a year (scale 0.1): a group of 2,000 students
    has a sampling error near one point, well under CALIBRATION.md's tolerance."""
    return generate_city(tmp_path_factory.mktemp("calibration"), scale=0.1, seed=2015).parent


def _districts() -> gpd.GeoDataFrame:
    districts = gpd.read_file(ROOT / "boundaries" / "school_districts.geojson")
    districts["SchoolDist"] = districts["SchoolDist"].astype(int).astype(str)
    return districts.assign(geometry=districts.geometry.make_valid()).dissolve("SchoolDist")


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame.longitude, frame.latitude), crs="EPSG:4326"
    )


def test_same_seed_same_files_and_another_seed_differs(small, tmp_path):
    again = generate_city(tmp_path / "again", scale=SMALL, seed=11).parent
    files = ["atlas.toml", *(f"data/{p.name}" for p in (small / "data").iterdir())]
    files += [f"boundaries/{p.name}" for p in (small / "boundaries").iterdir()]
    assert len(files) == 6 + 8
    match, mismatch, errors = filecmp.cmpfiles(small, again, files, shallow=False)
    assert (mismatch, errors) == ([], [])
    other = generate_city(tmp_path / "other", scale=SMALL, seed=12).parent
    assert not filecmp.cmp(
        small / "data" / "enrollment.parquet", other / "data" / "enrollment.parquet", False
    )


def test_the_demo_passes_strict_validation_with_notes_only(small):
    extract = validate(load_config(small / "atlas.toml"), strict=True)
    assert {p.severity for p in extract.problems} == {"note"}
    notes = " ".join(str(p) for p in extract.problems)
    assert "dissolve" in notes and "make_valid" in notes


def test_edition_and_years_follow_the_first_year(tmp_path):
    toml = generate_city(tmp_path / "ohio", scale=SMALL, seed=3, first_year="2020-21")
    assert load_config(toml).edition == 2025
    years = pq.read_table(toml.parent / "data" / "enrollment.parquet", columns=["school_year"])
    assert sorted(set(years["school_year"].to_pylist())) == [
        "2020-21",
        "2021-22",
        "2022-23",
        "2023-24",
        "2024-25",
    ]


def test_files_look_like_an_agency_extract(small):
    enrollment = pq.read_table(small / "data" / "enrollment.parquet")
    assert enrollment.schema.field("entry_date").type == "date32[day]"
    years = sorted(set(enrollment["school_year"].to_pylist()))
    assert years == ["2010-11", "2011-12", "2012-13", "2013-14", "2014-15"]
    assert set(enrollment["housing_status"].to_pylist()) == {"PH", "DHS", "DBL", "UNS", "HMO"}
    frame = enrollment.select(
        ["student_id", "school_year", "school_id", "entry_date", "exit_date"]
    ).to_pandas()
    keys = [frame.student_id, frame.school_year]
    spells = frame.groupby(keys).size()
    assert spells.max() == 2 and (spells == 2).mean() > 0.05  # mid-year moves
    # A move is to another school, and the first spell ends before the second begins.
    moved = frame[frame.groupby(keys)["school_id"].transform("size") == 2]
    assert (moved.groupby([moved.student_id, moved.school_year])["school_id"].nunique() == 2).all()
    first = moved.groupby([moved.student_id, moved.school_year]).first()
    last = moved.groupby([moved.student_id, moved.school_year]).last()
    assert (first["exit_date"] < last["entry_date"]).all()
    # At most one open spell a year; students who leave during the year have none.
    open_spells = frame["exit_date"].isna().groupby(keys).sum()
    assert open_spells.max() == 1 and 0.9 < (open_spells == 1).mean() < 1
    cohorts = pd.read_csv(small / "data" / "cohorts.csv", dtype=str)
    assert set(cohorts["cohort_year"]) == {"2010-11", "2011-12"}
    assert set(cohorts["outcome"]) == {"graduated", "dropped_out", "still_enrolled", "left_system"}
    assert set(cohorts["student_id"]) <= set(frame["student_id"])
    schools = pd.read_csv(small / "data" / "schools.csv", dtype=str)
    assert schools["school_id"].is_unique and schools["school_name"].is_unique
    assert (schools.groupby("district").size() >= 3).all()  # 75 and 79 too
    shelters = pd.read_csv(small / "data" / "shelters.csv")
    assert set(shelters["shelter_type"]) == {"Tier II", "Hotel", "Cluster site"}


def test_days_and_hours_add_up(small):
    con = duckdb.connect()
    path = small / "data" / "enrollment.parquet"
    row = con.execute(
        f"""
        select
            count(*) filter (
                where days_absent_excused + days_absent_unexcused <> days_absent
            ),
            count(*) filter (where days_absent + days_suspended > days_enrolled),
            max(abs(hours_attended + hours_absent_excused + hours_absent_unexcused
                - 6.5 * days_enrolled)),
            count(*) filter (where dayofweek(entry_date) in (0, 6)),
            count(*) filter (where (shelter_id is not null) <> (housing_status = 'DHS')),
            count(*) filter (
                where (ela_level is not null or math_level is not null)
                and grade not in ('3', '4', '5', '6', '7', '8')
            )
        from '{path}'
        """
    ).fetchone()
    assert row is not None
    bad_sums, too_many_days, hours_gap, weekend_entries, shelter_ids, tests = row
    assert (bad_sums, too_many_days, weekend_entries, shelter_ids, tests) == (0, 0, 0, 0, 0)
    assert hours_gap < 1e-6


def test_cohort_outcomes_match_enrollment(city):
    """Graduates, dropouts and leavers of the 2010-11 cohort are gone by 2014-15; students
    still enrolled are there, and the class of 2015 graduates by its last year."""
    con = duckdb.connect()
    enrollment = city / "data" / "enrollment.parquet"
    cohorts = city / "data" / "cohorts.csv"
    rows = con.execute(
        f"""
        select c.cohort_year, c.outcome, count(*) as n,
            avg((e.student_id is not null)::int) as enrolled_last_year,
            avg((e.grade = '12')::int) as in_grade_12
        from read_csv('{cohorts}', all_varchar = true) as c
        left join (select distinct student_id, grade from '{enrollment}'
                   where school_year = '2014-15' and exit_date is null) as e
            using (student_id)
        group by 1, 2
        """
    ).df()
    first = rows[rows.cohort_year == "2010-11"].set_index("outcome")
    assert first.loc[["graduated", "dropped_out", "left_system"], "enrolled_last_year"].max() == 0
    assert first.loc["still_enrolled", "enrolled_last_year"] == 1
    second = rows[rows.cohort_year == "2011-12"].set_index("outcome")
    assert second.loc[["graduated", "still_enrolled"], "enrolled_last_year"].min() == 1
    assert second.loc["graduated", "in_grade_12"] == 1
    # CALIBRATION.md: 4-year graduation 71%, dropout 9% (class of 2015).
    share = second["n"] / second["n"].sum()
    assert abs(100 * share["graduated"] - 71) <= 3
    assert abs(100 * share["dropped_out"] - 9) <= 0.2 * 9


def test_schools_and_shelters_stand_in_their_district_and_not_in_parks(small):
    districts = _districts()
    schools = pd.read_csv(small / "data" / "schools.csv", dtype={"district": str})
    points = _points(schools)
    hits = gpd.sjoin(points, districts, predicate="within")
    found = hits["SchoolDist"].reindex(schools.index)
    geographic = ~schools["district"].isin(["75", "79"])
    assert (found[geographic] == schools.loc[geographic, "district"]).all()
    assert found.notna().all()  # citywide schools too stand somewhere in the city
    community = gpd.read_file(ROOT / "boundaries" / "community_districts.geojson")
    parks = community[community["BoroCD"].astype(str).isin(PARKS_AND_AIRPORTS)]
    assert len(parks) == 12
    assert not gpd.sjoin(points, parks, predicate="within").shape[0]
    shelters = _points(pd.read_csv(small / "data" / "shelters.csv"))
    assert len(gpd.sjoin(shelters, districts, predicate="within")) == len(shelters)
    assert not gpd.sjoin(shelters, parks, predicate="within").shape[0]


def test_shelters_cluster_where_calibration_says(city):
    """CALIBRATION.md: district 9 has the most shelter units, district 19 is next."""
    shelters = _points(pd.read_csv(city / "data" / "shelters.csv"))
    hits = gpd.sjoin(shelters, _districts(), predicate="within")
    units = hits.groupby("SchoolDist")["capacity_units"].sum().sort_values(ascending=False)
    assert list(units.index[:2]) == ["9", "19"]
    # ~12,800 units at scale 1.
    assert abs(shelters["capacity_units"].sum() - 1_280) <= 0.1 * 1_280


# Citywide figures for 2014-15 from CALIBRATION.md (the model atlas, 2016 edition), in
# percent, by indicator and housing group. Written here from that table, not from the
# generator's parameters.
CALIBRATION = {
    ("share_of_students", "homeless"): 8.0,
    ("share_of_students", "ever_homeless"): 12.5,  # "one in eight" in five years
    ("midyear_transfer", "all"): 9.0,
    ("midyear_transfer", "homeless"): 21.0,
    ("midyear_transfer", "shelter"): 32.0,
    ("midyear_transfer", "doubled_up"): 15.0,
    ("midyear_transfer", "housed_low_income"): 9.0,
    ("midyear_transfer", "housed_not_low_income"): 7.0,
    ("chronic_absence_nyc", "all"): 22.0,
    ("chronic_absence_nyc", "homeless"): 37.0,
    ("chronic_absence_nyc", "doubled_up"): 25.0,
    ("chronic_absence_nyc", "housed_low_income"): 23.0,
    ("chronic_absence_nyc", "housed_not_low_income"): 15.0,
    ("ela_proficiency", "all"): 31.0,
    ("ela_proficiency", "homeless"): 14.0,
    ("ela_proficiency", "shelter"): 10.0,
    ("ela_proficiency", "doubled_up"): 17.0,
    ("ela_proficiency", "housed_low_income"): 25.0,
    ("ela_proficiency", "housed_not_low_income"): 48.0,
    ("math_proficiency", "all"): 35.0,
    ("math_proficiency", "homeless"): 18.0,
    ("math_proficiency", "shelter"): 11.0,
    ("math_proficiency", "doubled_up"): 22.0,
    ("math_proficiency", "housed_low_income"): 31.0,
    ("math_proficiency", "housed_not_low_income"): 52.0,
    ("suspension", "all"): 2.8,
    ("suspension", "homeless"): 3.6,
    ("suspension", "shelter"): 6.0,
    ("suspension", "doubled_up"): 3.0,
    ("suspension", "housed_low_income"): 3.1,
    ("suspension", "housed_not_low_income"): 1.9,
    ("english_learner", "all"): 14.0,
    ("english_learner", "homeless"): 23.0,
    ("english_learner", "shelter"): 10.0,
    ("english_learner", "doubled_up"): 33.0,
    ("absent_40_days", "homeless"): 15.0,
    ("late_entry", "all"): 3.0,
    ("share_of_late_entrants", "homeless"): 22.0,  # "22% of them homeless"
    # Class of 2015: entered grade 9 in 2011-12, four years reached in 2014-15.
    ("graduation_4yr", "all"): 71.0,
    ("graduation_4yr", "homeless"): 52.0,
    ("graduation_4yr", "housed_not_low_income"): 87.0,
    ("dropout_4yr", "all"): 9.0,
    ("dropout_4yr", "homeless"): 18.0,
    ("dropout_4yr", "housed_not_low_income"): 4.0,
    # "More shape to reproduce", by grade band.
    ("midyear_transfer", "shelter", "elementary"): 40.0,
    ("suspension", "shelter", "middle"): 100 / 9,  # one in nine
    ("retention", "shelter", "elementary"): 7.0,
}


def _tolerance(target: float) -> float:
    """CALIBRATION.md: within 3 points, or 20% of the figure for figures under 15%."""
    return 0.2 * target if target < 15 else 3.0


@pytest.fixture(scope="module")
def cells(city):
    config = load_config(city / "atlas.toml")
    return compute(config, validate(config, strict=True))


@pytest.fixture(scope="module")
def city_rates(cells):
    """Citywide 2014-15 rates in percent, by (indicator, group) for all grades and by
    (indicator, group, band) for a grade band."""
    city = cells[(cells["layer"] == "city") & (cells["year"] == "2014-15")]
    return {
        (r.indicator, r.group, *([] if r.grade_band == "all" else [r.grade_band])): 100
        * r.numerator
        / r.denominator
        for r in city.itertuples()
        if r.denominator
    }


@pytest.mark.parametrize(("key", "target"), list(CALIBRATION.items()), ids=str)
def test_citywide_figures_land_near_calibration(city_rates, key, target):
    assert abs(city_rates[key] - target) <= _tolerance(target), (key, city_rates[key], target)


def test_race_and_ethnicity_by_housing(city_rates):
    # CALIBRATION: Black and Hispanic 66% of all students, 86% of homeless students;
    # over half of homeless students Hispanic.
    for group, target in (("all", 66.0), ("homeless", 86.0)):
        both = city_rates[("race_black", group)] + city_rates[("race_hispanic", group)]
        assert abs(both - target) <= 3, (group, both)
    assert city_rates[("race_hispanic", "homeless")] > 50


def test_homeless_students_ever_in_shelter_graduate_more_often(city_rates):
    # CALIBRATION: 63% against 42% graduate, 12% against 24% drop out. Each group has
    # only about 450 students at this scale (a sampling error near 2.3 points), too few
    # for the tolerance; the contrast between them is far larger than the noise.
    graduation = [
        city_rates[("graduation_4yr", g)] for g in ("ever_in_shelter", "never_in_shelter")
    ]
    dropout = [city_rates[("dropout_4yr", g)] for g in ("ever_in_shelter", "never_in_shelter")]
    assert graduation[0] - graduation[1] > 12
    assert dropout[1] - dropout[0] > 6


def test_shelter_chronic_absence_is_over_half_and_homeless_mostly_doubled_up(city_rates):
    assert city_rates[("chronic_absence_nyc", "shelter")] > 50  # CALIBRATION: ">50%"
    homeless = city_rates[("share_of_students", "homeless")]
    # CALIBRATION: ~33% of homeless students in shelter, ~60% doubled up.
    assert abs(100 * city_rates[("share_of_students", "shelter")] / homeless - 33) <= 3
    assert abs(100 * city_rates[("share_of_students", "doubled_up")] / homeless - 60) <= 3


@pytest.fixture(scope="module")
def kindergarten_cohort(tmp_path_factory):
    """Late IEP at scale 0.4: the one kindergarten cohort with five years in the data
    (2010-11 to 2014-15) has about 6,300 students with an IEP there, 1,250 of them
    homeless and 1,600 housed not low-income (sampling errors near 1.4 and 1.2 points,
    under the tolerance of 3); at scale 0.1 those groups are four times smaller."""
    city = generate_city(tmp_path_factory.mktemp("kindergarten"), scale=0.4, seed=2016).parent
    config = load_config(city / "atlas.toml")
    cells = compute(config, validate(config, strict=True))
    late = cells[
        (cells["layer"] == "city")
        & (cells["indicator"] == "late_iep")
        & (cells["year"] == "2014-15")
    ]
    return {r.group: (100 * r.numerator / r.denominator, r.denominator) for r in late.itertuples()}


@pytest.mark.parametrize(
    ("group", "target"),
    # CALIBRATION.md: late IEP (after K) 50% all, 62% homeless, 48% housed low-income,
    # 43% housed not low-income.
    [
        ("all", 50.0),
        ("homeless", 62.0),
        ("housed_low_income", 48.0),
        ("housed_not_low_income", 43.0),
    ],
)
def test_late_iep_lands_near_calibration(kindergarten_cohort, group, target):
    rate, students = kindergarten_cohort[group]
    assert students >= 1000, (group, students)  # the scale is large enough
    assert abs(rate - target) <= _tolerance(target), (group, rate, target)


def _share_pre_k_to_2(cells: pd.DataFrame, group: str) -> float:
    """Percent of the group's students in pre-K to grade 2, citywide in 2014-15, as a
    reader works it out from the published cells: pre-K students plus the shares of the
    elementary band in K, 1 and 2 times the band's students."""
    city = cells[(cells["layer"] == "city") & (cells["year"] == "2014-15")]
    city = city[city["group"] == group].set_index(["indicator", "grade_band"])
    students = city.loc["students", "numerator"]
    elementary = sum(city.loc[(f"grade_{g}", "elementary"), "numerator"] for g in ("k", "1", "2"))
    assert city.loc[("grade_k", "elementary"), "denominator"] == students["elementary"]
    return 100 * (students["pre_k"] + elementary) / students["all"]


def test_homeless_students_are_younger(cells):
    # CALIBRATION: 36% of homeless students are in pre-K to grade 2, 28% of housed.
    for group, target in (("homeless", 36.0), ("housed", 28.0)):
        share = _share_pre_k_to_2(cells, group)
        assert abs(share - target) <= _tolerance(target), (group, share)


def test_most_homeless_students_were_homeless_before(city_rates):
    # CALIBRATION: "over two-thirds of students homeless in 2014-15 were homeless in an
    # earlier year": fewer than a third are homeless in this year only of the five.
    assert city_rates[("years_homeless_1", "homeless")] < 100 / 3
    shares = [city_rates[(f"years_homeless_{n}", "homeless")] for n in range(1, 6)]
    assert abs(sum(shares) - 100) < 1e-9  # a distribution
    # More than one year and more than one type is common, not rare.
    assert city_rates[("homeless_types_2", "homeless")] > 15


def _district_rates(
    cells: pd.DataFrame, indicator: str, group: str, band: str = "all"
) -> pd.DataFrame:
    """By school district in 2014-15: the rate in percent (``rate``), its denominator
    (``n``) and numerator (``count``), for districts with a denominator."""
    rows = cells[
        (cells["layer"] == "school_district")
        & (cells["year"] == "2014-15")
        & (cells["indicator"] == indicator)
        & (cells["group"] == group)
        & (cells["grade_band"] == band)
        & (cells["denominator"] > 0)
    ]
    return pd.DataFrame(
        {
            "rate": (100 * rows.numerator / rows.denominator).to_numpy(),
            "n": rows.denominator.to_numpy(),
            "count": rows.numerator.to_numpy(),
        },
        index=rows.geo_id.to_numpy(),
    )


def _sampling_error(percent: float, n: float | pd.Series) -> float | pd.Series:
    """Standard error, in points, of a share near ``percent`` among ``n`` students."""
    p = percent / 100
    return 100 * (p * (1 - p) / n) ** 0.5


GEOGRAPHIC = [str(d) for d in range(1, 33)]


def test_pre_k_share_homeless_by_district(cells):
    """CALIBRATION: pre-K share homeless from ~1% (district 26) to 19% (district 5). At
    this scale a district has 50 to 350 pre-K students (a sampling error up to 5.5
    points at 19%), so the test asks for the shape: district 26 among the lowest, near
    1-2%, and the districts with most homeless students (13-18% over all grades) well
    above the rest: their median at least 10% (13% less the tolerance), each at least
    10% less two sampling errors of its pre-K count (students in shelter from other
    districts move the small counts further), and their median 5 points above the
    others'. The highest district is bounded in the next test."""
    rates = _district_rates(cells, "share_of_students", "homeless", "pre_k")
    share = rates.rate.sort_values()
    assert share["26"] <= 3
    assert "26" in share.index[:3]
    high = rates.loc[["4", "5", "7", "9", "10", "12", "16", "23"]]
    assert high.rate.median() >= 10
    assert (high.rate >= 10 - 2 * _sampling_error(10, high.n)).all(), high
    assert high.rate.median() > share.drop(high.index).median() + 5


def test_pre_k_share_homeless_tops_out_near_19_percent(cells):
    """CALIBRATION: pre-K share homeless reaches 19% (district 5) at most. No district
    may pass 19% by more than the tolerance (3 points) and the sampling noise of its own
    pre-K count: 2.5 standard errors of a 19% share among its 50 to 350 pre-K students
    (14 points for 50 students, 5 for 350). A district truly at 22% passes with
    probability 99.4%, and only the eight high districts come near. The highest
    district is at least 16% (the tolerance below 19%: the top of eight noisy high
    districts errs upward, not down). District 5 itself is not asked to be the highest:
    district 9, the highest over all grades, is as likely."""
    share = _district_rates(cells, "share_of_students", "homeless", "pre_k")
    bound = 19 + 3 + 2.5 * _sampling_error(19, share.n)
    over = share[share.rate > bound]
    assert over.empty, over
    assert share.rate.max() >= 19 - 3


def test_districts_vary_as_calibration_describes(cells):
    """CALIBRATION.md: districts 4, 5, 7, 9, 10, 12, 16 and 23 have 13-18% homeless (12%
    allows for sampling at this scale), district 10 the largest number, district 26
    ~1-2%; chronic absence of homeless students in districts 75 and 79 over two-thirds."""
    last = cells[
        (cells["layer"] == "school_district")
        & (cells["year"] == "2014-15")
        & (cells["grade_band"] == "all")
    ]
    share = last[(last.indicator == "share_of_students") & (last.group == "homeless")]
    share = (100 * share.numerator / share.denominator).set_axis(share.geo_id)
    assert share[["4", "5", "7", "9", "10", "12", "16", "23"]].min() >= 12
    assert share["26"] <= 3
    homeless = last[(last.indicator == "students") & (last.group == "homeless")]
    assert homeless.set_index("geo_id")["numerator"].idxmax() == "10"
    chronic = last[(last.indicator == "chronic_absence_nyc") & (last.group == "homeless")]
    chronic = chronic.set_index("geo_id")
    assert (
        chronic.loc[["75", "79"], "numerator"] / chronic.loc[["75", "79"], "denominator"]
    ).min() > 2 / 3


def test_district_9_has_the_highest_share_and_9_and_10_the_most_homeless(cells):
    """CALIBRATION: "Districts 4, 5, 7, 9, 10, 12, 16 and 23 have 13-18% of students
    homeless; district 9 has the highest share, district 10 the largest number (over
    8,500); districts 9 and 10 together over 15,000." Each share rests on 1,100 to
    6,000 students (a sampling error of 1.1 to 0.5 points at 18%): none of the eight
    passes 18% by more than the tolerance and two errors. Counts scale with the scale
    (over 850 and 1,500 here), less two Poisson errors (58 and 77 students)."""
    share = _district_rates(cells, "share_of_students", "homeless")
    high = share.loc[["4", "5", "7", "9", "10", "12", "16", "23"]]
    assert (high.rate <= 18 + 3 + 2 * _sampling_error(18, high.n)).all(), high
    assert share.loc[GEOGRAPHIC, "rate"].idxmax() == "9"
    homeless = share["count"]
    assert homeless["10"] >= 850 - 2 * math.sqrt(850)
    assert homeless["9"] + homeless["10"] >= 1_500 - 2 * math.sqrt(1_500)


def test_a_quarter_of_districts_have_a_fifth_of_students_ever_homeless(cells):
    """CALIBRATION: "In about a quarter of districts, 20% or more of students were
    homeless at some time in five years": 8 of the 32 geographic districts. Each share
    rests on 1,100 to 6,000 students (a sampling error near 1 point), so a district near
    20% may fall on either side: 6 to 10 of them."""
    ever = _district_rates(cells, "share_of_students", "ever_homeless").loc[GEOGRAPHIC]
    assert 6 <= (ever.rate >= 20).sum() <= 10, ever.rate.sort_values()


def test_about_72_percent_are_eligible_for_lunch(city_rates):
    # CALIBRATION: "About 72% of students are eligible for free or reduced-price lunch";
    # homeless students count as eligible, so eligible = homeless + housed low-income.
    eligible = city_rates[("share_of_students", "homeless")]
    eligible += city_rates[("share_of_students", "housed_low_income")]
    assert abs(eligible - 72) <= 3, eligible


def test_three_quarters_of_repeatedly_homeless_changed_type_or_returned(city):
    """CALIBRATION: of students homeless in 2014-15 (the sentence before is about them),
    "three-quarters of those with more than one homeless year changed type or went in
    and out of housing more than once". A reader works it out from the records: each
    student's status in each of the five years as the atlas picks it (shelter, then
    unsheltered, other homeless, doubled up; a year without a record is housed); of the
    students homeless in 2014-15 and in at least one other year, those with two types or
    more, or whose homeless years are not one unbroken run (out of housing, back in, and
    out again). The published years_homeless and homeless_types do not suffice: they
    are two separate distributions, not the joint one, and say nothing of the runs.
    About 6,000 students: a sampling error near 0.6 points, under the tolerance of 3."""
    enrollment = city / "data" / "enrollment.parquet"
    share, students = (
        duckdb.connect()
        .execute(
            f"""
        with years as (
            select student_id, cast(left(school_year, 4) as int) as year,
                min(case housing_status when 'DHS' then 1 when 'UNS' then 2
                    when 'HMO' then 3 when 'DBL' then 4 end) as kind
            from '{enrollment}' group by all
        ), histories as (
            select student_id, count(kind) as homeless_years,
                count(distinct kind) as kinds,
                min(year) filter (where kind is not null) as first_homeless,
                max(year) filter (where kind is not null) as last_homeless
            from years group by all
        )
        select avg((kinds > 1 or last_homeless - first_homeless + 1 > homeless_years)::int),
            count(*)
        from histories where homeless_years > 1 and last_homeless = 2014
        """
        )
        .fetchone()
    )
    assert students > 4_000
    assert abs(100 * share - 75) <= 3, share


def test_chronic_absence_of_homeless_students_is_highest_where_calibration_says(cells):
    """CALIBRATION: "Chronic absence among homeless students exceeds 43% in districts 5,
    8, 12, 13, 16, 19 and 23; in districts 75 and 79 ... three quarters of those in
    shelter". The seven have 150 to 350 homeless students in K-12 (a sampling error of
    4 to 2.6 points at 43%): each is over 43% less two errors, their median is over 43%,
    and each is above the median of the other geographic districts. Districts 75 and 79
    have 70 to 90 students in shelter (an error near 5 points at 75%): each is over 75%
    less the tolerance and two errors."""
    chronic = _district_rates(cells, "chronic_absence_nyc", "homeless")
    high = chronic.loc[["5", "8", "12", "13", "16", "19", "23"]]
    assert (high.rate > 43 - 2 * _sampling_error(43, high.n)).all(), high
    assert high.rate.median() > 43
    others = chronic.loc[[d for d in GEOGRAPHIC if d not in high.index], "rate"]
    assert high.rate.min() > others.median(), (high.rate, others.median())
    shelter = _district_rates(cells, "chronic_absence_nyc", "shelter").loc[["75", "79"]]
    assert (shelter.rate > 75 - 3 - 2 * _sampling_error(75, shelter.n)).all(), shelter


def _near(rate: float, target: float, n: float) -> bool:
    """A district's rate is within the tolerance of its figure, plus two sampling errors
    of the figure among the district's ``n`` students."""
    return abs(rate - target) <= _tolerance(target) + 2 * _sampling_error(target, n)


def test_district_ranges_of_transfers_scores_and_late_entry(cells):
    """CALIBRATION's district ranges, each end checked against its figure with the
    tolerance plus two sampling errors of the district's count at this scale (the counts
    are small, so this is loose; each end needs 20 students at least). Which districts
    are the ends is not checked: with 20 to 130 students each, ranks at the ends are a
    matter of sampling here:

    - shelter transfers ~20% (district 2, about 45 students in shelter; 20 has about 15
      at this scale, too few) to 56% (district 31, 25 to 45 students);
    - doubled-up transfers 9% (district 20, about 130 students) to 25% (district 23,
      about 70);
    - homeless ELA 8% and math 9% in district 23 (about 65 tested); district 26's 36%
      and 57% rest on about 20 tested homeless students here (the atlas omits rates on
      fewer than 30), too few;
    - late entrants who are homeless: 9% in district 15 (about 100 late entrants) to 46%
      in district 5 (about 40)."""
    checks = [
        ("midyear_transfer", "shelter", "2", 20.0),
        ("midyear_transfer", "shelter", "31", 56.0),
        ("midyear_transfer", "doubled_up", "20", 9.0),
        ("midyear_transfer", "doubled_up", "23", 25.0),
        ("ela_proficiency", "homeless", "23", 8.0),
        ("math_proficiency", "homeless", "23", 9.0),
        ("share_of_late_entrants", "homeless", "15", 9.0),
        ("share_of_late_entrants", "homeless", "5", 46.0),
    ]
    for indicator, group, district, target in checks:
        row = _district_rates(cells, indicator, group).loc[district]
        assert row.n >= 20, (indicator, group, district, row.n)
        assert _near(row.rate, target, row.n), (indicator, group, district, row.rate)


def test_formerly_homeless_score_like_homeless_students(city_rates, cells):
    """CALIBRATION: "Formerly homeless students score close to currently homeless ones,
    12-13 points below housed low-income peers". About 2,800 formerly homeless students
    are tested in 2014-15 (a sampling error under 0.8 points); the gap to housed
    low-income peers is within the tolerance of 12-13 points, and the formerly homeless
    within the tolerance of the homeless, each with two sampling errors."""
    city = cells[(cells["layer"] == "city") & (cells["year"] == "2014-15")]
    for subject in ("ela_proficiency", "math_proficiency"):
        formerly = city_rates[(subject, "formerly_homeless")]
        tested = city[
            (city.indicator == subject)
            & (city.group == "formerly_homeless")
            & (city.grade_band == "all")
        ].denominator.iloc[0]
        noise = 2 * _sampling_error(formerly, tested)
        gap = city_rates[(subject, "housed_low_income")] - formerly
        assert 12 - 3 - noise <= gap <= 13 + 3 + noise, (subject, gap)
        assert abs(formerly - city_rates[(subject, "homeless")]) <= 3 + noise, subject


def test_elementary_shelter_retention_is_about_twice_housed(city_rates):
    # CALIBRATION: "Grade retention: 7% of elementary students in shelter (about twice
    # housed)": housed elementary students about 3.5%, within 20% (figures under 15%).
    # About 42,000 housed elementary students: a sampling error near 0.1 points.
    housed = city_rates[("retention", "housed", "elementary")]
    assert abs(housed - 7 / 2) <= _tolerance(7 / 2), housed


@pytest.mark.xfail(
    strict=True,
    reason="the generator holds a retained student back a grade, and 71% of a cohort "
    "graduate in four years, so high-school retention stays near 8% homeless and 4% "
    "housed; 17% and 13% need retention in high school to mean credit-based promotion "
    "that does not delay graduation (a design decision, not a parameter)",
)
def test_high_school_retention_lands_near_calibration(city_rates):
    # CALIBRATION: "high school 17% homeless vs 13% housed". About 2,200 homeless and
    # 34,000 housed high-school students at this scale: sampling errors under 0.8 points.
    for group, target in (("homeless", 17.0), ("housed", 13.0)):
        rate = city_rates[("retention", group, "high")]
        assert abs(rate - target) <= _tolerance(target), (group, rate)


def test_students_in_shelter_attend_schools_near_their_shelter(city):
    # CALIBRATION: "students in shelter attend schools near the shelters": as a reader of
    # the records and the shelter list sees it, nearly all of them (not those in
    # districts 75 and 79, whose schools are citywide) attend a school of the district
    # their shelter stands in.
    data = city / "data"
    shelters = gpd.sjoin(
        _points(pd.read_csv(data / "shelters.csv", dtype={"shelter_id": str})),
        _districts(),
        predicate="within",
    )
    stands_in = shelters.set_index("shelter_id")["SchoolDist"]
    spells = pd.read_parquet(
        data / "enrollment.parquet",
        columns=["school_id", "shelter_id"],
        filters=[("school_year", "=", "2014-15"), ("shelter_id", "!=", "")],
    ).dropna()
    schools = pd.read_csv(data / "schools.csv", dtype=str).set_index("school_id")["district"]
    attends = spells["school_id"].map(schools)
    geographic = ~attends.isin(["75", "79"])
    same = attends[geographic] == spells.loc[geographic, "shelter_id"].map(stands_in)
    assert len(same) > 1_000 and same.mean() >= 0.9, (len(same), same.mean())


def test_doubled_up_students_spread_wider_than_students_in_shelter(cells):
    """CALIBRATION: "Doubled-up students attend schools across the city; students in
    shelter attend schools near the shelters." The eight districts with the most shelter
    units hold a far larger share of the city's students in shelter than of its
    doubled-up students (about 2,800 and 4,900 students: sampling errors near 1 point;
    10 points apart at least)."""
    last = cells[
        (cells["layer"] == "school_district")
        & (cells["year"] == "2014-15")
        & (cells["grade_band"] == "all")
    ]
    units = last[(last.indicator == "shelter_capacity") & last.category.fillna("").eq("")]
    most_units = units.set_index("geo_id")["numerator"].nlargest(8).index
    students = last[last.indicator == "students"].pivot_table(
        index="geo_id", columns="group", values="numerator"
    )
    held = (
        students.loc[most_units, ["shelter", "doubled_up"]].sum()
        / students[["shelter", "doubled_up"]].sum()
    )
    assert held["shelter"] - held["doubled_up"] >= 0.1, held


# Statements of CALIBRATION.md ("Housing", "More shape to reproduce") not tested here:
# - "Roughly 320 schools have fewer than 10 homeless students" does not scale down: at
#   scale 0.1 a district has a handful of schools, whose sizes spread less than fifty
#   do (about 25 of 178 schools, not 33). Measured at scale 1 (seed 7): 330 of 1,702.
# - District 26's homeless ELA 36% and math 57%: about 20 tested homeless students at
#   this scale, too few (the atlas omits rates on fewer than 30).
# - Shelter transfers in district 20 (~20%): about 15 students in shelter at this scale.
# - High-school retention, 17% homeless and 13% housed: the xfail test above says why.


def test_validate_lists_every_problem_of_a_broken_demo_at_once(small, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(small, broken)
    enrollment = pq.read_table(broken / "data" / "enrollment.parquet").to_pandas()
    enrollment.loc[[2, 6], "housing_status"] = "SHELTER"  # rows 3 and 7
    enrollment.loc[9, "days_absent"] = -4  # row 10
    pq.write_table(pa.Table.from_pandas(enrollment), broken / "data" / "enrollment.parquet")
    schools = pd.read_csv(broken / "data" / "schools.csv", dtype=str)
    schools.loc[0, ["longitude", "latitude"]] = ["-73.5", "40.3"]  # row 1: in the ocean
    schools.loc[1, "district"] = "99"  # row 2
    schools.to_csv(broken / "data" / "schools.csv", index=False)
    shelters = pd.read_csv(broken / "data" / "shelters.csv", dtype=str)
    shelters.drop(columns="capacity_units").to_csv(broken / "data" / "shelters.csv", index=False)
    before = sorted(p.relative_to(broken) for p in broken.rglob("*"))

    result = CliRunner().invoke(main, ["validate", "--config", str(broken / "atlas.toml")])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "error: 5 problem(s) in the inputs:"
    assert sorted(lines[1:]) == sorted(EXPECTED_BROKEN)  # no warnings: the ocean school
    # is an error, and does not also warn once for every other layer
    assert sorted(p.relative_to(broken) for p in broken.rglob("*")) == before


EXPECTED_BROKEN = [
    "  - enrollment.parquet rows 3, 7: housing_status 'SHELTER' is not a known code; map it "
    "under [housing.codes] in atlas.toml",
    "  - enrollment.parquet row 10: days_absent is negative; correct these values",
    "  - schools.csv row 1: 1 school lies outside every school_district polygon; check their "
    "longitude and latitude (swapped? wrong sign?)",
    "  - schools.csv row 2: district 99 is not in the school_district layer or its attribute "
    "table; correct the district, or add it to the layer's attribute table",
    "  - shelters.csv: required column 'capacity_units' is missing; add it, or map your "
    'column under [inputs.shelters.columns] as capacity_units = "your_column"',
]
