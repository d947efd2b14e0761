"""Funnel semantics (DESIGN §6): hand-computed fixtures plus a randomized cross-check.

Unless a test says otherwise the range is 2026-01-05..2026-01-07, so attempts must
start in [2026-01-05 00:00, 2026-01-08 00:00) UTC.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pydantic import ValidationError

from warehouse.semantics import (
    FunnelExclusion,
    FunnelResult,
    FunnelSpec,
    compute_funnel,
    compute_funnel_by_entry_day,
    funnel_event_names,
)
from warehouse.semantics.funnels import TiedEventsError

DATE_FROM = date(2026, 1, 5)
DATE_TO = date(2026, 1, 7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _table(rows: list[tuple], unit: str = "ms") -> pa.Table:
    """Events from (person, event, "YYYY-MM-DD HH:MM:SS[.fff]"[, event_id[, browser]]).

    A missing event_id is the row's index (zero-padded), so equal timestamps keep the
    written order. Rows are stored reversed: the engine must do its own sorting.
    """
    records = []
    for index, row in enumerate(rows):
        person, event, when = row[:3]
        event_id = row[3] if len(row) > 3 and row[3] is not None else f"{index:05d}"
        browser = row[4] if len(row) > 4 else None
        at = datetime.fromisoformat(when).replace(tzinfo=UTC)
        records.append((person, event, at, event_id, browser))
    records.reverse()
    columns = list(zip(*records, strict=True)) if records else [[]] * 5
    return pa.table(
        {
            "person_id": pa.array(columns[0], pa.string()),
            "event": pa.array(columns[1], pa.string()),
            "timestamp": _timestamps(columns[2], unit),
            "event_id": pa.array(columns[3], pa.string()),
            "browser": pa.array(columns[4], pa.string()),
        }
    )


def _timestamps(values: list[datetime], unit: str) -> pa.Array:
    """UTC timestamps built from integers (pyarrow would import pandas for datetimes)."""
    per_tick = timedelta(milliseconds=1) if unit == "ms" else timedelta(microseconds=1)
    ticks = [(v - EPOCH) // per_tick for v in values]
    return pa.array(ticks, pa.int64()).cast(pa.timestamp(unit, tz="UTC"))


def _spec(steps: list[str], **kwargs) -> FunnelSpec:
    return FunnelSpec(funnel_id="test", steps=steps, **kwargs)


def _persons(result: FunnelResult) -> list[int]:
    return [step.persons for step in result.steps]


def _avg(result: FunnelResult) -> list[float | None]:
    return [step.avg_seconds_from_previous for step in result.steps]


def _median(result: FunnelResult) -> list[float | None]:
    return [step.median_seconds_from_previous for step in result.steps]


def _single(events: pa.Table, spec: FunnelSpec) -> FunnelResult:
    [result] = compute_funnel(events, spec, DATE_FROM, DATE_TO)
    assert result.group is None
    return result


def test_ordered_window_boundary_is_inclusive() -> None:
    spec = _spec(["view", "buy"], window=1, window_unit="hour")
    events = _table(
        [
            ("p1", "view", "2026-01-05 10:00:00.000"),
            ("p1", "buy", "2026-01-05 11:00:00.000"),  # exactly 3600 s: converts
            ("p2", "view", "2026-01-05 10:00:00.000"),
            ("p2", "buy", "2026-01-05 11:00:00.001"),  # 3600.001 s: too late
            ("p3", "view", "2026-01-05 10:00:00.000"),
            ("p3", "scroll", "2026-01-05 10:10:00.000"),  # other events may come between
            ("p3", "buy", "2026-01-05 10:30:00.000"),  # 1800 s
        ]
    )
    result = _single(events, spec)
    # step 0: p1 p2 p3; step 1: p1 (3600 s) and p3 (1800 s)
    assert _persons(result) == [3, 2]
    assert result.steps[1].conversion_from_first == pytest.approx(2 / 3)
    assert result.steps[1].conversion_from_previous == pytest.approx(2 / 3)
    assert result.steps[0].conversion_from_first == 1.0
    assert result.steps[0].conversion_from_previous == 1.0
    assert _avg(result) == [None, 2700.0]  # (3600 + 1800) / 2
    assert _median(result) == [None, 2700.0]


def test_strict_funnel_is_broken_by_an_unrelated_event() -> None:
    rows = [
        ("p1", "view", "2026-01-05 10:00:00"),
        ("p1", "cart", "2026-01-05 10:01:00"),
        ("p1", "buy", "2026-01-05 10:02:00"),  # view→cart→buy back to back: step 2
        ("p2", "view", "2026-01-05 10:00:00"),
        ("p2", "scroll", "2026-01-05 10:01:00"),  # breaks the funnel right after view
        ("p2", "cart", "2026-01-05 10:02:00"),
        ("p2", "buy", "2026-01-05 10:03:00"),  # p2 stays at step 0
        ("p3", "view", "2026-01-05 10:00:00"),
        ("p3", "cart", "2026-01-05 10:01:00"),
        ("p3", "scroll", "2026-01-05 10:02:00"),  # breaks it after cart: p3 at step 1
        ("p3", "buy", "2026-01-05 10:03:00"),
    ]
    strict = _single(_table(rows), _spec(["view", "cart", "buy"], order="strict"))
    assert _persons(strict) == [3, 2, 1]
    assert _avg(strict) == [None, 60.0, 60.0]  # step 1: p1 60, p3 60; step 2: p1 60
    # Pre-filtering to funnel_event_names would hide the scrolls and change the answer,
    # which is why a strict funnel must be given every event.
    spec = _spec(["view", "cart", "buy"], order="strict")
    prefiltered = _table([row for row in rows if row[1] in funnel_event_names(spec)])
    assert _persons(_single(prefiltered, spec)) == [3, 3, 3]
    # The same events in an ordered funnel: the scrolls do not matter.
    ordered = _single(_table(rows), _spec(["view", "cart", "buy"], order="ordered"))
    assert _persons(ordered) == [3, 3, 3]
    assert _avg(ordered) == [None, 80.0, 80.0]  # step 1: 60, 120, 60; step 2: 60, 60, 120


def test_funnel_event_names() -> None:
    # Steps and exclusions; a strict funnel still needs every event (see the docstring).
    spec = _spec(
        ["view", "buy"],
        order="strict",
        exclusions=[FunnelExclusion(event="refund", from_step=0, to_step=1)],
    )
    assert funnel_event_names(spec) == {"view", "buy", "refund"}


def test_unordered_funnel_counts_steps_done_in_any_order() -> None:
    spec = _spec(["a", "b", "c"], order="unordered", window=1, window_unit="day")
    events = _table(
        [
            ("p1", "c", "2026-01-05 10:00:00"),  # reverse order still completes all 3
            ("p1", "b", "2026-01-05 10:05:00"),  # 300 s after the first matched event
            ("p1", "a", "2026-01-05 10:20:00"),  # 900 s after the second
            ("p2", "b", "2026-01-05 10:00:00"),
            ("p2", "b", "2026-01-05 10:01:00"),  # the same step twice is still 1 step
            ("p3", "a", "2026-01-05 10:00:00"),
            ("p3", "c", "2026-01-07 10:00:00"),  # 2 days later: outside the 1-day window
        ]
    )
    result = _single(events, spec)
    assert _persons(result) == [3, 1, 1]
    assert _avg(result) == [None, 300.0, 900.0]


def test_unordered_funnel_with_a_repeated_name() -> None:
    spec = _spec(["view", "view", "buy"], order="unordered")
    events = _table(
        [
            ("p1", "buy", "2026-01-05 10:00:00"),
            ("p1", "view", "2026-01-05 10:01:00"),  # one view fills only one view step: 2
            ("p2", "view", "2026-01-05 10:00:00"),
            ("p2", "buy", "2026-01-05 10:02:00"),
            ("p2", "view", "2026-01-05 10:03:00"),  # the 2nd view fills the 2nd view step: 3
        ]
    )
    result = _single(events, spec)
    assert _persons(result) == [2, 2, 1]
    # step 1: p1 60 (buy→view), p2 120 (view→buy); step 2: p2 60 (buy→view)
    assert _avg(result) == [None, 90.0, 60.0]


def test_exclusions_disqualify_attempts_and_clean_attempts_still_count() -> None:
    spec = _spec(
        ["view", "buy"], window=1, window_unit="hour",
        exclusions=[FunnelExclusion(event="refund", from_step=0, to_step=1)],
    )
    events = _table(
        [
            ("p1", "view", "2026-01-05 10:00:00"),
            ("p1", "refund", "2026-01-05 10:10:00"),  # between view and buy: disqualified
            ("p1", "buy", "2026-01-05 10:20:00"),
            ("p2", "view", "2026-01-05 10:00:00"),
            ("p2", "buy", "2026-01-05 10:20:00"),
            ("p2", "refund", "2026-01-05 10:30:00"),  # after buy: harmless, 1200 s
            ("p3", "view", "2026-01-05 10:00:00"),
            ("p3", "refund", "2026-01-05 10:10:00"),  # never buys, refund in the window:
            #                                            disqualified all the same
            ("p4", "view", "2026-01-05 10:00:00"),
            ("p4", "refund", "2026-01-05 10:10:00"),  # Jan 5 attempt disqualified ...
            ("p4", "buy", "2026-01-05 10:20:00"),
            ("p4", "view", "2026-01-06 10:00:00"),  # ... the clean Jan 6 attempt counts
            ("p4", "buy", "2026-01-06 10:05:00"),  # 300 s
            ("p5", "view", "2026-01-05 10:00:00"),
            ("p5", "refund", "2026-01-05 11:00:01"),  # 1 s past the 1 h window: harmless
            ("p6", "view", "2026-01-05 10:00:00"),
            ("p6", "refund", "2026-01-05 11:00:00"),  # exactly at the window's end: inside
        ]
    )
    result = _single(events, spec)
    assert _persons(result) == [3, 2]  # p2, p4 (through its clean attempt), p5 at step 0
    assert _avg(result) == [None, 750.0]  # (1200 + 300) / 2
    # By entry day: Jan 5 keeps only its clean attempts (p2, p5); p4 is counted on Jan 6.
    by_day = compute_funnel_by_entry_day(events, spec, DATE_FROM, DATE_TO)
    assert [r.group for r in by_day] == ["2026-01-05", "2026-01-06"]
    assert _persons(by_day[0]) == [2, 1]
    assert _avg(by_day[0]) == [None, 1200.0]
    assert _persons(by_day[1]) == [1, 1]
    assert _avg(by_day[1]) == [None, 300.0]


def test_a_group_whose_every_attempt_is_disqualified_is_still_reported() -> None:
    spec = _spec(["view", "buy"], exclusions=[FunnelExclusion(event="x", from_step=0,
                                                              to_step=1)])
    events = _table([("p1", "view", "2026-01-05 10:00:00"), ("p1", "x", "2026-01-05 10:01:00")])
    by_day = compute_funnel_by_entry_day(events, spec, DATE_FROM, DATE_TO)
    assert [(r.group, _persons(r)) for r in by_day] == [("2026-01-05", [0, 0])]


def test_repeated_name_needs_two_distinct_events() -> None:
    spec = _spec(["pageview", "pageview", "signup"])
    events = _table(
        [
            ("p1", "pageview", "2026-01-05 10:00:00"),  # one event cannot fill both steps
            ("p1", "signup", "2026-01-05 10:05:00"),  # p1 stays at step 0
            ("p2", "pageview", "2026-01-05 10:00:00"),
            ("p2", "pageview", "2026-01-05 10:01:00"),  # step 1 after 60 s
            ("p2", "signup", "2026-01-05 10:02:00"),  # step 2 after 60 s
            ("p3", "pageview", "2026-01-05 10:00:00", "e1"),
            ("p3", "pageview", "2026-01-05 10:00:00", "e2"),  # same instant, 2nd event: 0 s
            ("p3", "signup", "2026-01-05 10:03:00"),  # 180 s
        ]
    )
    result = _single(events, spec)
    assert _persons(result) == [3, 2, 2]
    assert _avg(result) == [None, 30.0, 120.0]  # (60 + 0) / 2, (60 + 180) / 2
    assert _median(result) == [None, 30.0, 120.0]


def test_furthest_attempt_wins_and_gives_the_times() -> None:
    spec = _spec(["view", "cart", "buy"], window=1, window_unit="hour")
    events = _table(
        [
            # p1, attempt A: cart after 600 s, then no buy within the hour (step 1)
            ("p1", "view", "2026-01-05 10:00:00"),
            ("p1", "cart", "2026-01-05 10:10:00"),
            # p1, attempt B: cart after 1800 s, buy 1200 s later (step 2): B is used
            ("p1", "view", "2026-01-05 12:00:00"),
            ("p1", "cart", "2026-01-05 12:30:00"),
            ("p1", "buy", "2026-01-05 12:50:00"),
            # p2: both attempts reach step 1; the earliest-starting one (300 s) is used
            ("p2", "view", "2026-01-05 10:00:00"),
            ("p2", "cart", "2026-01-05 10:05:00"),
            ("p2", "view", "2026-01-05 12:00:00"),
            ("p2", "cart", "2026-01-05 12:20:00"),
        ]
    )
    result = _single(events, spec)
    assert _persons(result) == [2, 2, 1]
    assert _avg(result) == [None, 1050.0, 1200.0]  # (1800 + 300) / 2; p1's 1200


def test_median_is_interpolated() -> None:
    spec = _spec(["a", "b"])
    events = _table(
        [
            ("p1", "a", "2026-01-05 10:00:00"),
            ("p1", "b", "2026-01-05 10:00:10"),  # 10 s
            ("p2", "a", "2026-01-05 10:00:00"),
            ("p2", "b", "2026-01-05 10:00:20"),  # 20 s
            ("p3", "a", "2026-01-05 10:00:00"),
            ("p3", "b", "2026-01-05 10:00:30"),  # 30 s
            ("p4", "a", "2026-01-05 10:00:00"),
            ("p4", "b", "2026-01-05 10:01:40"),  # 100 s
            ("p5", "a", "2026-01-05 10:00:00.250"),
            ("p5", "b", "2026-01-05 10:00:20.500"),  # 20.25 s (millisecond precision)
        ]
    )
    result = _single(events, spec)
    assert _persons(result) == [5, 5]
    assert _avg(result) == [None, pytest.approx(36.05)]  # 180.25 / 5
    assert _median(result) == [None, 20.25]  # odd count: the middle value
    # Without p5 the count is even: median of [10, 20, 30, 100] is (20 + 30) / 2.
    even = _single(events.filter(pc.not_equal(events["person_id"], "p5")), spec)
    assert _median(even) == [None, 25.0]
    assert _avg(even) == [None, 40.0]


def test_entry_must_be_in_range_but_later_steps_may_not() -> None:
    spec = _spec(["a", "b", "c"], window=7)
    events = _table(
        [
            ("p1", "a", "2026-01-04 23:59:59.999"),  # before date_from: never enters
            ("p1", "b", "2026-01-05 01:00:00"),
            ("p1", "c", "2026-01-05 02:00:00"),
            ("p2", "a", "2026-01-07 23:00:00"),  # last hour of date_to: enters
            ("p2", "b", "2026-01-08 01:00:00"),  # after date_to: still counts, 7200 s
            ("p2", "c", "2026-01-09 00:00:00"),  # 82800 s
            ("p3", "a", "2026-01-08 00:00:00"),  # the exclusive end: never enters
            ("p4", "a", "2026-01-05 00:00:00"),  # the inclusive start: enters
        ]
    )
    result = _single(events, spec)
    assert _persons(result) == [2, 1, 1]
    assert _avg(result) == [None, 7200.0, 82800.0]


def test_by_entry_day_counts_a_person_on_each_day() -> None:
    spec = _spec(["a", "b"], window=1)
    events = _table(
        [
            ("p1", "a", "2026-01-05 10:00:00"),
            ("p1", "b", "2026-01-05 11:00:00"),  # Jan 5: 3600 s
            ("p1", "a", "2026-01-06 10:00:00"),
            ("p1", "b", "2026-01-06 12:00:00"),  # Jan 6: 7200 s
            ("p2", "a", "2026-01-06 09:00:00"),  # Jan 6: step 0 only
            ("p3", "a", "2026-01-05 08:00:00"),  # Jan 5 twice: both reach b; the
            ("p3", "a", "2026-01-05 09:00:00"),  # earliest start gives 5400 s
            ("p3", "b", "2026-01-05 09:30:00"),
        ]
    )
    by_day = compute_funnel_by_entry_day(events, spec, DATE_FROM, DATE_TO)
    assert [r.group for r in by_day] == ["2026-01-05", "2026-01-06"]  # nobody on Jan 7
    assert _persons(by_day[0]) == [2, 2]
    assert _avg(by_day[0]) == [None, 4500.0]  # (3600 + 5400) / 2
    assert _persons(by_day[1]) == [2, 1]
    assert _avg(by_day[1]) == [None, 7200.0]
    # Over the whole range each person counts once (p1 through its Jan 5 attempt).
    whole = _single(events, spec)
    assert _persons(whole) == [3, 2]
    assert _avg(whole) == [None, 4500.0]


def test_breakdown_uses_the_step_zero_value() -> None:
    spec = _spec(["a", "b"])
    events = _table(
        [
            ("p1", "a", "2026-01-05 10:00:00", None, "chrome"),
            ("p1", "b", "2026-01-05 10:10:00", None, "chrome"),  # chrome: 600 s
            ("p2", "a", "2026-01-05 10:00:00", None, "chrome"),  # chrome: step 0
            ("p3", "a", "2026-01-05 10:00:00", None, "firefox"),
            ("p3", "b", "2026-01-05 10:05:00", None, "firefox"),  # firefox: 300 s
            ("p3", "a", "2026-01-05 11:00:00", None, "chrome"),
            ("p3", "b", "2026-01-05 11:30:00", None, "safari"),  # chrome (step 0's): 1800 s
            ("p4", "a", "2026-01-05 10:00:00", None, "safari"),  # safari: step 0
            ("p5", "a", "2026-01-05 10:00:00", None, None),  # null value: group ""
        ]
    )
    results = compute_funnel(events, spec, DATE_FROM, DATE_TO, breakdown="browser")
    # chrome has 3 persons; the 1-person groups follow in value order
    assert [r.group for r in results] == ["chrome", "", "firefox", "safari"]
    assert [_persons(r) for r in results] == [[3, 2], [1, 0], [1, 1], [1, 0]]
    assert _avg(results[0]) == [None, 1200.0]  # (600 + 1800) / 2
    assert _avg(results[2]) == [None, 300.0]
    assert _avg(results[3]) == [None, None]
    assert results[3].steps[1].conversion_from_previous == 0.0


def test_equal_timestamps_are_ordered_by_event_id() -> None:
    spec = _spec(["a", "b"])
    events = _table(
        [
            ("p1", "a", "2026-01-05 10:00:00", "e2"),
            ("p1", "b", "2026-01-05 10:00:00", "e1"),  # b sorts before a: no conversion
            ("p2", "b", "2026-01-05 10:00:00", "e2"),
            ("p2", "a", "2026-01-05 10:00:00", "e1"),  # a (e1) then b (e2): 0 s
        ]
    )
    result = _single(events, spec)
    assert _persons(result) == [2, 1]
    assert _avg(result) == [None, 0.0]


def test_without_event_id_ties_raise_naming_their_persons() -> None:
    spec = _spec(["a", "b"])
    events = _table([
        ("p1", "a", "2026-01-05 10:00:00"),
        ("p1", "b", "2026-01-05 10:00:00"),  # tie
        ("p2", "a", "2026-01-05 10:00:00"),
        ("p2", "b", "2026-01-05 10:00:01"),  # no tie
        # A tie with a non-step event does not matter: an ordered funnel never reads x.
        ("p3", "x", "2026-01-05 10:00:00"),
        ("p3", "a", "2026-01-05 10:00:00"),
    ])
    with pytest.raises(TiedEventsError) as raised:
        compute_funnel(events.drop_columns(["event_id"]), spec, DATE_FROM, DATE_TO)
    assert raised.value.persons == ["p1"]
    untied = events.filter(pc.not_equal(events["person_id"], "p1"))
    assert _persons(_single(untied.drop_columns(["event_id"]), spec)) == \
        _persons(_single(untied, spec)) == [2, 1]


def test_integer_person_ids_and_dictionary_events_give_the_same_answer() -> None:
    """The API passes person hashes (UInt64) and event names as an Arrow dictionary."""
    rows = [("p1", "view", "2026-01-05 10:00:00"), ("p1", "buy", "2026-01-05 10:30:00"),
            ("p2", "view", "2026-01-05 11:00:00"), ("p3", "buy", "2026-01-05 11:00:00"),
            ("p3", "view", "2026-01-06 09:00:00"), ("p3", "buy", "2026-01-06 09:10:00")]
    events = _table(rows)
    codes = {"p1": 2**63 + 5, "p2": 7, "p3": 2**64 - 1}  # any 64-bit values
    coded = events.set_column(
        0, "person_id", pa.array([codes[p] for p in events["person_id"].to_pylist()],
                                 pa.uint64()))
    coded = coded.set_column(1, "event", pc.dictionary_encode(coded["event"]))
    spec = _spec(["view", "buy"], window=1, window_unit="hour")
    plain, fast = _single(events, spec), _single(coded, spec)
    assert _persons(fast) == _persons(plain) == [3, 2]
    assert _avg(fast) == _avg(plain) == [None, 1200.0]  # (1800 + 600) / 2


def test_sorted_integer_person_ids_give_the_same_answer() -> None:
    """The API sends person hashes sorted, so the engine codes them without a sort."""
    rows = [("p1", "view", "2026-01-05 10:00:00"), ("p1", "buy", "2026-01-05 10:30:00"),
            ("p2", "view", "2026-01-05 11:00:00"), ("p3", "buy", "2026-01-05 11:00:00"),
            ("p3", "view", "2026-01-06 09:00:00"), ("p3", "buy", "2026-01-06 09:10:00")]
    events = _table(rows)
    # p3's events first in time, p1's last: sorted by person, not by timestamp
    codes = {"p1": 2**64 - 1, "p2": 2**40, "p3": 3}
    coded = events.set_column(
        0, "person_id", pa.array([codes[p] for p in events["person_id"].to_pylist()],
                                 pa.uint64()))
    coded = coded.take(pc.sort_indices(coded["person_id"]))
    spec = _spec(["view", "buy"], window=1, window_unit="hour")
    assert _persons(_single(coded, spec)) == [3, 2]
    assert _avg(_single(coded, spec)) == [None, 1200.0]  # (1800 + 600) / 2


@pytest.mark.parametrize("far", [False, True])
def test_events_already_in_seq_order_give_the_same_answer(far: bool) -> None:
    """The API sends person codes in order and each person's events in time order, and
    the engine then skips its sort: with a short key (person and time packed into 62
    bits) or a long one (a step 2**61 µs, ~73,000 years, later, as a huge window allows).
    A tie in such input still names its person."""
    base = int(datetime(2026, 1, 5, 10, tzinfo=UTC).timestamp()) * 10**6
    second = 10**6
    later = 2**61 if far else 1_800 * second
    rows = [(0, "view", base), (0, "buy", base + later), (1, "view", base + 3_600 * second),
            (2, "buy", base), (2, "view", base + 86_400 * second),
            (2, "buy", base + 86_400 * second + 600 * second)]

    def table(rows: list[tuple]) -> pa.Table:
        person, event, at = zip(*rows, strict=True)
        return pa.table({"person_id": pa.array(person, pa.int64()),
                         "event": pa.array(event, pa.string()),
                         "timestamp": pa.array(at, pa.timestamp("us", tz="UTC"))})

    spec = _spec(["view", "buy"], window=900_000, window_unit="month")  # ≈ 2.33e18 µs
    in_order, shuffled = _single(table(rows), spec), _single(table(rows[::-1]), spec)
    assert in_order == shuffled
    assert _persons(in_order) == [3, 2]
    assert _avg(in_order) == [None, (later / second + 600) / 2]
    tied = [*rows[:2], (1, "view", base + 3_600 * second), (1, "buy", base + 3_600 * second)]
    with pytest.raises(TiedEventsError) as raised:
        _single(table(tied), spec)
    assert raised.value.persons == [1]


def test_step0_only_persons_add_to_step_zero() -> None:
    """Entrants counted elsewhere (the API counts in ClickHouse those who cannot pass
    step 0) join step 0, and the conversion rates follow."""
    spec = _spec(["view", "buy"], window=1, window_unit="hour")
    events = _table([("p1", "view", "2026-01-05 10:00:00"),
                     ("p1", "buy", "2026-01-05 10:30:00")])
    [result] = compute_funnel(events, spec, DATE_FROM, DATE_TO, step0_only=3)
    assert _persons(result) == [4, 1]  # p1 plus 3 who stopped at view
    assert result.steps[1].conversion_from_first == 0.25
    assert result.steps[1].conversion_from_previous == 0.25
    assert _avg(result) == [None, 1800.0]  # only p1 converted
    [nobody_else] = compute_funnel(events.slice(0, 0), spec, DATE_FROM, DATE_TO,
                                   step0_only=2)
    assert _persons(nobody_else) == [2, 0]
    assert nobody_else.steps[0].conversion_from_first == 1.0
    with pytest.raises(ValueError, match="breakdown"):
        compute_funnel(events, spec, DATE_FROM, DATE_TO, breakdown="browser", step0_only=1)


def test_microsecond_timestamps_give_the_same_answer() -> None:
    spec = _spec(["view", "buy"], window=1, window_unit="hour")
    rows = [
        ("p1", "view", "2026-01-05 10:00:00.000"),
        ("p1", "buy", "2026-01-05 11:00:00.000"),
        ("p2", "view", "2026-01-05 10:00:00.000"),
        ("p2", "buy", "2026-01-05 10:00:01.500"),
    ]
    assert _single(_table(rows, "us"), spec) == _single(_table(rows, "ms"), spec)


def test_nobody_entering_gives_zeros() -> None:
    spec = _spec(["a", "b"])
    events = _table([("p1", "a", "2026-02-01 10:00:00")])
    result = _single(events, spec)
    assert _persons(result) == [0, 0]
    assert result.steps[0].conversion_from_first == 0.0
    assert compute_funnel(events, spec, DATE_FROM, DATE_TO, breakdown="browser") == []
    assert compute_funnel_by_entry_day(events, spec, DATE_FROM, DATE_TO) == []


def test_window_units() -> None:
    assert _spec(["a", "b"]).window_seconds == 14 * 86_400
    assert _spec(["a", "b"], window=2, window_unit="minute").window_seconds == 120
    assert _spec(["a", "b"], window=1, window_unit="month").window_seconds == 30 * 86_400


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"steps": ["a"]}, "steps"),
        ({"steps": ["a"] * 21}, "steps"),
        ({"steps": ["a", "b"], "window": 0}, "window"),
        ({"steps": ["a", "b"], "window_unit": "year"}, "window_unit"),
        ({"steps": ["a", "b"], "order": "random"}, "order"),
    ],
)
def test_spec_validation_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        FunnelSpec(funnel_id="bad", **kwargs)
    assert raised.value.errors()[0]["loc"][0] == field


def test_exclusion_validation_names_to_step() -> None:
    with pytest.raises(ValidationError) as raised:
        FunnelExclusion(event="x", from_step=1, to_step=1)
    assert raised.value.errors()[0]["loc"] == ("to_step",)
    assert "to_step" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        _spec(["a", "b"], exclusions=[{"event": "x", "from_step": 0, "to_step": 2}])
    assert raised.value.errors()[0]["loc"] == ("exclusions",)
    assert "exclusions[0].to_step" in str(raised.value)


def test_missing_columns_and_reversed_dates_raise() -> None:
    events = _table([("p1", "a", "2026-01-05 10:00:00")])
    with pytest.raises(ValueError, match="country"):
        compute_funnel(events, _spec(["a", "b"]), DATE_FROM, DATE_TO, breakdown="country")
    with pytest.raises(ValueError, match="date_from"):
        compute_funnel(events, _spec(["a", "b"]), DATE_TO, DATE_FROM)


# --- Randomized cross-check against a deliberately simple reference -----------------


def _reference(
    rows: list[dict], spec: FunnelSpec, date_from: date, date_to: date, group_by: str
) -> list[tuple[str | None, list[int], list[float | None], list[float | None]]]:
    """Per-person loops over the §6 rules; group_by is "none", "day" or "browser"."""
    start = datetime.combine(date_from, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    window = timedelta(seconds=spec.window_seconds)
    steps = spec.steps
    timelines: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        timelines[row["person_id"]].append(row)

    def match(events: list[dict], s: int) -> list[int]:
        """Positions of the events filling steps 0, 1, … (earliest first if unordered)."""
        t0 = events[s]["timestamp"]
        if spec.order == "unordered":
            filled: list[int | None] = [None] * len(steps)
            for i in range(s, len(events)):
                if events[i]["timestamp"] - t0 > window:
                    continue
                for k, name in enumerate(steps):
                    if name == events[i]["event"] and filled[k] is None:
                        filled[k] = i
                        break
            return sorted(i for i in filled if i is not None)
        matched = [s]
        for k in range(1, len(steps)):
            if spec.order == "strict":
                candidates = [matched[-1] + 1] if matched[-1] + 1 < len(events) else []
            else:
                candidates = list(range(matched[-1] + 1, len(events)))
            found = None
            for i in candidates:
                if events[i]["event"] == steps[k]:
                    found = i
                    break
            if found is None or events[found]["timestamp"] - t0 > window:
                break
            matched.append(found)
        return matched

    best: dict[tuple, tuple[int, int, list[int], list[dict]]] = {}
    started: dict[str | None, None] = {}  # groups in which an attempt starts
    for person, events in timelines.items():
        events.sort(key=lambda e: (e["timestamp"], e["event_id"]))
        for s, event in enumerate(events):
            if not start <= event["timestamp"] < end:
                continue
            if spec.order == "unordered" and event["event"] not in steps:
                continue
            if spec.order != "unordered" and event["event"] != steps[0]:
                continue
            matched = match(events, s)
            if group_by == "day":
                group = event["timestamp"].date().isoformat()
            elif group_by == "browser":
                group = event["browser"] or ""
            else:
                group = None
            started.setdefault(group, None)
            t0 = event["timestamp"]
            disqualified = False
            for x in spec.exclusions:
                if len(matched) <= x.from_step:
                    continue
                until = matched[x.to_step] if len(matched) > x.to_step else len(events)
                disqualified |= any(
                    events[i]["event"] == x.event and events[i]["timestamp"] - t0 <= window
                    for i in range(matched[x.from_step] + 1, until))
            if disqualified:
                continue
            candidate = (len(matched), -s, matched, events)
            if (group, person) not in best or candidate[:2] > best[(group, person)][:2]:
                best[(group, person)] = candidate

    by_group: dict[str | None, list] = {group: [] for group in started}
    for (group, _person), chosen in best.items():
        by_group[group].append(chosen)
    out = []
    for group, chosen_list in by_group.items():
        persons, avg, median = [], [], []
        for k in range(len(steps)):
            reached = [c for c in chosen_list if c is not None and c[0] > k]
            persons.append(len(reached))
            times = (
                [
                    (c[3][c[2][k]]["timestamp"] - c[3][c[2][k - 1]]["timestamp"]).total_seconds()
                    for c in reached
                ]
                if k
                else []
            )
            avg.append(statistics.fmean(times) if times else None)
            median.append(statistics.median(times) if times else None)
        out.append((group, persons, avg, median))
    if group_by == "none" and not out:
        out.append((None, [0] * len(steps), [None] * len(steps), [None] * len(steps)))
    if group_by == "day":
        out.sort(key=lambda g: g[0])
    else:
        out.sort(key=lambda g: (-g[1][0], g[0] or ""))
    return out


def _random_rows(seed: int, n_events: int = 3000) -> list[dict]:
    """Events over Jan 4 12:00..Jan 8 12:00 on a 15-minute grid, so ties and exact limits
    happen; a few persons are busy enough to complete long funnels, most are sparse."""
    rng = random.Random(seed)
    base = datetime(2026, 1, 4, 12, tzinfo=UTC)
    ids = [f"id{i:06d}" for i in range(n_events)]
    rng.shuffle(ids)
    return [
        {
            "person_id": f"p{int(80 * rng.random() ** 3)}",
            "event": rng.choice(["a", "a", "b", "b", "c", "x", "other"]),
            "timestamp": base + timedelta(minutes=15 * rng.randrange(4 * 96)),
            "event_id": ids[i],
            "browser": rng.choice(["chrome", "firefox", None]),
        }
        for i in range(n_events)
    ]


def _rows_table(rows: list[dict]) -> pa.Table:
    return pa.table(
        {
            "person_id": pa.array([r["person_id"] for r in rows], pa.string()),
            "event": pa.array([r["event"] for r in rows], pa.string()),
            "timestamp": _timestamps([r["timestamp"] for r in rows], "ms"),
            "event_id": pa.array([r["event_id"] for r in rows], pa.string()),
            "browser": pa.array([r["browser"] for r in rows], pa.string()),
        }
    )


def _as_tuples(results: list[FunnelResult]) -> list[tuple]:
    return [(r.group, _persons(r), _avg(r), _median(r)) for r in results]


@pytest.mark.parametrize("order", ["ordered", "strict", "unordered"])
@pytest.mark.parametrize("with_exclusions", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_engine_matches_reference(order: str, with_exclusions: bool, seed: int) -> None:
    rows = _random_rows(seed)
    events = _rows_table(rows)
    if order == "unordered":
        steps = ["a", "b", "a", "c"]
        exclusions = [FunnelExclusion(event="x", from_step=0, to_step=3)]
    elif order == "strict":
        steps = ["a", "b", "a"]
        exclusions = [FunnelExclusion(event="x", from_step=0, to_step=2)]
    else:
        steps = ["a", "b", "a", "c"]
        exclusions = [
            FunnelExclusion(event="x", from_step=1, to_step=2),
            FunnelExclusion(event="c", from_step=0, to_step=1),
        ]
    spec = _spec(
        steps,
        order=order,
        window=6 if order != "strict" else 2,
        window_unit="hour",
        exclusions=exclusions if with_exclusions else [],
    )
    date_from, date_to = date(2026, 1, 5), date(2026, 1, 7)
    cases = [
        ("none", compute_funnel(events, spec, date_from, date_to)),
        ("day", compute_funnel_by_entry_day(events, spec, date_from, date_to)),
        ("browser", compute_funnel(events, spec, date_from, date_to, breakdown="browser")),
    ]
    for group_by, results in cases:
        expected = _reference(rows, spec, date_from, date_to, group_by)
        got = _as_tuples(results)
        assert [g[:2] for g in got] == [e[:2] for e in expected], group_by
        for g, e in zip(got, expected, strict=True):
            assert g[2] == pytest.approx(e[2]), (group_by, g[0])
            assert g[3] == pytest.approx(e[3]), (group_by, g[0])
        # The data must exercise conversions, not just agree on zeros.
        assert sum(g[1][1] for g in got) > 0, group_by
