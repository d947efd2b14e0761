"""The code location exposes every asset, check, schedule and sensor, and they target right."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import dagster as dg

from orchestration.definitions import defs
from orchestration.sensors import landing_files_sensor

INGEST_KEYS = {"raw/demo", "raw/x_api", "raw/reddit_api", "raw/linkedin_api", "raw/ga4_api",
               "landing/intake", "raw/landing_revenue", "raw/landing_mentions",
               "raw/landing_events"}


def test_every_source_has_an_asset_and_checks() -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys >= INGEST_KEYS
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    for key in INGEST_KEYS - {"landing/intake"}:
        assert (key, "raw_batch_valid") in checks
        assert (key, "raw_batch_volume") in checks


def test_every_mart_flows_from_sentiment_and_loads_to_a_publish_asset() -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    marts = {k.split("/", 1)[1] for k in keys if k.startswith("marts/")}
    assert {"fct_event_trends_daily", "fct_active_persons_daily", "fct_retention_cohorts",
            "fct_funnel_conversions_daily", "fct_brand_sentiment_daily",
            "fct_share_of_voice_daily", "fct_brand_sentiment_trends", "fct_influencers",
            "fct_crisis_alerts", "fct_growth_pulse_daily", "fct_growth_pulse_insights",
            "fct_growth_pulse_alerts"} <= marts
    for mart in marts:
        publish = dg.AssetKey(["clickhouse", "mart_" + mart.removeprefix("fct_")])
        assert dg.AssetKey(["marts", mart]) in graph.get(publish).parent_keys
    # dbt sources are the load assets; the scored mentions load follows the enrichment.
    assert dg.AssetKey(["duckdb", "raw_events"]) in graph.get(
        dg.AssetKey(["staging", "stg_product__events"])).parent_keys
    assert dg.AssetKey(["enriched", "social_mentions_scored"]) in graph.get(
        dg.AssetKey(["duckdb", "social_mentions_scored"])).parent_keys
    # every writer of a raw table (demo, connectors, landing files) precedes its load
    assert graph.get(dg.AssetKey(["duckdb", "raw_connector_records"])).parent_keys == {
        dg.AssetKey(["raw", k]) for k in ("demo", "ga4_api", "landing_revenue",
                                          "landing_competitor_moves")}
    assert graph.get(dg.AssetKey(["enriched", "social_mentions_scored"])).parent_keys == {
        dg.AssetKey(["raw", k]) for k in ("demo", "x_api", "reddit_api", "linkedin_api",
                                          "landing_mentions")}
    # dbt tests arrive as checks on the models (primary keys, custom data tests).
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert ("marts/fct_share_of_voice_daily",
            "sums_to_one_fct_share_of_voice_daily_share__tenant_id__mention_date__metric"
            ) in checks
    assert any(a == "marts/fct_funnel_conversions_daily" and n.startswith("non_increasing")
               for a, n in checks)


def test_schedule_requests_yesterday() -> None:
    schedule = defs.resolve_schedule_def("daily_pipeline_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 3, 15, 1, 15, tzinfo=UTC),
        repository_def=defs.get_repository_def())
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-03-14"


def test_sensor_requests_intake_then_loads_for_pending_days(settings, tmp_path) -> None:
    landing = settings.landing_dir
    folder = landing / "revenue" / "sens1"
    folder.mkdir(parents=True, exist_ok=True)
    waiting = folder / "orders.csv"
    waiting.write_text("order_id,customer_id,occurred_at,amount,currency\n"
                       "o1,c1,2026-02-01T10:00:00Z,5,USD\n")
    result = landing_files_sensor(dg.build_sensor_context())
    intake = [r for r in result.run_requests if r.job_name == "landing_intake_job"]
    assert len(intake) == 1
    # Once the file is staged the sensor asks for that day's load, once per change.
    from ingestion.landing.intake import intake_pending

    intake_pending(landing)
    result = landing_files_sensor(dg.build_sensor_context())
    loads = [(r.job_name, r.partition_key, r.asset_selection) for r in result.run_requests]
    assert ("landing_load_job", "2026-02-01",
            [dg.AssetKey(["raw", "landing_revenue"])]) in loads
    again = landing_files_sensor(dg.build_sensor_context())
    assert [r.run_key for r in again.run_requests] == [r.run_key for r in result.run_requests]
    os.utime(landing / "_staged" / "revenue" / "2026-02-01" / "PENDING",
             ns=(time.time_ns(), time.time_ns()))
    changed = landing_files_sensor(dg.build_sensor_context())
    assert {r.run_key for r in changed.run_requests} != {r.run_key for r in result.run_requests}
