"""The whole daily pipeline runs for real: demo → sentiment → DuckDB → dbt → ClickHouse marts."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from orchestration.jobs import pipeline_selection
from orchestration.runner import run_range
from warehouse.dataset_versions import current_version

FIRST, LAST = date(2026, 3, 2), date(2026, 3, 3)


def _mart_rows(clickhouse, table: str) -> list[tuple]:
    return clickhouse.query(f"SELECT * FROM {table} WHERE tenant_id = 'acme' ORDER BY ALL"
                            ).result_rows


@pytest.fixture(scope="module")
def pipeline_run(instance, clickhouse):
    """The pipeline over two March days, run once for the module."""
    return run_range(pipeline_selection, FIRST, LAST, instance)


def test_every_mention_is_scored(pipeline_run, clickhouse) -> None:
    counts = clickhouse.query(
        "SELECT (SELECT count() FROM raw_social_mentions WHERE toDate(created_at) "
        "BETWEEN {a:Date} AND {b:Date}), (SELECT count() FROM social_mentions_scored "
        "WHERE toDate(created_at) BETWEEN {a:Date} AND {b:Date})",
        parameters={"a": FIRST, "b": LAST}).result_rows[0]
    assert counts[0] == counts[1] > 200
    assert pipeline_run.metadata["enriched/social_mentions_scored"]["rows_written"] == counts[1]


def test_duckdb_holds_what_clickhouse_holds_for_the_window(pipeline_run, clickhouse,
                                                           settings) -> None:
    [[expected]] = clickhouse.query(
        "SELECT count() FROM raw_events WHERE toDate(timestamp) BETWEEN {a:Date} AND {b:Date}",
        parameters={"a": FIRST, "b": LAST}).result_rows
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        [[loaded]] = con.execute(
            "SELECT count(*) FROM raw.raw_events WHERE timestamp >= ? AND timestamp < ?",
            [FIRST, date(2026, 3, 4)]).fetchall()
    assert loaded == expected > 1000


def test_every_mart_is_published_with_a_dataset_version(pipeline_run, clickhouse,
                                                          settings) -> None:
    from orchestration.assets.publish import published_marts

    marts = published_marts()
    assert len(marts) >= 12
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        for mart in marts:
            [[in_duckdb]] = con.execute(
                f"SELECT count(*) FROM marts.{mart.model} WHERE tenant_id = 'acme' AND "
                f"{mart.date_column} >= '2026-03-01' AND {mart.date_column} < '2026-04-01'"
            ).fetchall()
            [[in_clickhouse]] = clickhouse.query(
                f"SELECT count() FROM {mart.table} WHERE tenant_id = 'acme' AND "
                f"toYYYYMM({mart.date_column}) = 202603").result_rows
            assert in_clickhouse == in_duckdb, mart.table
            # A tenant gets a version once it has rows (the trend mart needs 14 days).
            if in_clickhouse:
                assert current_version(clickhouse, mart.table, "acme") >= 1, mart.table
    [[trend_rows]] = clickhouse.query(
        "SELECT count() FROM mart_event_trends_daily WHERE tenant_id = 'acme'").result_rows
    assert trend_rows > 100


def test_dbt_tests_arrive_as_passing_asset_checks(pipeline_run, instance) -> None:
    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus,
    )

    from orchestration.definitions import defs

    checks = [k for k in defs.resolve_asset_graph().asset_check_keys
              if k.asset_key.path[0] == "marts"]
    assert len(checks) >= 20
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key(checks)
    evaluated = [r for r in record.values() if r is not None]
    assert evaluated and all(r.status == AssetCheckExecutionRecordStatus.SUCCEEDED
                             for r in evaluated)


def _wargame_rows(clickhouse) -> list[tuple]:
    return clickhouse.query(
        "SELECT * EXCEPT (computed_at, result_json) FROM sim_wargame_results "
        "WHERE tenant_id = 'acme' AND as_of_date BETWEEN {a:Date} AND {b:Date} ORDER BY ALL",
        parameters={"a": FIRST, "b": LAST}).result_rows


def test_wargames_are_simulated_for_the_last_day_on_measured_shares(pipeline_run,
                                                                    clickhouse) -> None:
    from simulations import template_names

    rows = clickhouse.query(
        "SELECT scenario, as_of_date, baseline_source, simulations, our_share "
        "FROM sim_wargame_results WHERE tenant_id = 'acme' AND as_of_date BETWEEN {a:Date} "
        "AND {b:Date} ORDER BY scenario", parameters={"a": FIRST, "b": LAST}).result_rows
    assert sorted(r[0] for r in rows) == sorted(template_names())
    assert {r[1] for r in rows} == {LAST}  # one as-of day: the window's last
    assert {r[3] for r in rows} == {20_000}
    # The demo tracks Acme, Globex, Initech and Umbrella: every template names at least
    # two of them, so every baseline comes from the share-of-voice mart.
    assert {r[2] for r in rows} == {"share_of_voice"}
    assert current_version(clickhouse, "sim_wargame_results", "acme") >= 1


def test_rerunning_the_window_republishes_identical_marts_and_bumps_versions(
        pipeline_run, instance, clickhouse) -> None:
    before = {t: _mart_rows(clickhouse, t) for t in
              ("mart_event_trends_daily", "mart_funnel_conversions_daily",
               "mart_brand_sentiment_daily")}
    wargames = _wargame_rows(clickhouse)
    version = current_version(clickhouse, "mart_event_trends_daily", "acme")
    run_range(pipeline_selection, FIRST, LAST, instance)
    after = {t: _mart_rows(clickhouse, t) for t in before}
    assert after == before
    assert current_version(clickhouse, "mart_event_trends_daily", "acme") == version + 1
    # Seeded per (tenant, scenario, day): the same day simulates to the same numbers.
    assert _wargame_rows(clickhouse) == wargames
