"""Malformed extracts never crash validation: the outcome is a clean InputError that
names files and rows (and never a student id), or a valid extract."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.config import load_config
from atlas.errors import InputError
from atlas.indicators.places import place_cells
from atlas.validate import OUTCOMES, validate
from tests.conftest import TOML, spell, write_project

# Values a broken extract might hold in any column.
NASTY = st.one_of(
    st.just(""),
    st.just(" "),
    st.sampled_from(["NULL", "n/a", "-", "1e400", "-0", "+7", "3.5", "2015-13-45", "2014-15"]),
    st.sampled_from(["99999999999999999999999", "-99999999999999999999", "0x1F", "١٢"]),
    st.sampled_from(["2015-02-30", "20150101", "2014-09-08T00:00", "true", "Y", "DHS"]),
    st.text(max_size=12),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
COLUMNS = list(spell("X", "2014-15", "S1", "3").keys())


@st.composite
def broken_rows(draw):
    rows = [spell(f"ID{i}", "2014-15", "S1", "3") for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.sampled_from(rows))
        row[draw(st.sampled_from(COLUMNS))] = draw(NASTY)
    return rows


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=broken_rows(), drop=st.sets(st.sampled_from(COLUMNS), max_size=2))
def test_broken_enrollment_gives_a_clean_error_or_a_valid_extract(tmp_path_factory, rows, drop):
    root = tmp_path_factory.mktemp("fuzz")
    config_path = write_project(root, [{k: v for k, v in r.items() if k not in drop} for r in rows])
    try:
        validate(load_config(config_path))
    except InputError as err:
        message = str(err)
        assert message.startswith(f"{len(err.problems)} problem(s) in the inputs:")
        others = {str(v) for row in rows for k, v in row.items() if k != "student_id"}
        for row in rows:
            student = str(row.get("student_id", ""))
            # A real id, not a fragment every message holds, nor a value of another column.
            if len(student) > 3 and student not in others:
                assert student not in message


@settings(max_examples=15, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_as_a_schools_file_gives_a_clean_outcome(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("fuzz")
    config_path = write_project(root, [spell("A", "2014-15", "S1", "3")])
    (root / "data" / "schools.csv").write_text(text, encoding="utf-8")
    try:
        validate(load_config(config_path))
    except InputError:
        pass


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    config_path = write_project(tmp_path, [spell("A", "2014-15", "S1", "3")])
    path = tmp_path / "data" / "enrollment.csv"
    path.write_bytes(path.read_bytes().replace(b"S1", b"S\xe91"))
    try:
        validate(load_config(config_path))
    except InputError as err:
        assert "enrollment.csv" in str(err)
    else:
        raise AssertionError("a file that is not UTF-8 must be an error")


# --- cohorts, shelters and resources -------------------------------------------------

COHORT_TOML = TOML.replace(
    "[housing.codes]",
    '[inputs.cohorts]\npath = "data/cohorts.csv"\n\n'
    '[inputs.resources]\npath = "data/resources.csv"\n\n[housing.codes]',
)
COHORT_COLUMNS = ["student_id", "cohort_year", "outcome"]
SHELTER_COLUMNS = ["shelter_id", "shelter_type", "capacity_units", "longitude", "latitude"]
RESOURCE_COLUMNS = ["resource_id", "resource_type", "name", "longitude", "latitude"]


def _csv(columns: list[str], rows: list[dict]) -> str:
    """A CSV file of ``rows`` in ``columns`` (a value with a comma or quote is quoted)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def broken_table(draw, good: list[dict]):
    """``good`` rows with a few values replaced by nasty ones, and maybe a column gone."""
    rows = [dict(r) for r in good[: draw(st.integers(1, len(good)))]]
    columns = list(good[0])
    for _ in range(draw(st.integers(1, 5))):
        row = draw(st.sampled_from(rows))
        row[draw(st.sampled_from(columns))] = draw(NASTY)
    dropped = draw(st.sets(st.sampled_from(columns), max_size=1))
    return [c for c in columns if c not in dropped], rows


def _ninth_graders() -> list[dict]:
    return [spell(f"STUDENT{i}", "2014-15", "S3", "9") for i in range(3)]


GOOD_COHORTS = [
    {"student_id": f"STUDENT{i}", "cohort_year": "2014-15", "outcome": o}
    for i, o in enumerate(["graduated", "dropped_out", "still_enrolled"])
]
GOOD_SHELTERS = [
    {"shelter_id": "SH1", "shelter_type": "Tier II", "capacity_units": "40",
     "longitude": "-74.006", "latitude": "40.703"},
    {"shelter_id": "SH2", "shelter_type": "Hotel", "capacity_units": "3",
     "longitude": "-74.015", "latitude": "40.705"},
    {"shelter_id": "SH3", "shelter_type": "Hotel", "capacity_units": "12",
     "longitude": "-74.004", "latitude": "40.707"},
]  # fmt: skip
GOOD_RESOURCES = [
    {"resource_id": "R1", "resource_type": "Homebase office", "name": "West",
     "longitude": "-74.015", "latitude": "40.702"},
    {"resource_id": "R2", "resource_type": "Health centre", "name": "East",
     "longitude": "-74.005", "latitude": "40.705"},
]  # fmt: skip


def _fuzz_project(root, *, cohorts=None, shelters=None, resources=None):
    """The tiny project with three ninth graders and these (maybe broken) tables."""
    config_path = write_project(root, _ninth_graders(), toml=COHORT_TOML)
    data = root / "data"
    cohorts = cohorts or (COHORT_COLUMNS, GOOD_COHORTS)
    shelters = shelters or (SHELTER_COLUMNS, GOOD_SHELTERS)
    resources = resources or (RESOURCE_COLUMNS, GOOD_RESOURCES)
    (data / "cohorts.csv").write_text(_csv(*cohorts), encoding="utf-8")
    (data / "shelters.csv").write_text(_csv(*shelters), encoding="utf-8")
    (data / "resources.csv").write_text(_csv(*resources), encoding="utf-8")
    return load_config(config_path)


def _clean(err: InputError, secrets: set[str]) -> None:
    """The error lists its problems, each naming a file, and no student id."""
    message = str(err)
    assert message.startswith(f"{len(err.problems)} problem(s) in the inputs:")
    for problem in err.problems:
        assert problem.where.split(" ")[0].endswith((".csv", ".toml", ".geojson")), problem
    for secret in secrets:
        assert secret not in message


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(table=broken_table(GOOD_COHORTS))
def test_broken_cohorts_give_a_clean_error_or_a_valid_extract(tmp_path_factory, table):
    columns, rows = table
    config = _fuzz_project(tmp_path_factory.mktemp("fuzz"), cohorts=(columns, rows))
    others = {str(v) for r in rows for k, v in r.items() if k != "student_id"}
    # Ids of students whose rows are broken, and the good ids: none may be printed.
    secrets = {r["student_id"] for r in rows if len(r["student_id"]) > 3} - others
    try:
        extract = validate(config)
    except InputError as err:
        _clean(err, secrets | {"STUDENT0", "STUDENT1", "STUDENT2"} - others)
        return
    assert extract.cohorts is not None
    assert set(extract.cohorts["outcome"].to_pylist()) <= set(OUTCOMES)


@FUZZ
@given(table=broken_table(GOOD_SHELTERS))
def test_broken_shelters_give_a_clean_error_or_a_correct_count(tmp_path_factory, table):
    columns, rows = table
    config = _fuzz_project(tmp_path_factory.mktemp("fuzz"), shelters=(columns, rows))
    try:
        extract = validate(config)
    except InputError as err:
        _clean(err, set())
        return
    # Valid after all (a nasty value that happens to be fine): the counts add up.
    cells = place_cells({"shelters": extract.shelters}, extract.layers, ["2014-15"])
    city = cells[(cells["layer"] == "city") & (cells["category"] == "")]
    counted = city.set_index("indicator")["numerator"]
    assert counted["shelters"] == len(rows)
    assert counted["shelter_capacity"] == sum(int(float(r["capacity_units"])) for r in rows)


@FUZZ
@given(table=broken_table(GOOD_RESOURCES))
def test_broken_resources_give_a_clean_error_or_a_correct_count(tmp_path_factory, table):
    columns, rows = table
    config = _fuzz_project(tmp_path_factory.mktemp("fuzz"), resources=(columns, rows))
    try:
        extract = validate(config)
    except InputError as err:
        _clean(err, set())
        return
    cells = place_cells({"resources": extract.resources}, extract.layers, ["2014-15"])
    city = cells[(cells["layer"] == "city") & (cells["category"] == "")]
    assert city["numerator"].tolist() == [len(rows)]


@settings(max_examples=15, deadline=None)
@given(text=st.text(max_size=300), which=st.sampled_from(["cohorts", "shelters", "resources"]))
def test_any_text_as_a_cohorts_shelters_or_resources_file_gives_a_clean_outcome(
    tmp_path_factory, text, which
):
    root = tmp_path_factory.mktemp("fuzz")
    config = _fuzz_project(root)
    (root / "data" / f"{which}.csv").write_text(text, encoding="utf-8")
    try:
        validate(config)
    except InputError as err:
        _clean(err, {"STUDENT0", "STUDENT1", "STUDENT2"})
