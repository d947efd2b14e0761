"""The serving store: tenant predicate added by the query layer, idle release, busy → 503."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from api.keys import create_key
from api.store import ServingStore, StoreBusyError, migrated_tenant_tables
from tests.api.conftest import client_for, running_server
from tests.api.test_cache import Probe, probe_app
from warehouse.clickhouse import lock_path


@pytest.fixture(scope="module")
def two_tenants(clickhouse) -> None:
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    clickhouse.insert(
        "raw_connector_records",
        [[tenant, "probe", "line", f"{tenant}-{i}", now, 1.0, "EUR", "{}", "probe", now]
         for tenant, n in (("t_store_a", 3), ("t_store_b", 2)) for i in range(n)],
        column_names=["tenant_id", "connector", "record_type", "record_id", "occurred_at",
                      "amount", "currency", "payload", "source", "ingested_at"])


def test_queries_without_a_tenant_predicate_still_see_one_tenant(api_settings, two_tenants
                                                                  ) -> None:
    store = ServingStore(api_settings)
    # No WHERE tenant_id at all, a self-join and a subquery: each reads only its tenant.
    sql = ("SELECT count() FROM raw_connector_records AS a "
           "JOIN (SELECT record_id FROM raw_connector_records) AS b USING record_id "
           "WHERE connector = 'probe'")
    assert store.scope("t_store_a").scalar(sql) == 3
    assert store.scope("t_store_b").scalar(sql) == 2
    assert store.scope("t_store_c").scalar(sql) == 0
    # A quote in a tenant id cannot widen the filter.
    assert store.scope("x' OR 1=1 OR tenant_id='y").scalar(sql) == 0
    store.close()


def test_the_filter_covers_every_migrated_tenant_table(clickhouse) -> None:
    # Read from the migration files, so a table created after the API started (by a
    # later migration in a Dagster run) is filtered too; it must match the live database.
    live = {r[0] for r in clickhouse.query(
        "SELECT DISTINCT table FROM system.columns WHERE database = currentDatabase() "
        "AND name = 'tenant_id' AND NOT startsWith(table, '_')").result_rows}
    assert migrated_tenant_tables() == live
    assert {"raw_events", "sim_wargame_results", "mart_crisis_alerts"} <= live


def test_a_group_by_spill_threshold_reaches_every_query(api_settings, two_tenants) -> None:
    """SIGHTLINE_API_QUERY_GROUP_BY_SPILL_BYTES bounds a GROUP BY's memory: past it
    ClickHouse spills to disk; answers are the same."""
    sql = ("SELECT groupArray((record_id, n)) FROM (SELECT record_id, count() AS n "
           "FROM raw_connector_records GROUP BY record_id ORDER BY record_id)")
    plain = ServingStore(api_settings)
    assert plain.scope("t_store_a").scalar(
        "SELECT getSetting('max_bytes_before_external_group_by')") == 0
    expected = plain.scope("t_store_a").scalar(sql)
    plain.close()
    spilling = ServingStore(dataclasses.replace(api_settings, api=dataclasses.replace(
        api_settings.api, query_group_by_spill_bytes=1)))
    scope = spilling.scope("t_store_a")
    assert scope.scalar("SELECT getSetting('max_bytes_before_external_group_by')") == 1
    assert scope.scalar(sql) == expected == [(f"t_store_a-{i}", 1) for i in range(3)]
    spilling.close()


def test_store_is_released_when_idle(api_settings) -> None:
    settings = dataclasses.replace(
        api_settings, api=dataclasses.replace(api_settings.api, store_idle_release_seconds=0.2))
    store = ServingStore(settings)
    assert store.scope("t_store_a").scalar("SELECT 1") == 1
    assert store.is_open
    time.sleep(0.6)
    assert not store.is_open


def _hold_lock(home) -> subprocess.Popen:
    """Another process holding the embedded store's lock (as a Dagster run would)."""
    code = ("import sys, time; from pathlib import Path; "
            "from warehouse.store_lock import store_lock\n"
            "with store_lock(Path(sys.argv[1]), 5, 'dagster run'):\n"
            "    print('held', flush=True); time.sleep(60)\n")
    process = subprocess.Popen([sys.executable, "-c", code, str(home)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_busy_embedded_store_answers_503_with_retry_after(api_settings, tmp_path) -> None:
    busy = dataclasses.replace(
        api_settings, home=tmp_path,
        api=dataclasses.replace(api_settings.api, store_wait_seconds=0.3))
    holder = _hold_lock(lock_path(busy))
    try:
        with pytest.raises(StoreBusyError, match="dagster run"), ServingStore(busy).client():
            pass
        app, context = probe_app(busy, Probe())
        key = create_key(context.db, "t_busy", ["read"])[0]
        with running_server(app) as url, client_for(url, key) as client:
            answer = client.get("/probe")
    finally:
        holder.kill()
        holder.wait()
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.headers["content-type"] == "application/problem+json"
    assert "busy" in answer.json()["detail"]
