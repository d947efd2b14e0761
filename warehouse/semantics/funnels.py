"""PostHog-compatible funnels over an Arrow table of events (DESIGN §6).

One vectorized engine (numpy over pyarrow) answers a funnel for the funnel mart and the
API alike; it does no I/O and knows nothing of Dagster or dbt.

Semantics
---------
Events are sorted per person by (timestamp, event_id); an event's `seq` is its position
in that order, so two events with the same timestamp are still ordered, and one event
fills at most one step. Timestamps keep the precision of the input (ms or µs); seconds
are reported as floats.

- Entry: an attempt starts at each step-0 event whose timestamp lies in
  [date_from 00:00, date_to + 1 day 00:00) UTC. Later steps may fall after date_to.
- Window: step k (k ≥ 1) must satisfy `t - t0 <= window` (inclusive), t0 being the
  attempt's first event. Units: second, minute, hour, day, week, month = 30 days.
- ordered: step k is the earliest event named steps[k] with seq > seq(step k-1) within
  the window; other events may occur between steps. Greedy earliest is optimal, so no
  backtracking is needed. A repeated name needs distinct events.
- strict: step k must be the person's very next event after step k-1 (over all the
  person's events, whatever their name), be named steps[k] and lie in the window;
  otherwise the attempt stops at step k-1.
- unordered: an attempt starts at any event named like any step (inside the range).
  Steps reached = how many distinct step indexes can be filled by distinct events with
  timestamp in [t0, t0 + window] and seq ≥ seq(start); the start event fills its own
  step and the n-th occurrence of a name fills the n-th step with that name. "Step k"
  of an unordered attempt is the k-th distinct step completed: its event is the k-th
  earliest matched event, and the time from step k-1 to k is the difference between the
  k-th and (k-1)-th earliest matched events. Exclusions use these same events, so
  `from_step=0, to_step=len(steps)-1` (the only exclusion PostHog accepts for unordered
  funnels) means "between the first and the last completed step".
- Attempts: a person counts once per group, at the furthest step reached over the
  clean attempts starting in that group; among attempts reaching that step the
  earliest-starting one is used, and its step times give the conversion times.
- Exclusions act per attempt, like a parallel step after `from_step`: an attempt that
  reached `from_step` is disqualified by an event named `exclusion.event` that comes
  after its `from_step` event (by seq), inside its window (`t - t0 <= window`), and
  before its `to_step` event when the attempt reached that step — also when it never
  reaches `to_step`. Disqualified attempts are set aside; the person counts through
  their clean attempts, and not at all when every attempt is disqualified.
- Groups: the whole range (`compute_funnel`), the attempt's step-0 breakdown value
  (`compute_funnel(..., breakdown=...)`; a null value is the group ""), or the UTC day of
  the attempt's t0 (`compute_funnel_by_entry_day`). A group is reported when at least
  one attempt starts in it, even if exclusions then remove every person from it.
- Output per group and step k: persons reaching ≥ step k; conversion_from_first =
  persons[k] / persons[0]; conversion_from_previous = persons[k] / persons[k-1] (0.0
  when the denominator is 0; step 0 is 1.0 for both, 0.0 in an empty group); average
  and median (linearly interpolated, as numpy) seconds from step k-1 to step k over the
  persons who reached step k, None for step 0 or when nobody reached step k.

Input
-----
`events` has the columns person_id (string, or an integer code such as a hash),
event (string, plain or dictionary-encoded), timestamp (timestamp of any unit, naive or
tz-aware, read as UTC), event_id (string, unique, the tie-breaker) and, for a breakdown,
the breakdown column. Rows may be unsorted and may fall outside the range; rows with a
null person_id, event or timestamp are ignored.

event_id may be left out, since it only orders a person's events that share a timestamp
(rare with millisecond timestamps, and moving the strings costs more than the rest of
the input). Without it the engine raises `TiedEventsError` naming the persons with such
events; the caller then supplies their event_ids and runs again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

WindowUnit = Literal["second", "minute", "hour", "day", "week", "month"]
FunnelOrder = Literal["ordered", "strict", "unordered"]

# A "month" window is 30 days, as in PostHog's conversion-window presets.
UNIT_SECONDS: dict[str, int] = {
    "second": 1,
    "minute": 60,
    "hour": 3_600,
    "day": 86_400,
    "week": 7 * 86_400,
    "month": 30 * 86_400,
}
_US_PER_SECOND = 1_000_000
_US_PER_DAY = 86_400 * _US_PER_SECOND
_UNIT_TO_US = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 1}
_EPOCH = date(1970, 1, 1)
_REQUIRED_COLUMNS = ("person_id", "event", "timestamp")
# Bounds the temporary (attempts x steps) matrices of the matchers.
_CHUNK = 1 << 20


class TiedEventsError(ValueError):
    """Events of one person share a timestamp and no event_id column orders them."""

    def __init__(self, persons: list) -> None:
        super().__init__(f"{len(persons)} person(s) have events with equal timestamps: "
                         "pass an event_id column to order them")
        self.persons = persons  # person_id values, as given


class FunnelExclusion(BaseModel):
    """An event that must not happen between two steps of an attempt (0-based steps)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: str = Field(min_length=1)
    from_step: int = Field(ge=0)
    to_step: int

    @field_validator("to_step")
    @classmethod
    def _after_from_step(cls, to_step: int, info: ValidationInfo) -> int:
        from_step = info.data.get("from_step")
        if from_step is not None and to_step <= from_step:
            raise ValueError(f"to_step ({to_step}) must be greater than from_step ({from_step})")
        return to_step


def check_exclusions(steps: Sequence[str], exclusions: Sequence[FunnelExclusion]) -> None:
    """Raise ValueError (naming `exclusions[i]`) unless every exclusion lies inside the
    funnel and is not itself a step of its range (PostHog refuses those too: it would
    bar every attempt that makes progress)."""
    for index, exclusion in enumerate(exclusions):
        if exclusion.to_step >= len(steps):
            raise ValueError(f"exclusions[{index}].to_step ({exclusion.to_step}) must be less "
                             f"than the number of steps ({len(steps)})")
        if exclusion.event in steps[exclusion.from_step:exclusion.to_step + 1]:
            raise ValueError(f"exclusions[{index}].event {exclusion.event!r} is a step between "
                             f"from_step {exclusion.from_step} and to_step {exclusion.to_step}")


class FunnelDefinition(BaseModel):
    """What a funnel is — steps (event names), conversion window, order, exclusions — as
    the engine reads it. The funnel mart's specs and the API's ad-hoc query extend it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: list[str] = Field(min_length=2, max_length=20)
    window_unit: WindowUnit = "day"  # before `window`: validators of the window read it
    window: int = Field(default=14, gt=0)
    order: FunnelOrder = "ordered"
    exclusions: list[FunnelExclusion] = Field(default_factory=list)

    @field_validator("steps")
    @classmethod
    def _named_steps(cls, steps: list[str]) -> list[str]:
        for index, name in enumerate(steps):
            if not name:
                raise ValueError(f"steps[{index}] is an empty event name")
        return steps

    @field_validator("exclusions")
    @classmethod
    def _exclusions_inside_funnel(
        cls, exclusions: list[FunnelExclusion], info: ValidationInfo
    ) -> list[FunnelExclusion]:
        steps = info.data.get("steps")
        if steps is not None:
            check_exclusions(steps, exclusions)
        return exclusions

    @property
    def window_seconds(self) -> int:
        """The conversion window in seconds (a month counts 30 days)."""
        return self.window * UNIT_SECONDS[self.window_unit]


class FunnelSpec(FunnelDefinition):
    """A named funnel (the funnel mart's `vars.funnels`)."""

    funnel_id: str = Field(min_length=1)


@dataclass(frozen=True)
class FunnelStepResult:
    """One step of a funnel result; `step` is 0-based, seconds are from step-1 to step."""

    step: int
    event: str
    persons: int
    conversion_from_first: float
    conversion_from_previous: float
    avg_seconds_from_previous: float | None
    median_seconds_from_previous: float | None


@dataclass(frozen=True)
class FunnelResult:
    """A funnel for one group: breakdown value, entry day (ISO) or None when ungrouped."""

    steps: list[FunnelStepResult]
    group: str | None


def funnel_event_names(spec: FunnelSpec) -> set[str]:
    """Return the event names the engine reads for `spec` (step and exclusion events).

    This is enough to pre-filter events for ordered and unordered funnels. A strict
    funnel needs ALL of a person's events (any other event between two steps breaks
    it), so a caller must not pre-filter events by name for a strict funnel.
    """
    return set(spec.steps) | {exclusion.event for exclusion in spec.exclusions}


def compute_funnel(
    events: pa.Table,
    spec: FunnelSpec,
    date_from: date,
    date_to: date,
    breakdown: str | None = None,
    step0_only: int = 0,
) -> list[FunnelResult]:
    """Compute `spec` over attempts starting in [date_from, date_to] (UTC, whole days).

    `step0_only` counts persons who enter and surely reach no further step, and whose
    events are left out of `events` (a caller that counted them where the events live,
    as the API does); they are added to step 0. Only without a breakdown.

    Returns one FunnelResult with group None when `breakdown` is None (all zeros when
    nobody entered), else one per breakdown value of the attempts' step-0 events, sorted
    by persons at step 0 descending then value (empty when nobody entered).
    Raises ValueError when a column is missing, timestamp is not a timestamp column,
    date_from is after date_to, or step0_only is given with a breakdown.
    """
    if step0_only and breakdown is not None:
        raise ValueError("step0_only persons have no breakdown value: pass their events")
    prepared = _prepare(events, spec, date_from, date_to, breakdown)
    attempts = _attempts(prepared, spec)
    if breakdown is None:
        groups = np.zeros(attempts.start.size, dtype=np.int64)
        stats = _aggregate(prepared, spec, attempts, groups, 1)
        stats.persons[0, 0] += step0_only
        return [_result(spec, stats, 0, None)]
    if attempts.start.size == 0:
        return []
    values = prepared.breakdown.take(pa.array(attempts.start)).cast(pa.string())
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    labels: list[str] = encoded.dictionary.to_pylist()
    groups = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    stats = _aggregate(prepared, spec, attempts, groups, len(labels))
    order = sorted(range(len(labels)), key=lambda g: (-int(stats.persons[g, 0]), labels[g]))
    return [_result(spec, stats, g, labels[g]) for g in order]


def compute_funnel_by_entry_day(
    events: pa.Table, spec: FunnelSpec, date_from: date, date_to: date
) -> list[FunnelResult]:
    """Compute `spec` once per UTC entry day in [date_from, date_to].

    Attempts are grouped by the UTC day of their first event; each (person, day) counts
    once. Returns one FunnelResult per day on which at least one attempt starts, in day
    order, with the day's ISO date as `group`.
    Raises ValueError when a column is missing, timestamp is not a timestamp column, or
    date_from is after date_to.
    """
    prepared = _prepare(events, spec, date_from, date_to, None)
    attempts = _attempts(prepared, spec)
    n_days = (date_to - date_from).days + 1
    groups = (attempts.t0 - prepared.start_us) // _US_PER_DAY
    stats = _aggregate(prepared, spec, attempts, groups, n_days)
    return [
        _result(spec, stats, day, (date_from + timedelta(days=int(day))).isoformat())
        for day in np.flatnonzero(stats.attempts > 0)
    ]


@dataclass(frozen=True)
class _Events:
    """Relevant events sorted by (person, timestamp, event_id); position = seq."""

    person: np.ndarray  # int64 dense person codes, non-decreasing
    ts: np.ndarray  # int64 microseconds since the epoch
    name: np.ndarray  # int64 index into `names`, -1 for any other event
    names: list[str]
    breakdown: pa.Array | None
    start_us: int
    end_us: int  # exclusive end of the entry range
    window_us: int

    def positions(self, name: str) -> np.ndarray:
        """Sorted positions of the events called `name`."""
        return np.flatnonzero(self.name == self.names.index(name))


@dataclass(frozen=True)
class _Attempts:
    """Every attempt: start position, t0, person, furthest step, step events, exclusion."""

    start: np.ndarray
    t0: np.ndarray
    person: np.ndarray
    reached: np.ndarray  # furthest 0-based step reached
    step_pos: np.ndarray  # (steps, attempts) positions of the step events, -1 if not reached
    excluded: np.ndarray


@dataclass(frozen=True)
class _Stats:
    """Per-group arrays: attempts started, persons ≥ step, avg and median seconds."""

    attempts: np.ndarray  # (groups,)
    persons: np.ndarray  # (groups, steps)
    avg_seconds: np.ndarray  # (groups, steps), NaN when undefined
    median_seconds: np.ndarray  # (groups, steps), NaN when undefined


def _prepare(
    events: pa.Table, spec: FunnelSpec, date_from: date, date_to: date, breakdown: str | None
) -> _Events:
    """Keep the events that can matter, encode them, and sort them into seq order."""
    missing = [c for c in (*_REQUIRED_COLUMNS, breakdown) if c and c not in events.column_names]
    if missing:
        raise ValueError(f"events table lacks column(s) {missing}")
    if date_from > date_to:
        raise ValueError(f"date_from ({date_from}) is after date_to ({date_to})")
    names = sorted(funnel_event_names(spec))
    start_us = (date_from - _EPOCH).days * _US_PER_DAY
    end_us = ((date_to - _EPOCH).days + 1) * _US_PER_DAY
    # Capped so that end_us + window_us stays inside int64 (2**62 µs is ~146,000 years).
    window_us = min(spec.window_seconds * _US_PER_SECOND, 1 << 62)

    ts = _timestamps_us(events["timestamp"])
    name = _name_codes(events["event"], names)
    # Nothing before date_from can follow an entry, nothing after the last window can
    # be reached, and (not strict) other events never matter. Dropping a prefix/suffix
    # of a person's timeline keeps "the next event" of strict funnels intact.
    keep = (ts >= start_us) & (ts <= end_us + window_us)
    if spec.order != "strict":
        keep &= name >= 0
    for column in ("person_id", "event", "timestamp"):
        if events[column].null_count:
            keep &= events[column].is_valid().to_numpy(zero_copy_only=False)
    wanted = [c for c in (*_REQUIRED_COLUMNS, "event_id", breakdown)
              if c and c in events.column_names]
    events = events.select(list(dict.fromkeys(wanted)))
    if keep.all():  # the caller pruned already (the API does): no copies needed
        kept = events
    else:
        kept = events.take(pa.array(np.flatnonzero(keep)))
        ts, name = ts[keep], name[keep]
    person_ids = kept["person_id"].combine_chunks()
    person, grouped = _person_codes(person_ids)
    event_id = kept["event_id"] if "event_id" in kept.column_names else None
    order = _seq_order(person, ts, event_id, person_ids, grouped)
    values = kept[breakdown] if breakdown else None
    if order is not None:
        person, ts, name = person[order], ts[order], name[order]
        values = values.take(pa.array(order)) if values is not None else None
    return _Events(
        person=person,
        ts=ts,
        name=name,
        names=names,
        breakdown=values.combine_chunks() if values is not None else None,
        start_us=start_us,
        end_us=end_us,
        window_us=window_us,
    )


def _name_codes(column: pa.ChunkedArray, names: list[str]) -> np.ndarray:
    """Index of each event's name in `names` (int64), -1 for other names."""
    value_set = pa.array(names, pa.string())
    if not pa.types.is_dictionary(column.type):
        return pc.fill_null(pc.index_in(column, value_set=value_set), -1).to_numpy().astype(
            np.int64)
    # Look the (few) dictionary values up once, then gather by the indices.
    parts = []
    for chunk in column.chunks:
        lookup = pc.fill_null(pc.index_in(chunk.dictionary.cast(pa.string()),
                                          value_set=value_set), -1)
        codes = np.append(lookup.to_numpy().astype(np.int64), -1)  # -1 for null indices
        indices = pc.fill_null(chunk.indices, len(lookup)).to_numpy()
        parts.append(codes[indices])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _person_codes(person_ids: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """Dense int64 codes (0..persons-1) of the person ids (nulls are dropped earlier),
    and, for integer ids, the order that groups them (it helps `_seq_order`)."""
    if pa.types.is_integer(person_ids.type) and person_ids.null_count == 0:
        # A sort groups equal ids; faster than hashing 64-bit ids into a dictionary.
        values = person_ids.to_numpy()
        if values.size == 0:
            return values.astype(np.int64), None
        if np.all(values[1:] >= values[:-1]):  # already sorted (the API sends them so)
            starts = np.empty(values.size, dtype=np.int64)
            starts[0] = 0
            np.not_equal(values[1:], values[:-1], out=starts[1:])
            return np.cumsum(starts), np.arange(values.size)
        grouped = np.argsort(values)
        ordered = values[grouped]
        starts = np.empty(values.size, dtype=bool)
        starts[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
        codes = np.empty(values.size, dtype=np.int64)
        codes[grouped] = np.cumsum(starts) - 1
        return codes, grouped
    encoded = pc.dictionary_encode(person_ids).indices.to_numpy(zero_copy_only=False)
    return encoded.astype(np.int64), None


def _timestamps_us(column: pa.ChunkedArray) -> np.ndarray:
    """Timestamps as int64 microseconds since the epoch (UTC); nulls become 0."""
    if not pa.types.is_timestamp(column.type):
        raise ValueError(f"timestamp column has type {column.type}, expected a timestamp")
    raw = pc.fill_null(column.cast(pa.int64()), 0).to_numpy().astype(np.int64)
    if column.type.unit == "ns":
        return raw // 1_000
    return raw * _UNIT_TO_US[column.type.unit]


def _seq_order(person: np.ndarray, ts: np.ndarray, event_id: pa.ChunkedArray | None,
               person_ids: pa.Array, grouped: np.ndarray | None = None) -> np.ndarray | None:
    """Indexes sorting events by (person, timestamp, event_id), or None when they are in
    that order already, without ties (as the API sends them). Without event_id, ties
    raise TiedEventsError naming their persons (from `person_ids`). `grouped`, an order
    in which each person's events are adjacent, makes the sort nearly linear."""
    if person.size == 0:
        return None
    offset = ts - ts.min()
    person_bits = int(person.max()).bit_length()
    time_bits = int(offset.max()).bit_length()
    if person_bits + time_bits <= 62:
        # One packed int64 key sorts several times faster than a multi-key sort.
        key = (person << time_bits) | offset
        if (key[1:] > key[:-1]).all():
            return None
        if grouped is None:
            order = np.argsort(key)
        else:  # sorted but for short runs: a stable (run-aware) sort is close to linear
            order = grouped[np.argsort(key[grouped], kind="stable")]
        sorted_key = key[order]
        tied = sorted_key[1:] == sorted_key[:-1]
    else:
        if ((person[1:] > person[:-1])
                | ((person[1:] == person[:-1]) & (ts[1:] > ts[:-1]))).all():
            return None
        order = np.lexsort((ts, person))
        tied = (person[order][1:] == person[order][:-1]) & (ts[order][1:] == ts[order][:-1])
    if not tied.any():
        return order
    # Equal (person, timestamp) runs are rare: re-sort only their slots by event_id.
    in_run = np.zeros(order.size, dtype=bool)
    in_run[1:] |= tied
    in_run[:-1] |= tied
    slots = np.flatnonzero(in_run)
    rows = order[slots]
    if event_id is None:
        tied = pc.unique(person_ids.take(pa.array(rows))).to_pylist()
        raise TiedEventsError(tied)
    ties = pa.table(
        {
            "person": person[rows],
            "ts": ts[rows],
            "event_id": event_id.take(pa.array(rows)),
        }
    )
    resorted = pc.sort_indices(
        ties, sort_keys=[("person", "ascending"), ("ts", "ascending"), ("event_id", "ascending")]
    ).to_numpy()
    order[slots] = rows[resorted]
    return order


def _attempts(ev: _Events, spec: FunnelSpec) -> _Attempts:
    """Match every attempt that starts in the range and flag the excluded ones."""
    in_range = ev.ts < ev.end_us  # ts >= start_us already holds after _prepare
    if spec.order == "unordered":
        step_codes = [ev.names.index(s) for s in set(spec.steps)]
        start = np.flatnonzero(in_range & np.isin(ev.name, step_codes))
        matcher = _match_unordered
    else:
        start = np.flatnonzero(in_range & (ev.name == ev.names.index(spec.steps[0])))
        matcher = _match_strict if spec.order == "strict" else _match_ordered
    candidates = {name: ev.positions(name) for name in ev.names}
    step_pos = np.full((len(spec.steps), start.size), -1, dtype=np.int64)
    for lo in range(0, start.size, _CHUNK):
        chunk = slice(lo, lo + _CHUNK)
        step_pos[:, chunk] = matcher(ev, spec, start[chunk], candidates)
    reached = (step_pos >= 0).sum(axis=0) - 1
    excluded = np.zeros(start.size, dtype=bool)
    for exclusion in spec.exclusions:
        # An attempt that reached `from_step` is disqualified by the first barred event
        # after that step's event (by seq) when it is the person's, inside the attempt's
        # window, and — if the attempt reached `to_step` — before that step's event. A
        # person's events are in time order, so the first barred event decides.
        attempt = np.flatnonzero(reached >= exclusion.from_step)
        from_pos = step_pos[exclusion.from_step, attempt]
        barred = candidates[exclusion.event]
        first, exists = _next_candidate(barred, np.searchsorted(barred, from_pos, "right"))
        hit = (exists & (ev.person[first] == ev.person[from_pos])
               & (ev.ts[first] - ev.ts[start[attempt]] <= ev.window_us))
        to_pos = step_pos[exclusion.to_step, attempt]
        hit &= (to_pos < 0) | (first < to_pos)
        excluded[attempt[hit]] = True
    return _Attempts(
        start=start,
        t0=ev.ts[start],
        person=ev.person[start],
        reached=reached,
        step_pos=step_pos,
        excluded=excluded,
    )


def _next_candidate(candidates: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`candidates[index]` where it exists (else position 0) and the mask of existing ones."""
    exists = index < candidates.size
    if candidates.size == 0:
        return np.zeros_like(index), exists
    return candidates[np.minimum(index, candidates.size - 1)], exists


def _match_ordered(
    ev: _Events, spec: FunnelSpec, start: np.ndarray, candidates: dict[str, np.ndarray]
) -> np.ndarray:
    """Step positions of ordered attempts: each step is the earliest fitting event."""

    def next_event(k: int, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cand = candidates[spec.steps[k]]
        nxt, ok = _next_candidate(cand, np.searchsorted(cand, current, side="right"))
        return nxt, ok & (ev.person[nxt] == ev.person[current])

    return _match_in_sequence(ev, spec, start, next_event)


def _match_strict(
    ev: _Events, spec: FunnelSpec, start: np.ndarray, candidates: dict[str, np.ndarray]
) -> np.ndarray:
    """Step positions of strict attempts: each step is the person's very next event."""
    last = ev.person.size - 1

    def next_event(k: int, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nxt = np.minimum(current + 1, last)
        ok = (current < last) & (ev.person[nxt] == ev.person[current])
        return nxt, ok & (ev.name[nxt] == ev.names.index(spec.steps[k]))

    return _match_in_sequence(ev, spec, start, next_event)


def _match_in_sequence(
    ev: _Events, spec: FunnelSpec, start: np.ndarray,
    next_event: Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Step positions when step k follows from step k-1's position by `next_event`
    (which returns candidate positions and whether each is the person's and fits) and
    must lie within the window of the attempt's start."""
    step_pos = np.full((len(spec.steps), start.size), -1, dtype=np.int64)
    step_pos[0] = start
    active = np.arange(start.size)
    current = start
    for k in range(1, len(spec.steps)):
        nxt, ok = next_event(k, current)
        ok &= ev.ts[nxt] - ev.ts[start[active]] <= ev.window_us
        active, current = active[ok], nxt[ok]
        step_pos[k, active] = current
    return step_pos


def _match_unordered(
    ev: _Events, spec: FunnelSpec, start: np.ndarray, candidates: dict[str, np.ndarray]
) -> np.ndarray:
    """Positions of the events an unordered attempt completes, earliest first."""
    unmatched = np.iinfo(np.int64).max
    matched = np.full((start.size, len(spec.steps)), unmatched, dtype=np.int64)
    t0, person = ev.ts[start], ev.person[start]
    column = 0
    for name, repeats in Counter(spec.steps).items():
        cand = candidates[name]
        first = np.searchsorted(cand, start, side="left")
        # The n-th occurrence of a name at/after the start fills the n-th step of it.
        for n in range(repeats):
            pos, ok = _next_candidate(cand, first + n)
            ok &= (ev.person[pos] == person) & (ev.ts[pos] - t0 <= ev.window_us)
            matched[ok, column] = pos[ok]
            column += 1
    matched.sort(axis=1)
    matched[matched == unmatched] = -1
    return matched.T


def _choose(
    attempts: _Attempts, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Pick each (person, group)'s attempt among the clean ones (not disqualified by an
    exclusion): the furthest-reaching, the earliest-starting among those. A pair whose
    every attempt is disqualified gets none. Returns the chosen attempt indexes."""
    clean = np.flatnonzero(~attempts.excluded)
    if clean.size == 0:
        return clean
    key = attempts.person[clean] * n_groups + groups[clean]
    # Attempts come in start order, so a stable sort keeps them earliest first per key;
    # ungrouped and entry-day keys are already sorted.
    if not np.all(key[1:] >= key[:-1]):
        order = np.argsort(key, kind="stable")
        clean, key = clean[order], key[order]
    is_first = np.empty(key.size, dtype=bool)
    is_first[:1] = True
    np.not_equal(key[1:], key[:-1], out=is_first[1:])
    segment_start = np.flatnonzero(is_first)
    segment = np.cumsum(is_first) - 1
    reached = attempts.reached[clean]
    furthest = np.maximum.reduceat(reached, segment_start)
    best = np.flatnonzero(reached == furthest[segment])
    best_first = np.ones(best.size, dtype=bool)
    np.not_equal(segment[best][1:], segment[best][:-1], out=best_first[1:])
    return clean[best[best_first]]


def _aggregate(
    ev: _Events, spec: FunnelSpec, attempts: _Attempts, groups: np.ndarray, n_groups: int
) -> _Stats:
    """Per-group persons at each step and conversion-time statistics."""
    n_steps = len(spec.steps)
    started = np.bincount(groups, minlength=n_groups)
    persons = np.zeros((n_groups, n_steps), dtype=np.int64)
    avg = np.full((n_groups, n_steps), np.nan)
    median = np.full((n_groups, n_steps), np.nan)
    if attempts.start.size == 0:
        return _Stats(started, persons, avg, median)
    chosen = _choose(attempts, groups, n_groups)
    group, reached = groups[chosen], attempts.reached[chosen]
    at_step = np.bincount(group * n_steps + reached, minlength=n_groups * n_steps)
    persons = at_step.reshape(n_groups, n_steps)[:, ::-1].cumsum(axis=1)[:, ::-1]
    for k in range(1, n_steps):
        converted = reached >= k
        attempt = chosen[converted]
        seconds = ev.ts[attempts.step_pos[k, attempt]] - ev.ts[attempts.step_pos[k - 1, attempt]]
        avg[:, k], median[:, k] = _group_mean_median(group[converted], seconds, n_groups)
    return _Stats(started, np.ascontiguousarray(persons), avg, median)


def _group_mean_median(
    group: np.ndarray, micros: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and interpolated median seconds per group (NaN for empty groups)."""
    count = np.bincount(group, minlength=n_groups)
    total = np.bincount(group, weights=micros.astype(np.float64), minlength=n_groups)
    mean = np.full(n_groups, np.nan)
    median = np.full(n_groups, np.nan)
    has = count > 0
    mean[has] = total[has] / count[has] / _US_PER_SECOND
    # one group (an ungrouped funnel) needs no group in the sort key
    values = (np.sort(micros) if n_groups == 1
              else _sorted_within_groups(group, micros)).astype(np.float64)
    first = np.cumsum(count) - count
    low = first[has] + (count[has] - 1) // 2
    high = first[has] + count[has] // 2
    median[has] = (values[low] + values[high]) / 2 / _US_PER_SECOND
    return mean, median


def _sorted_within_groups(group: np.ndarray, micros: np.ndarray) -> np.ndarray:
    """`micros` (non-negative) sorted by (group, value), without the group."""
    if micros.size == 0:
        return micros
    value_bits = int(micros.max()).bit_length()
    if value_bits + int(group.max()).bit_length() > 62:
        return micros[np.lexsort((micros, group))]
    # Sorting one packed key is several times faster than a two-key lexsort.
    packed = np.sort((group << value_bits) | micros)
    return packed & ((1 << value_bits) - 1)


def _result(spec: FunnelSpec, stats: _Stats, group: int, label: str | None) -> FunnelResult:
    """Turn one group's arrays into a FunnelResult."""
    persons = [int(p) for p in stats.persons[group]]
    steps = []
    for k, event in enumerate(spec.steps):
        if k == 0:
            from_first = from_previous = 1.0 if persons[0] else 0.0
        else:
            from_first = persons[k] / persons[0] if persons[0] else 0.0
            from_previous = persons[k] / persons[k - 1] if persons[k - 1] else 0.0
        steps.append(
            FunnelStepResult(
                step=k,
                event=event,
                persons=persons[k],
                conversion_from_first=from_first,
                conversion_from_previous=from_previous,
                avg_seconds_from_previous=_optional(stats.avg_seconds[group, k]),
                median_seconds_from_previous=_optional(stats.median_seconds[group, k]),
            )
        )
    return FunnelResult(steps=steps, group=label)


def _optional(value: float) -> float | None:
    """None for NaN, else the value as a Python float."""
    return None if np.isnan(value) else float(value)
