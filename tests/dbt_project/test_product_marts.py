"""Product marts on hand-written events: retention, trailing actives, trends, funnels.

Expected numbers are worked out next to the data (docs/analytics-semantics.md has the
same examples in prose).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.dbt_project.conftest import TransformStore, event_row, hand_store

RETENTION = {"retention": [{"retention_id": "signup_any", "target_event": "signup",
                            "returning_event": "$any", "intervals": {"day": 3, "week": 3}}]}


@pytest.fixture(scope="module")
def retention_store(tmp_path_factory: pytest.TempPathFactory) -> TransformStore:
    e = event_row
    events = [
        # a: first signup 02-02 (Mon), returns 02-03 (day +1).
        e("t1", "a", "signup", "2026-02-02T10:00:00", "e1"),
        e("t1", "a", "pageview", "2026-02-03T09:00:00", "e2"),
        # b: first-ever signup 01-30 (before the 02-02 cohort), signs up again 02-02,
        #    returns 02-04 (day +2).
        e("t1", "b", "signup", "2026-01-30T12:00:00", "e3"),
        e("t1", "b", "signup", "2026-02-02T12:00:00", "e4"),
        e("t1", "b", "pageview", "2026-02-04T08:00:00", "e5"),
        # c: signs up Sunday 02-08 (week of Mon 02-02), returns Monday 02-09 (next week).
        e("t1", "c", "signup", "2026-02-08T23:00:00", "e6"),
        e("t1", "c", "pageview", "2026-02-09T01:00:00", "e7"),
        # d: another tenant doing the same as a must never show up in t1's numbers.
        e("t2", "a", "signup", "2026-02-02T10:00:00", "e8"),
    ]
    store = hand_store(tmp_path_factory.mktemp("retention"), events)
    store.dbt("build", "--select", "+fct_retention_cohorts", extra_vars=RETENTION)
    return store


def _cells(store: TransformStore, cohort_type: str, period: str, start: str) -> list[tuple]:
    return store.query(
        "SELECT period_offset, cohort_size, retained, retained_cumulative "
        "FROM marts.fct_retention_cohorts WHERE tenant_id = 't1' AND cohort_type = ? "
        "AND period = ? AND cohort_start = ? ORDER BY period_offset",
        [cohort_type, period, start])


def test_recurring_daily_cohort_counts_everyone_with_the_target_event(retention_store) -> None:
    # Cohort 02-02 = {a, b}: day+1 {a}, day+2 {b}. Cumulative day+1 = a (day 1) and
    # b (day 2 is later) = 2; day+2 = {b} = 1.
    assert _cells(retention_store, "recurring", "day", "2026-02-02") == [
        (0, 2, 2, 2), (1, 2, 1, 2), (2, 2, 1, 1)]


def test_first_time_cohort_excludes_a_person_whose_first_event_came_earlier(
        retention_store) -> None:
    # b's first-ever signup is 01-30, so only a is in the 02-02 first-time cohort.
    assert _cells(retention_store, "first_time", "day", "2026-02-02") == [
        (0, 1, 1, 1), (1, 1, 1, 1), (2, 1, 0, 0)]
    # ... and b is in the 01-30 cohort; 02-01 (day +2) has no activity.
    assert _cells(retention_store, "first_time", "day", "2026-01-30") == [
        (0, 1, 1, 1), (1, 1, 0, 0), (2, 1, 0, 0)]


def test_weekly_cohorts_start_on_monday(retention_store) -> None:
    # Week of Mon 02-02: recurring {a, b, c} (c's Sunday 02-08 signup is in it).
    # Week +1 (from Mon 02-09): c returned on Monday 01:00 → 1.
    assert _cells(retention_store, "recurring", "week", "2026-02-02") == [
        (0, 3, 3, 3), (1, 3, 1, 1)]
    # Week of Mon 01-26 holds b's first signup (Fri 01-30): b returns in week +1.
    assert _cells(retention_store, "first_time", "week", "2026-01-26") == [
        (0, 1, 1, 1), (1, 1, 1, 1), (2, 1, 0, 0)]


def test_retention_never_mixes_tenants(retention_store) -> None:
    rows = retention_store.query(
        "SELECT cohort_size FROM marts.fct_retention_cohorts WHERE tenant_id = 't2' "
        "AND cohort_type = 'recurring' AND period = 'day' AND period_offset = 0")
    assert rows == [(1,)]


def test_trailing_seven_day_actives_reach_before_the_window(tmp_path) -> None:
    e = event_row
    events = [
        e("t1", "x", "pageview", "2026-02-01T10:00:00", "e1"),
        e("t1", "y", "pageview", "2026-02-05T10:00:00", "e2"),
        e("t1", "z", "visit", "2026-02-08T10:00:00", "e3"),  # data runs until 02-08
    ]
    store = hand_store(tmp_path, events)
    store.dbt("build", "--select", "+fct_active_persons_daily")
    # Rebuild only the window [02-06, 02-09): the trailing windows must still see x and y.
    store.dbt("build", "--select", "+fct_active_persons_daily",
              min_date=date(2026, 2, 6), max_date=date(2026, 2, 9))
    rows = store.query(
        "SELECT activity_date::VARCHAR, dau, weekly_active, monthly_active "
        "FROM marts.fct_active_persons_daily WHERE event = 'pageview' "
        "AND activity_date >= '2026-02-05' ORDER BY activity_date")
    assert rows == [
        ("2026-02-05", 1, 2, 2),  # x (02-01) and y are both in 01-30..02-05
        ("2026-02-06", 0, 2, 2),  # 01-31..02-06 still holds x and y
        ("2026-02-07", 0, 2, 2),  # 02-01..02-07: x's 02-01 is the first day of the window
        ("2026-02-08", 0, 1, 2),  # 02-02..02-08: only y; the 30-day window has both
    ]
    [any_day] = store.query(
        "SELECT dau, weekly_active FROM marts.fct_active_persons_daily "
        "WHERE event = '$any' AND activity_date = '2026-02-08'")
    assert any_day == (1, 2)  # z that day; y and z over 02-02..02-08


def test_trends_count_events_persons_and_revenue_per_breakdown(tmp_path) -> None:
    e = event_row
    events = [
        e("t1", "p1", "purchase", "2026-02-03T10:00:00", "e1", 10.0, utm_source="google"),
        e("t1", "p1", "purchase", "2026-02-03T11:00:00", "e2", 5.5, utm_source="google"),
        e("t1", "p2", "purchase", "2026-02-03T12:00:00", "e3", 4.5, utm_source="google"),
        e("t1", "p3", "purchase", "2026-02-03T13:00:00", "e4", 1.0),  # no utm → '(none)'
    ]
    store = hand_store(tmp_path, events)
    store.dbt("build", "--select", "+fct_event_trends_daily")
    rows = store.query(
        "SELECT utm_source, events, persons, revenue FROM marts.fct_event_trends_daily "
        "ORDER BY utm_source")
    assert rows == [("(none)", 1, 1, 1.0), ("google", 3, 2, 20.0)]
