"""Checked Arrow tables -> an Ibis connection on embedded DuckDB, in a private temp folder.

Indicators are Ibis expressions, so the same code can run where an agency keeps its
records (a warehouse, Spark). This module is the one place that picks the backend.
DuckDB spills to a temporary folder that only this user can read, removed on exit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import ibis
import pyarrow as pa


@contextmanager
def connect(*, threads: int | None = None, memory_limit: str = "3GB") -> Iterator[ibis.BaseBackend]:
    """An in-memory DuckDB connection whose spill files live and die with the block."""
    spill = tempfile.mkdtemp(prefix="atlas-duckdb-")
    os.chmod(spill, 0o700)
    con = ibis.duckdb.connect(
        temp_directory=spill,
        threads=threads or max(1, os.cpu_count() or 1),
        memory_limit=memory_limit,
    )
    con.raw_sql("SET enable_progress_bar = false")  # atlas shows its own progress
    try:
        yield con
    finally:
        con.disconnect()
        shutil.rmtree(spill, ignore_errors=True)


def register(con: ibis.BaseBackend, name: str, table: pa.Table) -> ibis.Table:
    """Copy an Arrow table into the backend as a temporary table."""
    return con.create_table(name, ibis.memtable(table), temp=True)
