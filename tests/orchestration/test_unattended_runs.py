"""What the automation launches runs for real: the schedule's run request, the landing
sensor's run requests, and a one-partition launch with the UI's tags (DESIGN §11).

Each request is executed as the daemon would launch it (its job, partition, tags and
asset selection), then the checks are read back: they ran on the run's day, on that
day's rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.sensors import landing_files_sensor
from warehouse.dataset_versions import current_version

SCHEDULED_DAY = date(2026, 3, 20)  # no other test writes these days
UI_DAY = date(2026, 3, 23)
SENSOR_DAY = date(2026, 3, 26)


def execute(request: dg.RunRequest, instance, job_name: str | None = None
            ) -> dg.ExecuteInProcessResult:
    """Run a RunRequest the way the daemon launches it: its job, partition key, tags and
    asset selection."""
    job = defs.resolve_job_def(request.job_name or job_name)
    tags = dict(request.tags)
    if request.partition_key:
        tags["dagster/partition"] = request.partition_key
    result = job.execute_in_process(instance=instance, tags=tags,
                                    asset_selection=request.asset_selection,
                                    raise_on_error=False)
    failures = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"steps failed: {failures}"
    return result


def check_outcome(instance, asset: list[str], check: str):
    """(passed, metadata, days checked) of the latest evaluation of one check."""
    key = dg.AssetCheckKey(dg.AssetKey(asset), check)
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
    evaluation = record.event.dagster_event.event_specific_data
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    return evaluation.passed, metadata, metadata["days"]


def rows_of_day(clickhouse, source: str, day: date) -> int:
    return sum(clickhouse.query(
        f"SELECT count() FROM {table} WHERE source = {{s:String}} "
        f"AND toDate({column}) = {{d:Date}}",
        parameters={"s": source, "d": day}).result_rows[0][0]
        for table, column in [("raw_events", "timestamp"), ("raw_social_mentions", "created_at"),
                              ("raw_connector_records", "occurred_at")])


def mart_rows(clickhouse, day: date) -> int:
    return clickhouse.query(
        "SELECT count() FROM mart_brand_sentiment_daily WHERE tenant_id = 'acme' "
        "AND mention_date = {d:Date}", parameters={"d": day}).result_rows[0][0]


def assert_day_ran(instance, clickhouse, day: date, versions_before: dict[str, int]) -> None:
    """The day's demo rows were checked (on that day only), its marts and wargame exist and
    every dataset version moved."""
    passed, metadata, partition = check_outcome(instance, ["raw", "demo"], "raw_batch_valid")
    assert (passed, partition) == (True, day.isoformat())
    assert metadata["rows_checked"] == rows_of_day(clickhouse, "demo", day) > 1000
    assert mart_rows(clickhouse, day) > 0
    [[wargames]] = clickhouse.query(
        "SELECT count() FROM sim_wargame_results WHERE tenant_id = 'acme' AND "
        "as_of_date = {d:Date}", parameters={"d": day}).result_rows
    assert wargames > 0
    for dataset, before in versions_before.items():
        assert current_version(clickhouse, dataset, "acme") > before, dataset
    # The rollup refreshed inside the partition writer is checked after the writes.
    passed, metadata, days = check_outcome(instance, ["duckdb", "raw_events"],
                                           "daily_actives_rollup_fresh")
    assert (passed, days, metadata["stale"]) == (True, day.isoformat(), [])


VERSIONED = ("raw_events", "social_mentions_scored", "mart_brand_sentiment_daily",
             "sim_wargame_results")


def _versions(clickhouse) -> dict[str, int]:
    return {d: current_version(clickhouse, d, "acme") for d in VERSIONED}


def test_the_schedule_run_request_refreshes_yesterday_end_to_end(instance, clickhouse) -> None:
    schedule = defs.resolve_schedule_def("daily_pipeline_schedule")
    context = dg.build_schedule_context(
        instance=instance, repository_def=defs.get_repository_def(),
        scheduled_execution_time=datetime(2026, 3, 21, 1, 15, tzinfo=UTC))
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == SCHEDULED_DAY.isoformat()
    before = _versions(clickhouse)
    execute(request, instance, schedule.job_name)
    assert_day_ran(instance, clickhouse, SCHEDULED_DAY, before)


def test_a_one_partition_launch_with_the_ui_tags_runs_the_day(instance, clickhouse) -> None:
    # The UI launches one partition as a run of the job tagged dagster/partition.
    before = _versions(clickhouse)
    result = defs.resolve_job_def("daily_pipeline").execute_in_process(
        instance=instance, tags={"dagster/partition": UI_DAY.isoformat()}, raise_on_error=False)
    assert result.success
    assert_day_ran(instance, clickhouse, UI_DAY, before)


def test_the_sensor_run_requests_land_a_dropped_file(instance, clickhouse, settings) -> None:
    tenant = "t_sensor_run"
    folder = settings.landing_dir / "events" / tenant
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'{{"event_id":"s{i}","event":"visit","person_id":"p{i % 3}",'
             f'"timestamp":"{SENSOR_DAY}T0{i}:00:00Z"}}' for i in range(5)]
    (folder / "drop.jsonl").write_text("\n".join(lines) + "\n")
    before = current_version(clickhouse, "raw_events", tenant)

    context = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def())
    intake = [r for r in landing_files_sensor(context).run_requests
              if r.job_name == "landing_intake_job"]
    assert len(intake) == 1
    execute(intake[0], instance)
    loads = [r for r in landing_files_sensor(context).run_requests
             if r.job_name == "landing_load_job" and r.partition_key == SENSOR_DAY.isoformat()]
    assert [r.asset_selection for r in loads] == [[dg.AssetKey(["raw", "landing_events"])]]
    execute(loads[0], instance)

    [[landed]] = clickhouse.query(
        "SELECT count() FROM raw_events WHERE tenant_id = {t:String} AND toDate(timestamp) = "
        "{d:Date}", parameters={"t": tenant, "d": SENSOR_DAY}).result_rows
    assert landed == 5
    passed, metadata, partition = check_outcome(
        instance, ["raw", "landing_events"], "raw_batch_valid")
    assert (passed, partition) == (True, SENSOR_DAY.isoformat())
    assert metadata["rows_checked"] == rows_of_day(clickhouse, "landing:events", SENSOR_DAY)
    assert current_version(clickhouse, "raw_events", tenant) == before + 1
    # Loaded: the next tick requests nothing for that day.
    assert not [r for r in landing_files_sensor(context).run_requests
                if r.partition_key == SENSOR_DAY.isoformat()]


@pytest.mark.parametrize("tags", [
    {"dagster/partition": "2026-03-28"},
    {"dagster/asset_partition_range_start": "2026-03-28",
     "dagster/asset_partition_range_end": "2026-03-28"},
])
def test_raw_checks_read_the_run_day_for_keys_and_ranges(instance, clickhouse, tags) -> None:
    day = date(2026, 3, 28)
    job = dg.define_asset_job("demo_only", selection=dg.AssetSelection.assets(["raw", "demo"]),
                              partitions_def=defs.resolve_job_def("daily_pipeline").partitions_def)
    job_def = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("demo_only")
    assert job_def.execute_in_process(instance=instance, tags=tags, raise_on_error=False).success
    passed, metadata, days = check_outcome(instance, ["raw", "demo"], "raw_batch_valid")
    assert (passed, days) == (True, day.isoformat())
    assert metadata["rows_checked"] == rows_of_day(clickhouse, "demo", day)
