"""Status of every connector for one tenant: SaaS connectors (configured or skipped),
landing connectors (files waiting, processed, failed), last sync and quarantine counts
per source (from ClickHouse, through the tenant's scope)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from api.store import TenantScope
from ingestion.connectors.registry import CONNECTORS
from ingestion.landing.contracts import CONTRACTS
from warehouse.settings import Settings

RAW_TABLES = ("raw_events", "raw_social_mentions", "raw_connector_records")

# Table names come from the constant above, never from a request.
_LAST_SYNC_SQL = " UNION ALL ".join(
    f"SELECT source, max(ingested_at) AS last_ingested_at FROM {table} "
    "WHERE tenant_id = {tenant_id:String} GROUP BY source" for table in RAW_TABLES)
_QUARANTINE_SQL = ("SELECT source, reason, count() AS rows FROM quarantine "
                   "WHERE tenant_id = {tenant_id:String} GROUP BY source, reason "
                   "ORDER BY source, rows DESC, reason")
TOP_REASONS = 5


def _count_files(folder: Path) -> int:
    """Files intake would see in `folder` (dot files are writes in progress)."""
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def landing_files(landing_dir: Path, connector: str, tenant_id: str) -> dict[str, int]:
    """{waiting, processed, failed}: this tenant's files of one landing connector."""
    base = landing_dir / connector
    return {"waiting": _count_files(base / tenant_id),
            "processed": _count_files(base / "processed" / tenant_id),
            "failed": _count_files(base / "failed" / tenant_id)}


def source_activity(scope: TenantScope) -> dict[str, dict[str, Any]]:
    """{source: {last_sync, quarantined, quarantine_reasons}} for every source with rows
    of this tenant in the raw tables or in quarantine (the top reasons by rows)."""
    found: dict[str, dict[str, Any]] = {}
    for row in scope.rows(_LAST_SYNC_SQL):
        entry = found.setdefault(row["source"], idle_activity())
        if entry["last_sync"] is None or row["last_ingested_at"] > entry["last_sync"]:
            entry["last_sync"] = row["last_ingested_at"]
    for row in scope.rows(_QUARANTINE_SQL):
        entry = found.setdefault(row["source"], idle_activity())
        entry["quarantined"] += int(row["rows"])
        if len(entry["quarantine_reasons"]) < TOP_REASONS:
            entry["quarantine_reasons"].append({"reason": row["reason"], "rows": int(row["rows"])})
    return found


def idle_activity() -> dict[str, Any]:
    """The activity of a source with no rows and nothing quarantined."""
    return {"last_sync": None, "quarantined": 0, "quarantine_reasons": []}


def connectors_status(scope: TenantScope, settings: Settings,
                      webhook_connectors: Collection[str]) -> dict[str, Any]:
    """The status document of `GET /v1/connectors` for the scope's tenant.

    `webhook_connectors` are the landing connectors with a webhook secret for the tenant.
    """
    tenant = scope.tenant_id
    activity = source_activity(scope)
    idle = idle_activity()
    saas = []
    for connector in CONNECTORS:
        reason = connector.skip_reason(settings.connectors)
        if reason is None and settings.connectors.tenant_id != tenant:
            reason = "configured for another tenant (SIGHTLINE_CONNECTOR_TENANT)"
        saas.append({"name": connector.name, "source": connector.source,
                     "target_table": connector.target_table,
                     "status": "configured" if reason is None else "skipped",
                     "reason": reason, **activity.get(connector.source, idle)})
    landing = []
    for contract in CONTRACTS.values():
        landing.append({"name": contract.connector, "source": contract.source,
                        "target_table": contract.target_table,
                        "schema_versions": {str(v): list(c)
                                            for v, c in contract.versions.items()},
                        "files": landing_files(settings.landing_dir, contract.connector, tenant),
                        "webhook_secret": contract.connector in webhook_connectors,
                        **activity.get(contract.source, idle)})
    sources = [{"source": source, **entry} for source, entry in sorted(activity.items())]
    return {"saas": saas, "landing": landing, "sources": sources}
