"""Reading the events of an ad-hoc funnel for the engine: one ClickHouse query, one row.

ClickHouse groups the tenant's events of [date_from, date_to + 1 day + window] by person
(`cityHash64(person_id)`, a UInt64: cheaper to group and move than strings) and keeps the
persons who enter: a step-0 event inside the entry days (any step event for an unordered
funnel). Only the events the engine reads are taken (step and exclusion names, every
event for a strict funnel, since any other event between two steps breaks it), with the
request's filters applied.

Each event is packed into one UInt64: milliseconds since the range start, shifted left,
OR the 1-based index of its name among the funnel's names (0 for any other name). The
per-person conditions below read the packed values, so each row is decoded once.

Most entrants never get past step 0. Those who cannot are only counted (`step0_only`);
the others' events come back as a single row of flat arrays — the persons' hashes, how
many events each has, and all their events, each person's sorted by time (a result of
many small blocks costs far more to convert than to compute). When every column is a
UInt64 the row is read as RowBinary, straight into numpy views (ClickHouse writes it
for less than Arrow); with a breakdown or event ids, as Arrow. numpy unpacks it without
a step per person, and the engine receives each person as a code (its position in the
answer) with its events already in time order, so it neither groups nor sorts.

An entrant is counted as step-0-only when it surely reaches step 0 and no further:
- ordered and strict funnels whose step-0 name is not reused by a later step: no event
  named like step 1 at or after the entrant's first entry;
- unordered funnels with distinct step names: events of a single step name only;
- nobody otherwise (a breakdown, a reused name, a read of given persons).
An entrant with an event of an exclusion that starts at step 0 may have its attempts
disqualified, so it is never counted this way; otherwise such an entrant adds exactly one
person to step 0.

event_id, the tie-breaker between a person's events at the same timestamp, is optional:
moving the id strings costs more than the rest of the answer, and ties are rare; the
engine names the persons who have them, and the caller reads just those again with ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa

from api.analytics.filters import QueryParams, filters_sql, string_expr
from api.analytics.schemas import FunnelQuery
from api.store import TenantScope
from warehouse.semantics.funnels import FunnelSpec, funnel_event_names

DT64 = "DateTime64(3, 'UTC')"
BREAKDOWN_COLUMN = "breakdown"
_ARROW_SETTINGS = {"output_format_arrow_low_cardinality_as_dictionary": 1}
OTHER_EVENT = ""  # the event name given to events outside the funnel's names (strict)


@dataclass(frozen=True)
class FunnelEvents:
    """What the engine needs: the events of the entrants who may pass step 0, and how
    many entrants surely reach step 0 only (they are not in `events`)."""

    events: pa.Table  # person_id (int64 code, non-decreasing), event, timestamp (ms, UTC)[, ...]
    persons: np.ndarray  # the cityHash64(person_id) of each person code
    step0_only: int

    def hashes(self, codes: list[int]) -> list[int]:
        """The person hashes (as `fetch_funnel_events(persons=...)` takes them) of codes."""
        return self.persons[np.asarray(codes, dtype=np.int64)].tolist()


@dataclass(frozen=True)
class _Window:
    """The bounds of one read: entry days [start, end) and events up to `stop`."""

    start: datetime
    end: datetime
    stop: datetime  # the engine's inclusive limit: end + window

    @classmethod
    def of(cls, spec: FunnelSpec, date_from: date, date_to: date) -> _Window:
        start = datetime(date_from.year, date_from.month, date_from.day, tzinfo=UTC)
        end = datetime(date_to.year, date_to.month, date_to.day, tzinfo=UTC) + timedelta(days=1)
        return cls(start, end, end + timedelta(seconds=spec.window_seconds))

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp()) * 1000


def fetch_funnel_events(scope: TenantScope, spec: FunnelSpec, date_from: date, date_to: date,
                        query: FunnelQuery | None = None, *, event_ids: bool = False,
                        persons: list[int] | None = None) -> FunnelEvents:
    """The events of `spec` over entry days [date_from, date_to] for the engine, as
    person_id (a code: the person's index in `FunnelEvents.persons`), event, timestamp
    (+ event_id when `event_ids`, + breakdown when the query has one); only of `persons`
    (cityHash64 of person_id) when given."""
    params = QueryParams()
    read = _Read(spec, _Window.of(spec, date_from, date_to), sorted(funnel_event_names(spec)),
                 params)
    extras: dict[str, str] = {}
    if event_ids:
        extras["event_id"] = "event_id"
    if query is not None and query.breakdown is not None:
        extras[BREAKDOWN_COLUMN] = string_expr(query.breakdown, params)
    where = read.where()
    if query is not None:
        where += f" AND {filters_sql(query.filters, params)}"
    if persons is not None:
        where += f" AND cityHash64(person_id) IN {params.add(persons, 'Array(UInt64)')}"
    # Nobody is left out with a breakdown (each entrant's step-0 values are needed) or
    # when given persons are read again.
    may_pass = "1" if BREAKDOWN_COLUMN in extras or persons is not None else read.may_pass()
    sql = read.answer_sql(where, extras, may_pass)
    if extras:
        row = scope.arrow(sql, params.values, settings=_ARROW_SETTINGS)
        step0_only = int(row["step0_only"][0].as_py())
        persons_read, lengths = (row[name].combine_chunks().flatten().to_numpy()
                                 for name in ("persons", "lengths"))
        elements = row["elements"].combine_chunks().flatten()
        packed = elements.field(0).to_numpy(zero_copy_only=False)
        extra_columns = {name: elements.field(index).cast(pa.string())
                         for index, name in enumerate(extras, start=1)}
    else:  # only UInt64s: RowBinary is read without a copy, and costs ClickHouse less
        step0_only, (persons_read, lengths, packed) = uint64_row(
            scope.row_binary(sql, params.values), arrays=3)
        extra_columns = {}
    return FunnelEvents(events=read.unpack(lengths, packed, extra_columns),
                        persons=persons_read, step0_only=step0_only)


def uint64_row(data: bytes, arrays: int) -> tuple[int, list[np.ndarray]]:
    """One RowBinary row of a UInt64 followed by `arrays` Array(UInt64) columns, as the
    integer and numpy views of the arrays. Each array is written as its length (unsigned
    LEB128) and then its values, 8 bytes little-endian each.

    Raises ValueError when `data` is not exactly such a row.
    """
    if len(data) < 8:
        raise ValueError(f"a RowBinary row of UInt64s needs 8 bytes, got {len(data)}")
    first = int.from_bytes(data[:8], "little")
    position, views = 8, []
    for _ in range(arrays):
        length = shift = 0
        while True:
            if position >= len(data):
                raise ValueError("RowBinary row ends inside an array length")
            byte = data[position]
            position += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        if position + 8 * length > len(data):
            raise ValueError(f"RowBinary row ends inside an array of {length} UInt64s")
        views.append(np.frombuffer(data, dtype="<u8", count=length, offset=position))
        position += 8 * length
    if position != len(data):
        raise ValueError(f"RowBinary row has {len(data) - position} bytes past its columns")
    return first, views


class _Read:
    """The SQL pieces of one read and the unpacking of its answer."""

    def __init__(self, spec: FunnelSpec, window: _Window, names: list[str],
                 params: QueryParams) -> None:
        self.spec, self.window, self.names, self.params = spec, window, names, params
        self.shift = len(names).bit_length()  # bits of the name index (0 = another event)
        self.end = params.add(window.end, DT64)
        entry_names = spec.steps if spec.order == "unordered" else spec.steps[:1]
        self.entry = (f"(event IN {params.add(sorted(set(entry_names)), 'Array(String)')} "
                      f"AND timestamp < {self.end})")

    def where(self) -> str:
        """The tenant's events the engine reads, before filters."""
        spec, params = self.spec, self.params
        step0 = spec.steps[0]
        reused = step0 in spec.steps[1:] or any(e.event == step0 for e in spec.exclusions)
        if spec.order == "strict":
            wanted = "1"  # any other event between two steps breaks a strict funnel
        elif spec.order == "ordered" and not reused:
            # step-0 events past the entry days are neither entries, later steps nor
            # exclusions
            later = sorted(set(self.names) - {step0})
            wanted = (f"(event IN {params.add(later, 'Array(String)')} "
                      f"OR (event = {params.add(spec.steps[0], 'String')} "
                      f"AND timestamp < {self.end}))")
        else:
            wanted = f"event IN {params.add(self.names, 'Array(String)')}"
        return (f"tenant_id = {{tenant_id:String}} "
                f"AND timestamp >= {params.add(self.window.start, DT64)} "
                f"AND timestamp <= {params.add(self.window.stop, DT64)} AND {wanted}")

    def packed(self) -> str:
        """An event as one UInt64: ms since the range start << shift | name index."""
        params = self.params
        # transform() maps a LowCardinality column through its dictionary; indexOf() would
        # compare every row's string with the names (a quarter of the read's time).
        codes = list(range(1, len(self.names) + 1))
        return (f"bitOr(bitShiftLeft(toUInt64(toUnixTimestamp64Milli(timestamp) - "
                f"{params.add(self.window.start_ms, 'Int64')}), {self.shift}), "
                f"transform(event, {params.add(self.names, 'Array(String)')}, "
                f"{params.add(codes, 'Array(UInt8)')}, 0))")

    def answer_sql(self, where: str, extras: dict[str, str], may_pass: str) -> str:
        """The one-row answer: step0_only, persons (hashes), lengths (events per person)
        and elements (each person's events, sorted by time then name index, flattened;
        an element is the packed event, or a tuple of it and the `extras` columns)."""
        element = f"tuple(packed, {', '.join(extras)})" if extras else "packed"
        columns = "".join(f", {sql} AS {name}" for name, sql in extras.items())
        rows = (f"SELECT cityHash64(person_id) AS person, {self.packed()} AS packed, event, "
                f"timestamp{columns} FROM raw_events WHERE {where}")
        # first_entry: the packed first entry, never 0 (an entry's name index is >= 1).
        entrants = (f"SELECT person, groupArray({element}) AS events, "
                    f"minIf(packed, {self.entry}) AS first_entry, {may_pass} AS may_pass "
                    f"FROM ({rows}) GROUP BY person HAVING first_entry > 0")
        return ("SELECT countIf(NOT may_pass) AS step0_only, "
                "groupArrayIf(person, may_pass) AS persons, "
                "groupArrayIf(length(events), may_pass) AS lengths, "
                f"groupArrayArrayIf(arraySort(events), may_pass) AS elements FROM ({entrants})")

    def may_pass(self) -> str:
        """Per person, false only for an entrant who surely reaches step 0 and no further
        (and whom no exclusion can disqualify there); an aggregate over the rows of
        `answer_sql`, which name `packed` and `first_entry`."""
        steps, params = self.spec.steps, self.params
        if self.spec.order != "unordered" and steps[0] not in steps[1:]:
            step1 = params.add(steps[1], "String")
            # the last step-1 event is not before the first entry's millisecond (a step-1
            # event packs a name index >= 1, so none at all gives 0, never greater)
            entry_ms = f"bitShiftLeft(bitShiftRight(first_entry, {self.shift}), {self.shift})"
            further = f"maxIf(packed, event = {step1}) > {entry_ms}"
        elif self.spec.order == "unordered" and len(set(steps)) == len(steps):
            in_steps = f"event IN {params.add(sorted(steps), 'Array(String)')}"
            further = f"minIf(event, {in_steps}) != maxIf(event, {in_steps})"
        else:
            return "1"
        barred = sorted({e.event for e in self.spec.exclusions if e.from_step == 0})
        if not barred:
            return further
        return f"({further}) OR countIf(event IN {params.add(barred, 'Array(String)')}) > 0"

    def unpack(self, lengths: np.ndarray, packed: np.ndarray,
               extra_columns: dict[str, pa.Array]) -> pa.Table:
        """The engine's table from the answer's flat arrays: person codes non-decreasing,
        each person's events in time order (the engine then neither groups nor sorts)."""
        shift = self.shift
        codes = (packed & ((1 << shift) - 1)).astype(np.int32)
        millis = (packed >> shift).astype(np.int64) + self.window.start_ms
        dictionary = pa.array([OTHER_EVENT, *self.names], pa.string())
        persons = np.repeat(np.arange(lengths.size), lengths.astype(np.int64))
        return pa.table({
            "person_id": pa.array(persons, pa.int64()),
            "event": pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), dictionary),
            "timestamp": pa.array(millis, pa.timestamp("ms", tz="UTC")),
            **extra_columns,
        })
