"""Growth pulse marts: week-over-week deltas, insight severities and alerts on hand-written
events and revenue lines (expected numbers next to the data), plus the demo days."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from tests.dbt_project.conftest import TransformStore, event_row, hand_store


def _day(tenant: str, day: str, sessions: int, signups: int, purchases: int) -> list[dict]:
    """`sessions` people visiting on `day`; the first ones also sign up / purchase."""
    rows = []
    for i in range(sessions):
        person = f"{tenant}-{day}-p{i}"
        rows.append(event_row(tenant, person, "visit", f"{day}T09:00:00", f"{person}-v"))
        if i < signups:
            rows.append(event_row(tenant, person, "signup", f"{day}T09:05:00", f"{person}-s"))
        if i < purchases:
            rows.append(event_row(tenant, person, "purchase", f"{day}T09:10:00",
                                  f"{person}-p"))
    return rows


def _revenue_line(tenant: str, line_id: str, day: str, amount: float) -> dict:
    at = datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=UTC)
    return {"tenant_id": tenant, "connector": "revenue", "record_type": "revenue_line",
            "record_id": line_id, "occurred_at": at, "amount": amount, "currency": "USD",
            "payload": json.dumps({"customer_id": "c1", "product": "pro"}, sort_keys=True),
            "source": "test", "ingested_at": at}


EVENTS = [
    # t1                  day        sessions signups purchases   conversion rate
    *_day("t1", "2026-03-01", 10, 4, 2),                        # 0.2
    *_day("t1", "2026-03-02", 5, 0, 0),                         # 0
    *_day("t1", "2026-03-08", 12, 6, 1),                        # 1/12
    *_day("t1", "2026-03-09", 5, 0, 1),                         # 0.2
    *_day("t1", "2026-03-10", 3, 0, 0),                         # no 03-03 to compare with
    # t2 on 03-01 only: must not leak into t1's week-ago values
    *_day("t2", "2026-03-01", 100, 50, 40),
]
REVENUE = [
    _revenue_line("t1", "r1", "2026-03-01", 60.0),
    _revenue_line("t1", "r2", "2026-03-01", 40.0),              # 03-01: 100.00
    _revenue_line("t1", "r3", "2026-03-08", 130.0),             # 03-08: 130.00 (+30%)
    _revenue_line("t1", "r4", "2026-03-09", 50.0),              # 03-09: 50.00 vs 0
    _revenue_line("t2", "r5", "2026-03-01", 999.0),
]
MARCH_8 = date(2026, 3, 8)


@pytest.fixture(scope="module")
def pulse_store(tmp_path_factory: pytest.TempPathFactory) -> TransformStore:
    store = hand_store(tmp_path_factory.mktemp("growth-pulse"), EVENTS, records=REVENUE)
    store.dbt("run", "--select", "+path:models/marts/growth")
    return store


def test_daily_pulse_counts_and_week_over_week_changes(pulse_store) -> None:
    rows = pulse_store.query(
        "SELECT pulse_date, sessions, signups, conversions, revenue, conversion_rate, "
        "sessions_prev_week, sessions_wow_change, signups_wow_change, "
        "conversions_wow_change, revenue_wow_change, conversion_rate_wow_change "
        "FROM marts.fct_growth_pulse_daily WHERE tenant_id = 't1' ORDER BY pulse_date")
    assert [r[:5] for r in rows] == [
        (date(2026, 3, 1), 10, 4, 2, 100.0),
        (date(2026, 3, 2), 5, 0, 0, 0.0),
        (MARCH_8, 12, 6, 1, 130.0),
        (date(2026, 3, 9), 5, 0, 1, 50.0),
        (date(2026, 3, 10), 3, 0, 0, 0.0),
    ]
    by_day = {r[0]: r for r in rows}
    # 03-08 vs 03-01: sessions +2/10, signups +2/4, conversions -1/2, revenue +30/100,
    # conversion rate 1/12 vs 2/10 = -0.58333
    assert by_day[MARCH_8][5:] == pytest.approx(
        (1 / 12, 10, 0.2, 0.5, -0.5, 0.3, (1 / 12 - 0.2) / 0.2))
    # 03-09 vs 03-02: conversions, revenue and the rate were 0 a week earlier → null
    assert by_day[date(2026, 3, 9)][6:] == (5, 0.0, None, None, None, None)
    # 03-10: no data on 03-03 → every week-ago value is missing
    assert by_day[date(2026, 3, 10)][6:] == (None,) * 6


def test_insight_severities_and_texts(pulse_store) -> None:
    rows = pulse_store.query(
        "SELECT insight_id, direction, severity, severity_rank, value, previous_value, text "
        "FROM marts.fct_growth_pulse_insights WHERE tenant_id = 't1' AND pulse_date = ? "
        "ORDER BY insight_id", [MARCH_8])
    assert [(*r[:4], r[6]) for r in rows] == [
        ("conversion_rate:drop", "down", "high", 3,
         "Conversion rate down 58% week over week (8.3% vs 20.0%)."),
        ("conversions:wow", "down", "high", 3,        # -50% exactly is high
         "Conversions down 50% week over week (1 vs 2)."),
        ("revenue:wow", "up", "medium", 2,
         "Revenue up 30% week over week (130.00 vs 100.00)."),
        ("sessions:wow", "up", "low", 1,
         "Sessions up 20% week over week (12 vs 10)."),
        ("signups:wow", "up", "high", 3,              # +50% exactly is high
         "Signups up 50% week over week (6 vs 4)."),
    ]
    assert rows[2][4:6] == (130.0, 100.0)
    # 03-09 has only changes from 0 (undefined) and a flat sessions count: no insight;
    # 03-10 has nothing to compare with; t2 never had a week-ago day.
    assert pulse_store.query(
        "SELECT tenant_id, pulse_date FROM marts.fct_growth_pulse_insights "
        "WHERE pulse_date <> ?", [MARCH_8]) == []


def test_alerts_are_the_insights_at_or_above_the_configured_severity(pulse_store) -> None:
    query = ("SELECT alert_id, alert_text FROM marts.fct_growth_pulse_alerts "
             "ORDER BY alert_id")
    assert [a for a, _ in pulse_store.query(query)] == [
        "t1:2026-03-08:conversion_rate:drop", "t1:2026-03-08:conversions:wow",
        "t1:2026-03-08:signups:wow"]
    assert pulse_store.query(query)[2][1] == (
        "[HIGH] 2026-03-08: Signups up 50% week over week (6 vs 4).")
    pulse_store.dbt("run", "--select", "fct_growth_pulse_alerts",
                    extra_vars={"pulse_alert_severity": "medium"})
    assert [a for a, _ in pulse_store.query(query)] == [
        "t1:2026-03-08:conversion_rate:drop", "t1:2026-03-08:conversions:wow",
        "t1:2026-03-08:revenue:wow", "t1:2026-03-08:signups:wow"]


def test_demo_pulse_matches_the_staging_counts(demo_store) -> None:
    day = date(2026, 2, 17)
    [(sessions, signups, conversions)] = demo_store.query(
        "SELECT count(DISTINCT session_id), count(*) FILTER (WHERE event = 'signup'), "
        "count(*) FILTER (WHERE event = 'purchase') FROM staging.stg_product__events "
        "WHERE tenant_id = 'globex' AND event_date = ?", [day])
    [(revenue,)] = demo_store.query(
        "SELECT sum(amount) FROM staging.stg_connectors__revenue_lines "
        "WHERE tenant_id = 'globex' AND order_date = ?", [day])
    [row] = demo_store.query(
        "SELECT sessions, signups, conversions, revenue, conversion_rate, sessions_prev_week, "
        "ga4_sessions FROM marts.fct_growth_pulse_daily "
        "WHERE tenant_id = 'globex' AND pulse_date = ?", [day])
    assert row[:3] == (sessions, signups, conversions)
    assert row[3] == pytest.approx(revenue)
    assert row[4] == pytest.approx(conversions / sessions)
    [(week_ago_sessions,)] = demo_store.query(
        "SELECT count(DISTINCT session_id) FROM staging.stg_product__events "
        "WHERE tenant_id = 'globex' AND event_date = '2026-02-10'")
    assert row[5] == week_ago_sessions
    assert row[6] > 0
    [(days, insights)] = demo_store.query(
        "SELECT count(DISTINCT (tenant_id, pulse_date)), count(*) "
        "FROM marts.fct_growth_pulse_insights")
    assert days > 0 and insights > 0
