"""Row building shared by the connectors: the day window, JSON pages, quarantine rows, batches."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pyarrow as pa

from ingestion.brands import Brand, match_brands
from warehouse.raw_schemas import QUARANTINE, RAW_TABLES
from warehouse.settings import ConnectorSettings
from warehouse.source_batch import SourceBatch

MAX_RAW_BYTES = 64 * 1024


class NotConfiguredError(ValueError):
    """`fetch` was called for a connector whose settings are missing (see skip_reason)."""


def missing_settings(*pairs: tuple[str, str | None]) -> str | None:
    """A skip reason naming the unset variables of (variable, value) pairs, or None."""
    missing = [env for env, value in pairs if not value]
    if missing:
        return f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set"
    return None


def as_int(value: Any) -> int:
    """Return a count from an API field: ints and numeric strings, anything else is 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return 0
    return 0


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp ('Z' allowed); a missing offset means UTC.

    Raises ValueError when `text` is not a timestamp.
    """
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def day_window(day: date) -> tuple[datetime, datetime]:
    """Return the UTC window [day 00:00, day+1 00:00) of a partition day."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def to_ms(moment: datetime) -> datetime:
    """Drop sub-millisecond digits so the value is exactly what the ms column stores."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def resolve_now(now: datetime | None) -> datetime:
    """Return the ingestion time to stamp on rows: `now` or the current UTC time, in ms."""
    return to_ms(now if now is not None else datetime.now(UTC))


def in_window(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    """True when `moment` falls inside the half-open `window`."""
    return window[0] <= moment < window[1]


def truncate_raw(text: str) -> str:
    """Return `text` cut to at most 64 KiB of UTF-8 (never splitting a character)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_RAW_BYTES:
        return text
    return encoded[:MAX_RAW_BYTES].decode("utf-8", errors="ignore")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the form stored in payload/raw columns."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def json_object(response: httpx.Response) -> tuple[dict[str, Any] | None, str]:
    """Parse a response body as a JSON object; return (object, '') or (None, reason)."""
    try:
        value = response.json()
    except ValueError as exc:
        return None, f"response is not valid JSON ({exc})"
    if not isinstance(value, dict):
        return None, f"response is JSON {type(value).__name__}, expected an object"
    return value, ""


def mention_row(
    settings: ConnectorSettings,
    brands: tuple[Brand, ...],
    *,
    platform: str,
    post_id: str,
    parent_id: str | None,
    author_id: str,
    author_handle: str,
    author_followers: int,
    author_verified: bool,
    text: str,
    lang: str | None,
    url: str,
    created_at: datetime,
    likes: int,
    reposts: int,
    replies: int,
    impressions: int,
    source: str,
    ingested_at: datetime,
) -> dict[str, Any]:
    """Return one raw_social_mentions row; brands are matched here, the one place for it."""
    return {
        "tenant_id": settings.tenant_id,
        "platform": platform,
        "post_id": post_id,
        "parent_id": parent_id,
        "author_id": author_id,
        "author_handle": author_handle,
        "author_followers": max(author_followers, 0),
        "author_verified": author_verified,
        "text": text,
        "lang": lang or "und",
        "url": url,
        "created_at": to_ms(created_at),
        "likes": max(likes, 0),
        "reposts": max(reposts, 0),
        "replies": max(replies, 0),
        "impressions": max(impressions, 0),
        "matched_brands": match_brands(text, brands),
        "source": source,
        "ingested_at": ingested_at,
    }


@dataclass
class BatchBuilder:
    """Collects one connector run's rows and quarantined rows, then builds a SourceBatch."""

    settings: ConnectorSettings
    source: str
    target_table: str
    day: date
    now: datetime
    rows: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)

    def quarantine(self, url: str, page_number: int, raw: str, reason: str) -> None:
        """Record a rejected page or record; `page_number` is 1-based."""
        self.quarantined.append(
            {
                "tenant_id": self.settings.tenant_id,
                "source": self.source,
                "target_table": self.target_table,
                "partition_date": self.day,
                "file": url,
                "line_number": page_number,
                "raw": truncate_raw(raw),
                "reason": reason,
                "ingested_at": self.now,
            }
        )

    def page_json(
        self,
        response: httpx.Response,
        page_number: int,
        envelope_problem: Callable[[dict[str, Any]], str],
    ) -> dict[str, Any] | None:
        """Return the page's JSON object, or None after quarantining a malformed page.

        `envelope_problem(body)` returns '' for a good envelope, else what is wrong. The
        quarantine row keeps the response text and the request URL.
        """
        body, problem = json_object(response)
        if body is not None:
            problem = envelope_problem(body)
        if body is None or problem:
            self.quarantine(str(response.request.url), page_number, response.text, problem)
            return None
        return body

    def quarantine_record(self, url: str, page_number: int, record: Any, reason: str) -> None:
        """Quarantine one record of an otherwise good page (raw = the record's JSON)."""
        self.quarantine(url, page_number, canonical_json(record), reason)

    def build(self) -> SourceBatch:
        """Return the batch: the target table (possibly empty) plus the quarantine."""
        schema = RAW_TABLES[self.target_table][0]
        return SourceBatch(
            source=self.source,
            day=self.day,
            tables={self.target_table: pa.Table.from_pylist(self.rows, schema=schema)},
            quarantine=pa.Table.from_pylist(self.quarantined, schema=QUARANTINE),
        )
