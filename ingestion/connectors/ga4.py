"""Google Analytics 4 Data API `runReport` -> raw_connector_records (`ga4_daily`).

One report per day: dimensions `date` and `sessionSource`; metrics `sessions`,
`totalUsers`, `keyEvents` and `totalRevenue`. Google renamed "conversions" to "key
events" in 2024 and deprecated the `conversions` metric, so `keyEvents` is requested;
it is stored under the payload key "conversions". Pages use limit/offset until `rowCount`
rows were read.

GA4 reports a day in the property's time zone, not UTC; the record's `occurred_at` is
that date at 00:00 UTC. `totalRevenue` is in the property currency, which the response
names in `metadata.currencyCode`; when absent the property is assumed to report USD.
"""

from __future__ import annotations

import logging
import math
import random
import time
from datetime import UTC, date, datetime
from typing import Any

import httpx

from ingestion.brands import Brand
from ingestion.connectors._rows import (
    BatchBuilder,
    NotConfiguredError,
    canonical_json,
    missing_settings,
    resolve_now,
)
from ingestion.http_policy import ClientFactory, Clock, HttpPolicy, Sleep, paginate
from warehouse.settings import ConnectorSettings
from warehouse.source_batch import SourceBatch

logger = logging.getLogger(__name__)

NAME = "ga4"
SOURCE = "ga4_api"
TARGET_TABLE = "raw_connector_records"
RECORD_TYPE = "ga4_daily"
DEFAULT_CURRENCY = "USD"
PAGE_SIZE = 10_000
DIMENSIONS = ("date", "sessionSource")
# request name -> payload key
METRICS = {
    "sessions": "sessions",
    "totalUsers": "users",
    "keyEvents": "conversions",
    "totalRevenue": "revenue",
}
CREDENTIALS_HINT = (
    "check SIGHTLINE_GA4_ACCESS_TOKEN (an OAuth token with the analytics.readonly scope "
    "and Viewer access to SIGHTLINE_GA4_PROPERTY_ID)"
)


def skip_reason(settings: ConnectorSettings) -> str | None:
    """Return why the GA4 connector cannot run, or None when it is configured."""
    missing = missing_settings(
        ("SIGHTLINE_GA4_ACCESS_TOKEN", settings.ga4_access_token),
        ("SIGHTLINE_GA4_PROPERTY_ID", settings.ga4_property_id),
    )
    if missing:
        return missing
    if not _property_id(settings).isdigit():
        return (
            f"SIGHTLINE_GA4_PROPERTY_ID={settings.ga4_property_id!r} is not a numeric "
            "GA4 property id"
        )
    return None


def _property_id(settings: ConnectorSettings) -> str:
    # The admin UI and API show either "123" or "properties/123"; accept both.
    return (settings.ga4_property_id or "").strip().removeprefix("properties/")


def fetch(
    settings: ConnectorSettings,
    brands: tuple[Brand, ...],
    day: date,
    *,
    client_factory: ClientFactory = httpx.Client,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
    clock: Clock = time.time,
    now: datetime | None = None,
) -> SourceBatch:
    """Fetch the GA4 daily traffic report of `day`, one record per session source.

    `brands` is unused (the signature is shared by every connector). Returns a
    SourceBatch with `raw_connector_records` rows and quarantined pages/rows. Raises
    NotConfiguredError when settings are missing and ConnectorError when the API fails for
    good (nothing partial is returned then).
    """
    reason = skip_reason(settings)
    if reason:
        raise NotConfiguredError(f"{NAME}: {reason}")
    builder = BatchBuilder(settings, SOURCE, TARGET_TABLE, day, resolve_now(now))
    base = settings.ga4_base_url.rstrip("/")
    url = f"{base}/v1beta/properties/{_property_id(settings)}:runReport"
    headers = {"Authorization": f"Bearer {settings.ga4_access_token}"}
    request = {
        "dateRanges": [{"startDate": day.isoformat(), "endDate": day.isoformat()}],
        "dimensions": [{"name": name} for name in DIMENSIONS],
        "metrics": [{"name": name} for name in METRICS],
        "limit": PAGE_SIZE,
    }

    with HttpPolicy(
        NAME,
        settings,
        credentials_hint=CREDENTIALS_HINT,
        client_factory=client_factory,
        sleep=sleep,
        rng=rng,
        clock=clock,
    ) as http:

        def fetch_page(offset: int, page_number: int) -> tuple[list[dict[str, Any]], int | None]:
            response = http.request(
                "POST", url, json={**request, "offset": offset}, headers=headers
            )
            body = builder.page_json(response, page_number, _envelope_problem)
            if body is None:
                return [], None
            rows = _page_rows(body, settings, day, builder, url, page_number)
            received = len(body.get("rows", []))
            row_count = body.get("rowCount", 0)
            next_offset = offset + received
            return rows, next_offset if received and next_offset < row_count else None

        for rows in paginate(fetch_page, 0, max_pages=settings.max_pages, what=f"{NAME} {day}"):
            builder.rows.extend(rows)
    return builder.build()


def _header_names(body: dict[str, Any], key: str) -> list[str] | None:
    headers = body.get(key)
    if not isinstance(headers, list):
        return None
    names = [h.get("name") for h in headers if isinstance(h, dict)]
    return names if len(names) == len(headers) else None


def _envelope_problem(body: dict[str, Any]) -> str:
    if not isinstance(body.get("rows", []), list):
        return "'rows' is not a list"
    row_count = body.get("rowCount", 0)
    if not isinstance(row_count, int) or isinstance(row_count, bool):
        return "'rowCount' is not an integer"
    if not body.get("rows"):
        return ""  # an empty report may omit the headers
    dimensions = _header_names(body, "dimensionHeaders")
    metrics = _header_names(body, "metricHeaders")
    if dimensions is None or metrics is None:
        return "report has rows but no dimensionHeaders/metricHeaders"
    absent = [n for n in (*DIMENSIONS, *METRICS) if n not in dimensions and n not in metrics]
    return f"report lacks the requested columns {', '.join(absent)}" if absent else ""


def _page_rows(
    body: dict[str, Any],
    settings: ConnectorSettings,
    day: date,
    builder: BatchBuilder,
    url: str,
    page_number: int,
) -> list[dict[str, Any]]:
    dimensions = _header_names(body, "dimensionHeaders") or []
    metrics = _header_names(body, "metricHeaders") or []
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    currency = metadata.get("currencyCode") or DEFAULT_CURRENCY
    rows = []
    for index, row in enumerate(body.get("rows", []), start=1):
        payload, problem = _payload(row, dimensions, metrics, day)
        if problem:
            builder.quarantine_record(
                url, page_number, row, f"row {index} on page {page_number}: {problem}"
            )
            continue
        rows.append(
            {
                "tenant_id": settings.tenant_id,
                "connector": NAME,
                "record_type": RECORD_TYPE,
                "record_id": f"{payload['date']}:{payload['source']}",
                "occurred_at": datetime(day.year, day.month, day.day, tzinfo=UTC),
                "amount": payload["revenue"],
                "currency": currency,
                "payload": canonical_json(payload),
                "source": SOURCE,
                "ingested_at": builder.now,
            }
        )
    return rows


def _values(row: dict[str, Any], key: str, names: list[str]) -> dict[str, Any] | None:
    values = row.get(key)
    if not isinstance(values, list) or len(values) != len(names):
        return None
    out = {}
    for name, value in zip(names, values, strict=True):
        if not isinstance(value, dict) or not isinstance(value.get("value"), str):
            return None
        out[name] = value["value"]
    return out


def _payload(
    row: Any, dimensions: list[str], metrics: list[str], day: date
) -> tuple[dict[str, Any], str]:
    if not isinstance(row, dict):
        return {}, "not an object"
    dims = _values(row, "dimensionValues", dimensions)
    values = _values(row, "metricValues", metrics)
    if dims is None or values is None:
        return {}, "dimensionValues/metricValues do not match the headers"
    try:
        row_day = datetime.strptime(dims["date"], "%Y%m%d").date()
    except ValueError:
        return {}, f"date {dims['date']!r} is not YYYYMMDD"
    if row_day != day:
        return {}, f"date {row_day} is outside the requested day {day}"
    numbers = {}
    for name, key in METRICS.items():
        try:
            number = float(values[name])
        except ValueError:
            return {}, f"{name} {values[name]!r} is not a number"
        if not math.isfinite(number):
            return {}, f"{name} {values[name]!r} is not finite"
        numbers[key] = number
    return {
        "date": row_day.isoformat(),
        "source": dims["sessionSource"],
        "sessions": round(numbers["sessions"]),
        "users": round(numbers["users"]),
        "conversions": round(numbers["conversions"]),
        "revenue": numbers["revenue"],
    }, ""
