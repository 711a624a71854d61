"""Malformed extracts never crash validation: the outcome is a clean InputError that
names files and rows (and never a student id), or a valid extract."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.config import load_config
from atlas.errors import InputError
from atlas.validate import validate
from tests.conftest import spell, write_project

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
