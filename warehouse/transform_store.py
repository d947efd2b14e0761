"""The DuckDB file dbt transforms run on (DESIGN §1): raw copies in, marts out.

The load assets copy each raw table's partition window from ClickHouse into the `raw`
schema with `replace_window`; dbt builds `staging`, `intermediate` and `marts` beside it;
the publish assets read marts back with `read_window`. One writer at a time: every
function here runs inside a store step of the Dagster pool, and dbt runs after the load
step has closed its connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb
import pyarrow as pa

from warehouse.settings import Settings

RAW_SCHEMA = "raw"
MARTS_SCHEMA = "marts"


@contextmanager
def open_transform_store(settings: Settings, read_only: bool = False
                         ) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the DuckDB file (created with its `raw` schema if missing); close it on exit."""
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.duckdb_path), read_only=read_only)
    try:
        # Date bounds on timestamp columns mean UTC days, as in dbt's profile (a session
        # setting: a config one would clash with other open connections to the file).
        _run(con, "SET TimeZone = 'UTC'")
        if not read_only:
            _run(con, f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        yield con
    finally:
        con.close()


def replace_window(con: duckdb.DuckDBPyConnection, table: str, time_column: str,
                   start: date, end: date, batches: Iterator[pa.Table]) -> int:
    """Replace the rows of `raw.<table>` with `time_column` in [start, end) by `batches`.

    Runs in one transaction, so dbt sees the old window or the new one. The table is
    created from the first batch's schema when it does not exist yet. Returns rows written.
    """
    target = f"{RAW_SCHEMA}.{table}"
    written = 0
    _run(con, "BEGIN TRANSACTION")
    try:
        exists = _table_exists(con, RAW_SCHEMA, table)
        if exists:
            _run(con, f'DELETE FROM {target} WHERE "{time_column}" >= ? AND "{time_column}" < ?',
                 [start, end])
        for batch in batches:
            con.register("_incoming", batch)
            if not exists:
                _run(con, f"CREATE TABLE {target} AS SELECT * FROM _incoming LIMIT 0")
                exists = True
            _run(con, f"INSERT INTO {target} BY NAME SELECT * FROM _incoming")
            con.unregister("_incoming")
            written += batch.num_rows
        _run(con, "COMMIT")
    except Exception:
        _run(con, "ROLLBACK")
        raise
    return written


def read_window(con: duckdb.DuckDBPyConnection, relation: str, date_column: str,
                start: date, end: date) -> pa.Table:
    """Rows of `relation` (e.g. `marts.fct_x`) with `date_column` in [start, end)."""
    return con.sql(
        f'SELECT * FROM {relation} WHERE "{date_column}" >= $start AND "{date_column}" < $end',
        params={"start": start, "end": end}).to_arrow_table()


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Execute and fully consume a statement (DuckDB 2 refuses new work on a pending result)."""
    return con.execute(sql, params).fetchall()


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(_run(con, "SELECT count(*) FROM information_schema.tables "
                     "WHERE table_schema = ? AND table_name = ?", [schema, table])[0][0])
