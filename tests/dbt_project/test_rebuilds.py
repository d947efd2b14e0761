"""Partition rebuilds: one day leaves other days alone; the same window twice is identical."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest

from tests.dbt_project.conftest import DEMO_LAST, TransformStore
from warehouse.semantics.funnels import FunnelSpec, compute_funnel

# mart -> its date column
MARTS = {
    "fct_event_trends_daily": "event_date",
    "fct_active_persons_daily": "activity_date",
    "fct_retention_cohorts": "cohort_start",
    "fct_funnel_conversions_daily": "entry_date",
    "fct_brand_sentiment_daily": "mention_date",
    "fct_share_of_voice_daily": "mention_date",
    "fct_growth_pulse_daily": "pulse_date",
}
DAY = date(2026, 2, 12)


def _snapshot(store: TransformStore) -> dict[str, list[tuple]]:
    return {m: store.query(f"SELECT * FROM marts.{m} ORDER BY ALL") for m in MARTS}


@pytest.fixture(scope="module")
def rebuilt(demo_store: TransformStore, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the demo store: snapshot, rebuild DAY twice (the window passed as Dagster
    passes it, in the environment, then as --vars), then after deleting half of DAY's
    events, rebuild DAY again."""
    store = demo_store.copy(tmp_path_factory.mktemp("rebuild"))
    before = _snapshot(store)
    window = {"min_date": DAY, "max_date": DAY + timedelta(days=1)}
    store.dbt("build", **window)
    once = _snapshot(store)
    store.dbt("build", **window, window_as="vars")
    twice = _snapshot(store)
    import duckdb

    with duckdb.connect(str(store.path)) as con:
        con.execute("DELETE FROM raw.raw_events WHERE CAST(timestamp AS DATE) = ? "
                    "AND hash(event_id) % 2 = 0", [DAY]).fetchall()
    store.dbt("build", **window)
    return before, once, twice, _snapshot(store), store


def test_rebuilding_a_window_with_unchanged_data_changes_nothing(rebuilt) -> None:
    before, once, twice, _, _ = rebuilt
    assert once == before
    assert twice == once


def test_rebuilding_one_day_leaves_other_days_untouched(rebuilt) -> None:
    before, _, _, changed, store = rebuilt
    trends = "fct_event_trends_daily"
    assert changed[trends] != before[trends]
    outside = f"SELECT * FROM marts.{trends} WHERE event_date <> ? ORDER BY ALL"
    [day_events_before] = [sum(r[6] for r in before[trends] if r[1] == DAY)]
    [day_events_after] = store.query(
        f"SELECT sum(events) FROM marts.{trends} WHERE event_date = ?", [DAY])[0]
    assert 0.4 * day_events_before < day_events_after < 0.6 * day_events_before
    assert store.query(outside, [DAY]) == [r for r in before[trends] if r[1] != DAY]
    # Trailing actives of days before DAY are unchanged; DAY's own dau dropped.
    actives = [r for r in changed["fct_active_persons_daily"] if r[1] < DAY]
    assert actives == [r for r in before["fct_active_persons_daily"] if r[1] < DAY]


def test_funnel_mart_row_is_the_single_day_ad_hoc_funnel(demo_store) -> None:
    spec = FunnelSpec(funnel_id="visit_to_purchase", steps=["visit", "signup", "activate",
                      "purchase"], window=14, window_unit="day", order="ordered")
    day = DEMO_LAST - timedelta(days=10)
    rows = demo_store.query(
        "SELECT tenant_id, person_id, event, occurred_at, event_id "
        "FROM staging.stg_product__events WHERE tenant_id = 'acme'")
    events = pa.table({"person_id": [r[1] for r in rows], "event": [r[2] for r in rows],
                       "timestamp": pa.array([r[3] for r in rows], pa.timestamp("us", "UTC")),
                       "event_id": [r[4] for r in rows]})
    [expected] = compute_funnel(events, spec, day, day)
    mart = demo_store.query(
        "SELECT step, persons, conversion_from_previous, median_seconds_from_previous "
        "FROM marts.fct_funnel_conversions_daily WHERE tenant_id = 'acme' "
        "AND funnel_id = 'visit_to_purchase' AND entry_date = ? ORDER BY step", [day])
    assert mart == [(s.step, s.persons, s.conversion_from_previous,
                     s.median_seconds_from_previous) for s in expected.steps]
    assert expected.steps[0].persons > 50


def test_windowed_runs_leave_no_temporary_tables(rebuilt) -> None:
    # dbt-duckdb's incremental Python models write their rows to main.<model>__dbt_tmp…
    # and never drop it; the model's post-hook does (three windowed runs above).
    *_, store = rebuilt
    assert store.query("SELECT table_schema, table_name FROM information_schema.tables "
                       "WHERE table_name LIKE '%dbt_tmp%'") == []
