from __future__ import annotations

import pyarrow as pa
import pytest

from warehouse.migrate import (
    Migration,
    MigrationError,
    applied_versions,
    load_migrations,
    migrate,
    render_sql,
)
from warehouse.raw_schemas import RAW_TABLES


def test_migrations_applied_twice_change_nothing(clickhouse) -> None:
    assert migrate(clickhouse) == []  # the session fixture already applied them
    before = clickhouse.query("SELECT name, create_table_query FROM system.tables "
                              "WHERE database = currentDatabase() ORDER BY name").result_rows
    assert migrate(clickhouse) == []
    after = clickhouse.query("SELECT name, create_table_query FROM system.tables "
                             "WHERE database = currentDatabase() ORDER BY name").result_rows
    assert before == after
    assert sorted(applied_versions(clickhouse)) == [m.version for m in load_migrations()]


def test_edited_migration_is_refused(clickhouse, monkeypatch) -> None:
    original = load_migrations()
    edited = [Migration(m.version, m.name, m.sql + "\n-- edited") for m in original]
    monkeypatch.setattr("warehouse.migrate.load_migrations", lambda: edited)
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(clickhouse)


def test_cluster_rendering_adds_on_cluster_and_replicated_engines() -> None:
    statement = load_migrations()[0].statements()[0]
    rendered = render_sql(statement, "prod")
    assert rendered.startswith("CREATE TABLE IF NOT EXISTS raw_social_mentions ON CLUSTER 'prod'")
    assert ("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/"
            "raw_social_mentions', '{replica}')") in rendered
    assert render_sql(statement, None) == statement


def test_cluster_rendering_keeps_engine_arguments() -> None:
    rendered = render_sql("CREATE TABLE t (v UInt8) ENGINE = ReplacingMergeTree(v) ORDER BY v", "c")
    assert rendered == (
        "CREATE TABLE t ON CLUSTER 'c' (v UInt8) ENGINE = ReplicatedReplacingMergeTree("
        "'/clickhouse/tables/{shard}/{database}/t', '{replica}', v) ORDER BY v"
    )
    alter = render_sql("ALTER TABLE raw_events ADD COLUMN x UInt8", "c")
    assert alter == "ALTER TABLE raw_events ON CLUSTER 'c' ADD COLUMN x UInt8"


@pytest.mark.parametrize("table", sorted(RAW_TABLES))
def test_arrow_schemas_match_clickhouse_columns(clickhouse, table: str) -> None:
    schema, _ = RAW_TABLES[table]
    columns = [name for name, _ in clickhouse.query(
        "SELECT name, type FROM system.columns WHERE database = currentDatabase() "
        "AND table = {t:String} ORDER BY position", parameters={"t": table}).result_rows]
    assert columns == schema.names
    # An empty table of the schema inserts cleanly: the types are compatible.
    clickhouse.insert_arrow(table, pa.Table.from_pylist([], schema=schema))
