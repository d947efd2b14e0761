"""Hand-made raw_events rows as an Arrow table of the landing schema (for tests that
write through the partition writer)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from warehouse.raw_schemas import RAW_EVENTS

INGESTED_AT = datetime(2026, 3, 1, tzinfo=UTC)
# The raw_events columns the storytelling tests' hand-made rows fill, in their order.
STORY_EVENT_COLUMNS = ["tenant_id", "event_id", "event", "person_id", "session_id",
                       "timestamp", "utm_source", "country", "device", "revenue", "source",
                       "ingested_at"]
# The mart_growth_pulse_insights columns those tests' hand-made pulse rows fill.
STORY_PULSE_COLUMNS = ["tenant_id", "pulse_date", "insight_id", "metric", "rule", "direction",
                       "severity", "severity_rank", "value", "previous_value", "change",
                       "text"]


def raw_events_table(tenant: str, source: str, rows: list[tuple]) -> pa.Table:
    """One event per (person, event, UTC timestamp[, {column: value}]); event ids are
    `<source>-<index>`; the optional dict sets hot columns (url, country, device…)."""
    return pa.Table.from_pylist(
        [{"tenant_id": tenant, "event_id": f"{source}-{i}", "event": row[1],
          "person_id": row[0], "session_id": "s", "timestamp": row[2], "properties": [],
          "url": "", "referrer": "", "utm_source": "", "country": "", "device": "",
          "revenue": None, "source": source, "ingested_at": INGESTED_AT,
          **(row[3] if len(row) > 3 else {})}
         for i, row in enumerate(rows)],
        schema=RAW_EVENTS)
