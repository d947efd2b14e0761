"""The daily actives rollup (warehouse/daily_actives.py): what a refresh writes, that the
partition writer refreshes it, and when readers may trust it.

Hand-made day 2026-02-17 of tenant da1 (two sources), expected rollup:
    view: events 3, persons 2 (p1 twice, p2)      buy: events 1, persons 1 (p1)
    $any: events 4, persons 2, first 08:00, last 12:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.raw_events import raw_events_table as _events
from warehouse.daily_actives import (
    ANY_EVENT,
    FINGERPRINT_SQL,
    ROLLUP_SQL,
    TABLE,
    fresh_batches,
    persons_by_day,
    refresh_daily_actives,
    stale_days,
)
from warehouse.partition_writer import write_partition

DAY = date(2026, 2, 17)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=UTC)


def _newest(client, tenant: str) -> dict[str, tuple]:
    """The day's newest batch: event -> (events, persons, first_at, last_at)."""
    rows = client.query(
        f"SELECT event, events, persons, first_at, last_at FROM {TABLE} FINAL "
        "WHERE tenant_id = {t:String} AND day = {d:Date} AND computed_at = "
        f"(SELECT max(computed_at) FROM {TABLE} WHERE tenant_id = {{t:String}} "
        "AND day = {d:Date})", parameters={"t": tenant, "d": DAY}).result_rows
    return {r[0]: (r[1], r[2], r[3].replace(tzinfo=UTC), r[4].replace(tzinfo=UTC))
            for r in rows}


def fresh_persons(fingerprints: list[dict], rollup: list[dict], event: str,
                  days: list[date]) -> dict[date, int]:
    """Distinct persons of `event` per fresh day, as the API reads them."""
    return persons_by_day(fresh_batches(fingerprints, rollup, days), event)


def _fresh(client, tenant: str, event: str) -> dict[date, int]:
    bounds = {"tenant_id": tenant, "day_from": DAY, "day_to": DAY}
    fingerprints = list(client.query(FINGERPRINT_SQL, parameters=bounds).named_results())
    rollup = list(client.query(ROLLUP_SQL, parameters={**bounds, "events": [ANY_EVENT, event]})
                  .named_results())
    return fresh_persons(fingerprints, rollup, event, [DAY])


def test_the_writer_refreshes_the_day_over_every_source(clickhouse) -> None:
    write_partition(clickhouse, "raw_events", "da-web", DAY, ["da1"], [_events("da1", "da-web", [
        ("p1", "view", _at(8)), ("p2", "view", _at(9)), ("p1", "buy", _at(10))])])
    write_partition(clickhouse, "raw_events", "da-app", DAY, ["da1"], [_events("da1", "da-app", [
        ("p1", "view", _at(12))])])
    assert _newest(clickhouse, "da1") == {
        "view": (3, 2, _at(8), _at(12)),
        "buy": (1, 1, _at(10), _at(10)),
        ANY_EVENT: (4, 2, _at(8), _at(12)),
    }
    assert _fresh(clickhouse, "da1", "view") == {DAY: 2}
    assert _fresh(clickhouse, "da1", ANY_EVENT) == {DAY: 2}
    assert _fresh(clickhouse, "da1", "signup") == {DAY: 0}  # no such event that day


def test_a_rewrite_forgets_events_that_are_gone(clickhouse) -> None:
    write_partition(clickhouse, "raw_events", "da-web", DAY, ["da2"], [_events("da2", "da-web", [
        ("p1", "view", _at(8)), ("p1", "buy", _at(9))])])
    write_partition(clickhouse, "raw_events", "da-web", DAY, ["da2"], [_events("da2", "da-web", [
        ("p3", "view", _at(8)), ("p4", "view", _at(9))])])
    assert _newest(clickhouse, "da2") == {"view": (2, 2, _at(8), _at(9)),
                                          ANY_EVENT: (2, 2, _at(8), _at(9))}
    assert _fresh(clickhouse, "da2", "buy") == {DAY: 0}


def test_a_tenant_without_events_gets_an_empty_day(clickhouse) -> None:
    write_partition(clickhouse, "raw_events", "da-web", DAY, ["da3"], [_events("da3", "da-web", [
        ("p1", "view", _at(8))])])
    write_partition(clickhouse, "raw_events", "da-web", DAY, ["da3"], [])  # dropped
    assert _newest(clickhouse, "da3")[ANY_EVENT][:2] == (0, 0)
    assert _fresh(clickhouse, "da3", "view") == {DAY: 0}


def test_a_day_changed_behind_the_rollup_is_stale(clickhouse) -> None:
    write_partition(clickhouse, "raw_events", "da-web", DAY, ["da4"], [_events("da4", "da-web", [
        ("p1", "view", _at(8)), ("p2", "view", _at(9))])])
    assert _fresh(clickhouse, "da4", "view") == {DAY: 2}
    assert ("da4", DAY) not in stale_days(clickhouse, [DAY])
    # A direct insert (no refresh): one more event, so the counts differ.
    clickhouse.insert_arrow("raw_events", _events("da4", "da-direct", [("p9", "view", _at(7))]))
    assert _fresh(clickhouse, "da4", "view") == {}
    assert ("da4", DAY) in stale_days(clickhouse, [DAY])  # what the Dagster check reports
    refresh_daily_actives(clickhouse, ["da4"], DAY)
    assert _fresh(clickhouse, "da4", "view") == {DAY: 3}
    assert ("da4", DAY) not in stale_days(clickhouse, [DAY])


def test_freshness_compares_counts_and_first_and_last_timestamps() -> None:
    summary = {"day": DAY, "event": ANY_EVENT, "events": 2, "persons": 2,
               "first_at": _at(8), "last_at": _at(9), "computed_at": _at(23)}
    view = {**summary, "event": "view", "persons": 1}
    raw = {"day": DAY, "events": 2, "first_at": _at(8), "last_at": _at(9)}
    assert fresh_persons([raw], [summary, view], "view", [DAY]) == {DAY: 1}
    moved = {**raw, "last_at": _at(9, 30)}  # same count, different rows
    assert fresh_persons([moved], [summary, view], "view", [DAY]) == {}
    assert fresh_persons([raw], [], "view", [DAY]) == {}  # never rolled up
    assert fresh_persons([], [], "view", [DAY]) == {DAY: 0}  # no events, no rollup
    older = {**summary, "computed_at": _at(22), "events": 5}  # an older batch is ignored
    assert fresh_persons([raw], [older, summary, view], "view", [DAY]) == {DAY: 1}
    # naive timestamps (as ClickHouse returns DateTime64 'UTC') compare as UTC
    naive = {**raw, "first_at": _at(8).replace(tzinfo=None), "last_at": _at(9).replace(tzinfo=None)}
    assert fresh_persons([naive], [summary, view], "view", [DAY]) == {DAY: 1}
