"""Arrow schemas of the raw ClickHouse tables: the contract every source writes to.

Each source returns a `pyarrow.Table` with exactly one of these schemas (column order
included); `warehouse.partition_writer` inserts it unchanged. Keep these in step with
`warehouse/migrations/*.sql`: `tests/warehouse/test_migrations.py` compares them.
"""

from __future__ import annotations

import pyarrow as pa

TIMESTAMP = pa.timestamp("ms", tz="UTC")

RAW_SOCIAL_MENTIONS = pa.schema(
    [
        pa.field("tenant_id", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),  # x | reddit | linkedin
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("parent_id", pa.string()),  # repost / crosspost of this post id
        pa.field("author_id", pa.string(), nullable=False),
        pa.field("author_handle", pa.string(), nullable=False),
        pa.field("author_followers", pa.uint64(), nullable=False),
        pa.field("author_verified", pa.bool_(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("lang", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("created_at", TIMESTAMP, nullable=False),
        pa.field("likes", pa.uint64(), nullable=False),
        pa.field("reposts", pa.uint64(), nullable=False),
        pa.field("replies", pa.uint64(), nullable=False),
        pa.field("impressions", pa.uint64(), nullable=False),
        pa.field("matched_brands", pa.list_(pa.string()), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
    ]
)

RAW_EVENTS = pa.schema(
    [
        pa.field("tenant_id", pa.string(), nullable=False),
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("person_id", pa.string(), nullable=False),
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("timestamp", TIMESTAMP, nullable=False),
        pa.field("properties", pa.map_(pa.string(), pa.string()), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("referrer", pa.string(), nullable=False),
        pa.field("utm_source", pa.string(), nullable=False),
        pa.field("country", pa.string(), nullable=False),
        pa.field("device", pa.string(), nullable=False),
        pa.field("revenue", pa.float64()),  # only on purchases
        pa.field("source", pa.string(), nullable=False),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
    ]
)

RAW_CONNECTOR_RECORDS = pa.schema(
    [
        pa.field("tenant_id", pa.string(), nullable=False),
        pa.field("connector", pa.string(), nullable=False),  # revenue | ga4 | crm ...
        pa.field("record_type", pa.string(), nullable=False),  # revenue_line | ga4_daily ...
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("occurred_at", TIMESTAMP, nullable=False),
        pa.field("amount", pa.float64()),  # money carried by the record, if any
        pa.field("currency", pa.string(), nullable=False),  # ISO 4217 or ''
        pa.field("payload", pa.string(), nullable=False),  # canonical JSON (sorted keys)
        pa.field("source", pa.string(), nullable=False),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("tenant_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("target_table", pa.string(), nullable=False),
        pa.field("partition_date", pa.date32(), nullable=False),
        pa.field("file", pa.string(), nullable=False),  # '' when not from a file
        pa.field("line_number", pa.uint64(), nullable=False),  # 1-based; 0 = whole file
        pa.field("raw", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
    ]
)

# table name -> (schema, time column used for daily partitions)
RAW_TABLES: dict[str, tuple[pa.Schema, str]] = {
    "raw_social_mentions": (RAW_SOCIAL_MENTIONS, "created_at"),
    "raw_events": (RAW_EVENTS, "timestamp"),
    "raw_connector_records": (RAW_CONNECTOR_RECORDS, "occurred_at"),
    "quarantine": (QUARANTINE, "partition_date"),
}


def empty_table(schema: pa.Schema) -> pa.Table:
    """Return a zero-row table with `schema` (a source that found nothing returns this)."""
    return schema.empty_table()
