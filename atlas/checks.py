"""Parsed extracts -> problems of consistency that no single value shows: dates in the
wrong order, overlapping spells, more days absent than enrolled, an IEP from a later
grade, a year missing from the history, cohort members never in ninth grade.

Every check is columnar (Arrow compute and NumPy over sorted arrays); messages name the
file and rows, never a student id.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from atlas.errors import Problem
from atlas.load import row_list, rows_where
from atlas.model import GRADES


def _rows(
    mask: pa.ChunkedArray | pa.Array, fname: str, what: str, todo: str, severity: str = "error"
) -> list[Problem]:
    """One problem naming the rows where ``mask`` is true, or none."""
    if not pc.any(mask).as_py():
        return []
    return [Problem(f"{fname} {row_list(rows_where(mask))}", what, todo, severity)]


def enrollment_consistency(table: pa.Table, fname: str) -> list[Problem]:
    """Checks within and across the spells of the (code-mapped) enrollment table."""
    if table.num_rows == 0:
        return [Problem(fname, "has no rows", "export the enrollment records again")]
    if "exit_date" not in table.column_names:  # optional: every spell runs to the year's end
        table = table.append_column("exit_date", pa.nulls(table.num_rows, pa.date32()))
    problems = []
    for mask, what, todo in (
        (
            pc.less(table["exit_date"], table["entry_date"]),
            "exit_date is before entry_date",
            "correct the dates",
        ),
        (
            # (a negative days_enrolled has its own message)
            pc.and_(
                pc.greater(table["days_absent"], table["days_enrolled"]),
                pc.greater_equal(table["days_enrolled"], 0),
            ),
            "days_absent is more than days_enrolled",
            "correct the days (days absent count only days enrolled)",
        ),
    ):
        problems += _rows(mask, fname, what, todo)
    problems += _iep_after_grade(table, fname)
    problems += _overlapping_spells(table, fname)
    problems += _missing_years(table, fname)
    return problems


def _grade_rank(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.index_in(column, value_set=pa.array(GRADES))


def _iep_after_grade(table: pa.Table, fname: str) -> list[Problem]:
    if "iep_grade" not in table.column_names:
        return []
    later = pc.greater(_grade_rank(table["iep_grade"]), _grade_rank(table["grade"]))
    return _rows(
        later,
        fname,
        "iep_grade is a later grade than the grade of the spell",
        "correct iep_grade (the grade of the first IEP) or grade",
    )


def _overlapping_spells(table: pa.Table, fname: str) -> list[Problem]:
    """Spells of one student that overlap in time; an open spell (no exit date) runs to
    the end of its school year, June 30."""
    known = pc.and_(
        pc.and_(pc.is_valid(table["student_id"]), pc.is_valid(table["entry_date"])),
        pc.is_valid(table["school_year"]),
    )
    index = np.flatnonzero(pc.fill_null(known, False).to_numpy(zero_copy_only=False))
    table = table.take(pa.array(index))  # rows with a value missing have their own message
    years = pc.unique(table["school_year"])
    ends = pa.array([dt.date(int(y[:4]) + 1, 6, 30) for y in years.to_pylist()], pa.date32())
    year_end = pc.take(ends, pc.index_in(table["school_year"], value_set=years))
    exits = pc.coalesce(table["exit_date"], year_end)
    keys = pa.table({"s": table["student_id"], "e": table["entry_date"]})
    order = pc.sort_indices(keys, [("s", "ascending"), ("e", "ascending")])
    student = pc.take(table["student_id"], order).to_numpy(zero_copy_only=False)
    entry = pc.take(table["entry_date"], order).to_numpy(zero_copy_only=False)
    exit_ = pc.take(exits, order).to_numpy(zero_copy_only=False)
    overlap = (student[1:] == student[:-1]) & (entry[1:] <= exit_[:-1])
    if not overlap.any():
        return []
    rows = np.sort(index[order.to_numpy()[1:][overlap]])
    return [
        Problem(
            f"{fname} {row_list(rows)}",
            "a spell begins before the same student's previous spell ends",
            "close the earlier spell (exit_date) before the next one begins, "
            "or remove duplicate rows",
        )
    ]


def _missing_years(table: pa.Table, fname: str) -> list[Problem]:
    years = sorted(y for y in pc.unique(table["school_year"]).to_pylist() if y is not None)
    starts = [int(y[:4]) for y in years]
    gaps = [
        f"{s}-{(s + 1) % 100:02d}"
        for a, b in zip(starts, starts[1:], strict=False)
        for s in range(a + 1, b)
    ]
    if not gaps:
        return []
    return [
        Problem(
            fname,
            f"school year(s) {', '.join(gaps)} have no records, between {years[0]} and "
            f"{years[-1]}: trends and five-year histories would be wrong",
            "add the missing year's records, or leave out the years before the gap",
        )
    ]


def cohort_members_in_ninth_grade(
    cohorts: pa.Table, enrollment: pa.Table, fname: str
) -> list[Problem]:
    """Cohort rows whose student is never in grade 9 in the enrollment records."""
    ninth = pc.filter(enrollment["student_id"], pc.equal(enrollment["grade"], "9"))
    never = pc.invert(pc.is_in(cohorts["student_id"], value_set=pc.unique(ninth)))
    return _rows(
        never,
        fname,
        "the student is never in grade 9 in the enrollment records",
        "check the student id, or leave the row out of the cohort file",
    )


def shelter_ids_present(table: pa.Table, fname: str) -> list[Problem]:
    """Students in shelter without a shelter id, where the source gives shelter ids."""
    if "shelter_id" not in table.column_names:
        return []
    in_shelter = pc.equal(table["housing_status"], "shelter")
    missing = pc.and_(in_shelter, pc.is_null(table["shelter_id"]))
    given = pc.and_(in_shelter, pc.is_valid(table["shelter_id"]))
    if not pc.any(given).as_py():
        return []
    return _rows(
        missing,
        fname,
        "a student in shelter has no shelter_id",
        "add the shelter id; such students count in shelter but on no shelter",
        "warning",
    )
