"""Input files -> typed Arrow tables with our column names, and the problems met on the way.

Tables are read column by column with pyarrow (CSV or Parquet), renamed through the
config's column mapping, and parsed to the types of the input contract
(``docs/inputs.md``). A value that does not parse is a :class:`Problem` naming the file,
the first rows and what to do; nothing here prints a value of a student id column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from atlas.config import Config, TableInput
from atlas.errors import Problem


@dataclass(frozen=True)
class Column:
    """A column of the input contract."""

    name: str
    type: str  # string | int | number | bool | date | year
    required: bool = True  # the column must be present
    nullable: bool = False  # empty values allowed
    secret: bool = False  # never print its values (student ids)


def _cols(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in specs)


#: The input contract, table by table (docs/inputs.md is its prose).
CONTRACT: dict[str, tuple[Column, ...]] = {
    "enrollment": _cols(
        ("student_id", "string", True, False, True),
        ("school_year", "year"),
        ("school_id", "string"),
        ("entry_date", "date"),
        ("exit_date", "date", False, True),
        ("grade", "string"),
        ("housing_status", "string"),
        ("lunch_eligible", "bool"),
        ("days_enrolled", "int"),
        ("days_absent", "int"),
        ("days_absent_excused", "int", False, True),
        ("days_absent_unexcused", "int", False, True),
        ("days_suspended", "int"),
        ("hours_attended", "number", False, True),
        ("hours_absent_excused", "number", False, True),
        ("hours_absent_unexcused", "number", False, True),
        ("late_entry", "bool", False, True),
        ("suspended", "bool", False, True),
        ("ell", "bool", False, True),
        ("iep_grade", "string", False, True),
        ("ela_level", "int", False, True),
        ("math_level", "int", False, True),
        ("retained", "bool", False, True),
        ("race_ethnicity", "string", False, True),
        ("gender", "string", False, True),
        ("shelter_id", "string", False, True),
    ),
    "cohorts": _cols(
        ("student_id", "string", True, False, True),
        ("cohort_year", "year"),
        ("outcome", "string"),
    ),
    "schools": _cols(
        ("school_id", "string"),
        ("school_name", "string"),
        ("district", "string"),
        ("longitude", "number"),
        ("latitude", "number"),
        ("grades", "string", False, True),
    ),
    "shelters": _cols(
        ("shelter_id", "string"),
        ("shelter_type", "string"),
        ("capacity_units", "int"),
        ("longitude", "number"),
        ("latitude", "number"),
        ("school_year", "year", False),
    ),
    "resources": _cols(
        ("resource_id", "string"),
        ("resource_type", "string"),
        ("name", "string"),
        ("longitude", "number"),
        ("latitude", "number"),
        ("school_year", "year", False),
    ),
}

_TYPE_WORDS = {
    "int": "a whole number",
    "number": "a number",
    "bool": "true or false",
    "date": "a date as YYYY-MM-DD",
    "year": "a school year as 2014-15",
    "string": "text",
}
_ARROW = {
    "string": pa.string(),
    "int": pa.int64(),
    "number": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "year": pa.string(),
}
_TRUE = ["true", "t", "1", "y", "yes"]
_FALSE = ["false", "f", "0", "n", "no"]


def row_list(rows: np.ndarray, total: int | None = None) -> str:
    """'row 5', 'rows 5, 9, 12' or 'rows 5, 9, 12 and 1,204 more' (1-based row numbers)."""
    total = len(rows) if total is None else total
    shown = ", ".join(str(int(r) + 1) for r in rows[:3])
    word = "row" if total == 1 else "rows"
    more = f" and {total - 3:,} more" if total > 3 else ""
    return f"{word} {shown}{more}"


def rows_where(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """0-based indices where a boolean Arrow mask is true (nulls count as false)."""
    arr = pc.fill_null(mask, False)
    return np.flatnonzero(arr.to_numpy(zero_copy_only=False))


def read_table(
    config: Config, name: str, spec: TableInput
) -> tuple[pa.Table | None, list[Problem]]:
    """Read one input table and parse it to the contract; None when it cannot be read."""
    path = config.path(spec.path)
    fname = path.name
    contract = CONTRACT[name]
    if not path.is_file():
        return None, [
            Problem(
                f"atlas.toml [inputs.{name}]",
                f"file {spec.path} does not exist",
                "check the path (it is relative to atlas.toml) or copy the extract there",
            )
        ]
    source_of = {c.name: spec.columns.get(c.name, c.name) for c in contract}
    problems: list[Problem] = []
    try:
        raw = _read_raw(path, list(source_of.values()))
    except (pa.ArrowInvalid, OSError) as exc:
        reason = str(exc).splitlines()[0][:200]
        return None, [
            Problem(fname, f"cannot be read ({reason})", "save it as UTF-8 CSV or Parquet")
        ]
    columns: dict[str, pa.ChunkedArray] = {}
    for col in contract:
        src = source_of[col.name]
        if src not in raw.column_names:
            if col.required:
                mapped = f" (mapped from '{src}')" if src != col.name else ""
                problems.append(
                    Problem(
                        fname,
                        f"required column '{col.name}'{mapped} is missing",
                        f"add it, or map your column under [inputs.{name}.columns] "
                        f'as {col.name} = "your_column"',
                    )
                )
            continue
        parsed, found = _parse(raw.column(src), col, fname)
        problems += found
        columns[col.name] = parsed
    if any(c.required and c.name not in columns for c in contract):
        return None, problems
    return pa.table(columns), problems


def _read_raw(path: Path, wanted: list[str]) -> pa.Table:
    if path.suffix.lower() == ".parquet":
        present = pq.read_schema(path).names
        return pq.read_table(path, columns=[c for c in wanted if c in present])
    header = pacsv.open_csv(path).schema.names
    keep = [c for c in wanted if c in header]
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in keep},
            include_columns=keep,
            strings_can_be_null=True,
        ),
    )


def _parse(arr: pa.ChunkedArray, col: Column, fname: str) -> tuple[pa.ChunkedArray, list[Problem]]:
    """Cast one column to the contract type; report rows whose values do not parse."""
    target = _ARROW[col.type]
    if arr.type == target and col.type != "year":
        parsed = arr
        bad = pa.chunked_array([pa.array(np.zeros(len(arr), dtype=bool))])
    else:
        text = arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())
        text = pc.utf8_trim_whitespace(text)
        empty = pc.equal(pc.utf8_length(text), 0)
        text = pc.if_else(empty, pa.scalar(None, pa.string()), text)
        parsed, bad = _cast_text(text, col.type)
        bad = pc.fill_null(bad, False)
    problems: list[Problem] = []
    missing = pc.and_(pc.is_null(parsed), pc.invert(bad))
    if pc.any(bad).as_py():
        rows = rows_where(bad)
        example = "" if col.secret else f" (for example {arr[int(rows[0])].as_py()!r})"
        problems.append(
            Problem(
                f"{fname} {row_list(rows)}",
                f"column '{col.name}' must be {_TYPE_WORDS[col.type]}{example}",
                "correct these values in the extract",
            )
        )
    if not col.nullable and pc.any(missing).as_py():
        rows = rows_where(missing)
        problems.append(
            Problem(
                f"{fname} {row_list(rows)}",
                f"column '{col.name}' is empty",
                "fill it in, or drop these rows from the extract",
            )
        )
    return parsed, problems


def _cast_text(text: pa.ChunkedArray, kind: str) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """Parse text to ``kind``; returns (values with nulls where unparsable, bad-value mask)."""
    present = pc.is_valid(text)
    if kind == "string":
        return text, pc.and_(present, False)
    if kind == "year":
        ok = pc.match_substring_regex(text, r"^\d{4}-\d{2}$")
        start = pc.cast(pc.utf8_slice_codeunits(pc.if_else(ok, text, "0000-01"), 0, 4), pa.int64())
        end = pc.cast(pc.utf8_slice_codeunits(pc.if_else(ok, text, "0000-01"), 5, 7), pa.int64())
        following = pc.add(start, 1)
        last_two = pc.subtract(following, pc.multiply(pc.divide(following, 100), 100))
        ok = pc.and_(ok, pc.equal(last_two, end))
        return pc.if_else(ok, text, None), pc.and_(present, pc.invert(ok))
    if kind == "bool":
        lower = pc.utf8_lower(text)
        is_true = pc.is_in(lower, pa.array(_TRUE))
        is_false = pc.is_in(lower, pa.array(_FALSE))
        ok = pc.or_(is_true, is_false)
        return pc.if_else(ok, is_true, None), pc.and_(present, pc.invert(ok))
    pattern = {
        "int": r"^[+-]?\d{1,15}(\.0+)?$",  # longer is no count of days or levels
        "number": r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$",
        "date": r"^\d{4}-\d{2}-\d{2}",
    }[kind]
    ok = pc.match_substring_regex(text, pattern)
    safe = pc.if_else(ok, text, None)
    if kind == "int":
        values = pc.cast(pc.cast(safe, pa.float64()), pa.int64())
    elif kind == "number":
        values = pc.cast(safe, pa.float64())
    else:
        day = pc.utf8_slice_codeunits(safe, 0, 10)
        stamp = pc.strptime(day, "%Y-%m-%d", "s", error_is_null=True)
        values = pc.cast(stamp, pa.date32())
        # strptime rolls 2014-02-30 over to March; a real date prints back as written.
        ok = pc.and_(ok, pc.equal(pc.strftime(stamp, "%Y-%m-%d"), day))
        values = pc.if_else(ok, values, None)
    return values, pc.and_(present, pc.invert(pc.fill_null(ok, False)))
