"""The ingestion assets run for real: demo generator → partition writes → GX checks."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import pytest

from orchestration.runner import RunFailedError, run_job, run_range

DEMO = dg.AssetSelection.assets(["raw", "demo"])


def _demo_ids(clickhouse, first: str, last: str) -> tuple[list, list]:
    events = clickhouse.query(
        "SELECT tenant_id, event_id FROM raw_events WHERE source = 'demo' AND "
        "toDate(timestamp) BETWEEN {a:Date} AND {b:Date} ORDER BY tenant_id, event_id",
        parameters={"a": first, "b": last}).result_rows
    mentions = clickhouse.query(
        "SELECT tenant_id, post_id FROM raw_social_mentions WHERE source = 'demo' AND "
        "toDate(created_at) BETWEEN {a:Date} AND {b:Date} ORDER BY tenant_id, post_id",
        parameters={"a": first, "b": last}).result_rows
    return events, mentions


def test_same_day_materialized_twice_gives_identical_rows(instance, clickhouse) -> None:
    day = date(2026, 1, 5)
    first = run_range(DEMO, day, day, instance)
    before = _demo_ids(clickhouse, "2026-01-05", "2026-01-05")
    second = run_range(DEMO, day, day, instance)
    after = _demo_ids(clickhouse, "2026-01-05", "2026-01-05")
    assert before == after
    events, mentions = after
    assert len(events) == len(set(events)) > 1000
    assert len(mentions) == len(set(mentions)) > 100
    assert first.metadata["raw/demo"]["rows_written"] == second.metadata["raw/demo"]["rows_written"]
    assert first.metadata["raw/demo"]["rows_written"] == sum(
        clickhouse.query(f"SELECT count() FROM {t} WHERE source = 'demo' AND toDate({c}) = "
                         "'2026-01-05'").result_rows[0][0]
        for t, c in [("raw_events", "timestamp"), ("raw_social_mentions", "created_at"),
                     ("raw_connector_records", "occurred_at")])


def test_backfill_of_seven_days_gives_seven_partitions(instance, clickhouse) -> None:
    outcome = run_range(DEMO, date(2026, 1, 10), date(2026, 1, 16), instance)
    assert outcome.metadata["raw/demo"]["partitions"] == "2026-01-10 .. 2026-01-16 (7 days)"
    for table in ("raw_events", "raw_social_mentions", "raw_connector_records"):
        partitions = clickhouse.query(
            "SELECT DISTINCT partition FROM system.parts WHERE active AND table = {t:String} "
            "AND database = currentDatabase() AND partition LIKE '%demo%' "
            "AND partition LIKE '%2026-01-1%'", parameters={"t": table}).result_rows
        # 7 days × 2 demo tenants
        assert len(partitions) == 14, (table, partitions)


def test_checks_pass_on_demo_data(instance) -> None:
    day = date(2026, 1, 6)
    run_range(DEMO, day, day, instance)
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey(["raw", "demo"]), "raw_batch_valid")])
    [record] = records.values()
    assert record.status.value == "SUCCEEDED"
    evaluation = record.event.dagster_event.event_specific_data
    assert evaluation.passed
    assert evaluation.metadata["rows_checked"].value > 1000


def test_unconfigured_connector_is_skipped_with_reason(instance) -> None:
    outcome = run_range(dg.AssetSelection.assets(["raw", "x_api"]), date(2026, 1, 7),
                        date(2026, 1, 7), instance)
    assert "SIGHTLINE_X_BEARER_TOKEN" in outcome.metadata["raw/x_api"]["skipped"]


def _drop_events(landing, name: str, ids: list[str]) -> None:
    folder = landing / "events" / "orch1"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"event_id": i, "event": "visit", "person_id": "p",
                         "timestamp": "2026-01-08T10:00:00Z"}) for i in ids]
    (folder / name).write_text("\n".join(lines) + "\n")


def test_landing_files_flow_to_clickhouse_and_duplicates_block(instance, settings,
                                                               clickhouse) -> None:
    landing = settings.landing_dir
    _drop_events(landing, "a.jsonl", ["e1", "e2"])
    run_job("landing_intake_job", instance)
    selection = dg.AssetSelection.assets(["raw", "landing_events"])
    run_range(selection, date(2026, 1, 8), date(2026, 1, 8), instance)
    count = clickhouse.query("SELECT count() FROM raw_events WHERE tenant_id = 'orch1'")
    assert count.result_rows[0][0] == 2
    # A second file re-sends e2 for the same day: both files are staged, the day now
    # holds a duplicate id and the blocking GX check fails the run.
    _drop_events(landing, "b.jsonl", ["e2", "e3"])
    run_job("landing_intake_job", instance)
    with pytest.raises(RunFailedError, match="blocking asset check failed"):
        run_range(selection, date(2026, 1, 8), date(2026, 1, 8), instance)
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey(["raw", "landing_events"]), "raw_batch_valid")])
    [record] = check.values()
    failures = record.event.dagster_event.event_specific_data.metadata["failures"].value
    assert any("expect_compound_columns_to_be_unique" in f for f in failures), failures
