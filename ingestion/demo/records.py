"""Connector records derived from a tenant-day's events, so every source agrees.

Revenue lines are the billing system's view of purchases (one order per purchase
event); GA4 daily snapshots are the web-analytics view (per utm source: sessions,
users, conversions, revenue) recomputed from the same events.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.demo.clock import day_start_ms
from ingestion.demo.events import UTM_SOURCES, constant_strings, constant_timestamps
from warehouse.raw_schemas import RAW_CONNECTOR_RECORDS, TIMESTAMP


def canonical_json(obj: dict[str, Any]) -> str:
    """Return `obj` as canonical JSON: sorted keys, no whitespace."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _records(
    tenant: str,
    connector: str,
    record_type: str,
    record_ids: list[str],
    occurred_ms: np.ndarray,
    amounts: list[float],
    payloads: list[str],
    ingested_at_ms: int,
) -> pa.Table:
    n = len(record_ids)
    return pa.Table.from_arrays(
        [
            constant_strings(tenant, n),
            constant_strings(connector, n),
            constant_strings(record_type, n),
            pa.array(record_ids, pa.string()),
            pa.array(occurred_ms, pa.int64()).cast(TIMESTAMP),
            pa.array(amounts, pa.float64()),
            constant_strings("USD", n),
            pa.array(payloads, pa.string()),
            constant_strings("demo", n),
            constant_timestamps(ingested_at_ms, n),
        ],
        schema=RAW_CONNECTOR_RECORDS,
    )


def revenue_lines(tenant: str, day: date, events: pa.Table, ingested_at_ms: int) -> pa.Table:
    """Return one "revenue"/"revenue_line" record per purchase in `events` (one tenant's
    day), numbered in event order: record_id = order id, amount = purchase revenue."""
    purchases = events.filter(pc.equal(events["event"], "purchase"))
    occurred = purchases["timestamp"].cast(pa.int64()).to_numpy()
    customers = purchases["person_id"].to_pylist()
    amounts = purchases["revenue"].to_pylist()
    plans = [dict(entries).get("plan", "") for entries in purchases["properties"].to_pylist()]
    ymd = day.strftime("%Y%m%d")
    order_ids = [f"{tenant}-o{ymd}-{n}" for n in range(purchases.num_rows)]
    payloads = [
        canonical_json(
            {
                "order_id": order,
                "customer_id": customer,
                "product": plan,
                "amount": amount,
                "currency": "USD",
            }
        )
        for order, customer, plan, amount in zip(order_ids, customers, plans, amounts, strict=True)
    ]
    return _records(
        tenant, "revenue", "revenue_line", order_ids, occurred, amounts, payloads, ingested_at_ms
    )


def ga4_snapshots(tenant: str, day: date, events: pa.Table, ingested_at_ms: int) -> pa.Table:
    """Return one "ga4"/"ga4_daily" record per utm source (zeros included) computed from
    `events` (one tenant's day): sessions and users are distinct counts, conversions are
    purchases and revenue their sum rounded to cents (also the record's amount)."""
    by_source = events.group_by("utm_source").aggregate(
        [("session_id", "count_distinct"), ("person_id", "count_distinct")]
    )
    purchases = events.filter(pc.equal(events["event"], "purchase"))
    sales = purchases.group_by("utm_source").aggregate([("revenue", "sum"), ("revenue", "count")])
    stats: dict[str, dict[str, Any]] = {
        source: {"sessions": 0, "users": 0, "conversions": 0, "revenue": 0.0}
        for source in UTM_SOURCES
    }
    for row in by_source.to_pylist():
        stats[row["utm_source"]].update(
            sessions=row["session_id_count_distinct"], users=row["person_id_count_distinct"]
        )
    for row in sales.to_pylist():
        stats[row["utm_source"]].update(
            conversions=row["revenue_count"], revenue=round(row["revenue_sum"] or 0.0, 2)
        )
    iso = day.isoformat()
    sources = list(stats)
    payloads = [canonical_json({"date": iso, "source": s, **stats[s]}) for s in sources]
    return _records(
        tenant,
        "ga4",
        "ga4_daily",
        [f"{iso}:{s}" for s in sources],
        np.full(len(sources), day_start_ms(day), dtype=np.int64),
        [stats[s]["revenue"] for s in sources],
        payloads,
        ingested_at_ms,
    )
