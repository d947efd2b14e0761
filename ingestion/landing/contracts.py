"""Versioned schemas of the files each landing connector accepts.

A CSV file's header names its schema version (the column set must equal one
version's); a JSONL record may carry `schema_version`, otherwise the latest applies.
Each contract turns one validated record into one row of its raw table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ingestion import brands as brand_catalog
from ingestion.landing import fields as f
from simulations.models import ActionType
from warehouse.raw_schemas import RAW_CONNECTOR_RECORDS, RAW_EVENTS, RAW_SOCIAL_MENTIONS

Row = dict[str, object]
RowBuilder = Callable[[Mapping[str, object], str, str], Row]


@dataclass(frozen=True)
class Contract:
    """What one landing connector accepts and where its rows go."""

    connector: str
    target_table: str
    time_column: str
    id_column: str  # unique per file (and per day in the raw table)
    versions: dict[int, tuple[str, ...]]  # version -> columns (CSV header, as a set)
    required: tuple[str, ...]
    build: RowBuilder  # (record, tenant_id, source) -> raw row without ingested_at

    @property
    def latest(self) -> int:
        """The newest schema version."""
        return max(self.versions)

    @property
    def source(self) -> str:
        """Value of the raw tables' `source` column for this connector."""
        return f"landing:{self.connector}"

    def version_of_header(self, header: list[str]) -> int | None:
        """The version whose columns equal `header` (order free), else None."""
        for version, columns in self.versions.items():
            if set(header) == set(columns) and len(header) == len(columns):
                return version
        return None


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _revenue_line(record: Mapping[str, object], tenant: str, source: str) -> Row:
    amount = f.number(record, "amount")
    payload = {
        "order_id": f.text(record, "order_id", max_chars=200),
        "customer_id": f.text(record, "customer_id", max_chars=200),
        "product": f.text(record, "product", required=False, max_chars=200),
        "amount": amount,
        "currency": f.currency(record, "currency"),
    }
    return {
        "tenant_id": tenant, "connector": "revenue", "record_type": "revenue_line",
        "record_id": payload["order_id"], "occurred_at": f.timestamp(record, "occurred_at"),
        "amount": amount, "currency": payload["currency"],
        "payload": _canonical_json(payload), "source": source,
    }


_ACTION_TYPES = frozenset(a.value for a in ActionType)


def _competitor_move(record: Mapping[str, object], tenant: str, source: str) -> Row:
    trigger = f.text(record, "trigger", required=False, max_chars=64)
    if trigger and trigger not in _ACTION_TYPES:
        raise f.FieldError(f"field 'trigger' must be one of {sorted(_ACTION_TYPES)} or empty")
    payload = {
        "competitor": f.text(record, "competitor", max_chars=200),
        "action_type": f.choice(record, "action_type", _ACTION_TYPES),
        "trigger": trigger or None,
    }
    return {
        "tenant_id": tenant, "connector": "competitor_moves", "record_type": "competitor_move",
        "record_id": f.text(record, "move_id", max_chars=200),
        "occurred_at": f.timestamp(record, "occurred_at"), "amount": None, "currency": "",
        "payload": _canonical_json(payload), "source": source,
    }


def _mention(record: Mapping[str, object], tenant: str, source: str) -> Row:
    text = f.text(record, "text")
    tracked = brand_catalog.DEMO_TENANTS.get(tenant)
    return {
        "tenant_id": tenant,
        "platform": f.choice(record, "platform", frozenset({"x", "reddit", "linkedin"})),
        "post_id": f.text(record, "post_id", max_chars=200),
        "parent_id": f.text(record, "parent_id", required=False, max_chars=200) or None,
        "author_id": f.text(record, "author_id", max_chars=200),
        "author_handle": f.text(record, "author_handle", required=False, max_chars=200),
        "author_followers": f.count(record, "author_followers"),
        "author_verified": f.flag(record, "author_verified"),
        "text": text,
        "lang": f.text(record, "lang", required=False, max_chars=16) or "und",
        "url": f.text(record, "url", required=False, max_chars=2048),
        "created_at": f.timestamp(record, "created_at"),
        "likes": f.count(record, "likes"),
        "reposts": f.count(record, "reposts"),
        "replies": f.count(record, "replies"),
        "impressions": f.count(record, "impressions"),
        "matched_brands": brand_catalog.match_brands(text, tracked.brands) if tracked else [],
        "source": source,
    }


def _properties(record: Mapping[str, object]) -> list[tuple[str, str]]:
    raw = record.get("properties") or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise f.FieldError("field 'properties' is not a JSON object") from None
    if not isinstance(raw, dict):
        raise f.FieldError("field 'properties' is not a JSON object")
    return sorted((str(k), v if isinstance(v, str) else _canonical_json(v)) for k, v in raw.items())


def _event(record: Mapping[str, object], tenant: str, source: str) -> Row:
    event = f.text(record, "event", max_chars=200)
    return {
        "tenant_id": tenant,
        "event_id": f.text(record, "event_id", max_chars=200),
        "event": event,
        "person_id": f.text(record, "person_id", max_chars=200),
        "session_id": f.text(record, "session_id", required=False, max_chars=200),
        "timestamp": f.timestamp(record, "timestamp"),
        "properties": _properties(record),
        "url": f.text(record, "url", required=False, max_chars=2048),
        "referrer": f.text(record, "referrer", required=False, max_chars=2048),
        "utm_source": f.text(record, "utm_source", required=False, max_chars=200) or "direct",
        "country": f.text(record, "country", required=False, max_chars=8).upper(),
        "device": f.text(record, "device", required=False, max_chars=32).lower(),
        "revenue": f.number(record, "revenue", required=False),
        "source": source,
    }


_REVENUE_V1 = ("order_id", "customer_id", "occurred_at", "amount", "currency")
_COMPETITOR_MOVE_V1 = ("move_id", "occurred_at", "competitor", "action_type", "trigger")
_MENTION_V1 = ("platform", "post_id", "parent_id", "author_id", "author_handle",
               "author_followers", "author_verified", "text", "lang", "url", "created_at",
               "likes", "reposts", "replies", "impressions")
_EVENT_V1 = ("event_id", "event", "person_id", "session_id", "timestamp", "url", "referrer",
             "utm_source", "country", "device", "revenue", "properties")

CONTRACTS: dict[str, Contract] = {
    "revenue": Contract(
        "revenue", "raw_connector_records", "occurred_at", "record_id",
        {1: _REVENUE_V1, 2: (*_REVENUE_V1, "product")},
        ("order_id", "customer_id", "occurred_at", "amount", "currency"), _revenue_line),
    # Observed competitor moves (the wargame's response history, docs/wargaming.md).
    "competitor_moves": Contract(
        "competitor_moves", "raw_connector_records", "occurred_at", "record_id",
        {1: _COMPETITOR_MOVE_V1}, ("move_id", "occurred_at", "competitor", "action_type"),
        _competitor_move),
    "mentions": Contract(
        "mentions", "raw_social_mentions", "created_at", "post_id", {1: _MENTION_V1},
        ("platform", "post_id", "author_id", "text", "created_at"), _mention),
    "events": Contract(
        "events", "raw_events", "timestamp", "event_id", {1: _EVENT_V1},
        ("event_id", "event", "person_id", "timestamp"), _event),
}

SCHEMAS = {
    "raw_connector_records": RAW_CONNECTOR_RECORDS,
    "raw_social_mentions": RAW_SOCIAL_MENTIONS,
    "raw_events": RAW_EVENTS,
}


def now_utc() -> datetime:
    """Current time in UTC (one place, so tests can pin it)."""
    return datetime.now(UTC)
