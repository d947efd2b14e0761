"""Producing a dashboard export: its data through the runners, its provenance, one of the
renderers. Shared by the export route and scheduled reports."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import anyio

from api.context import ApiContext
from api.dashboards.data import dashboard_data
from api.dashboards.exports.csv_export import render_csv
from api.dashboards.exports.document import ExportDocument, build_document
from api.dashboards.exports.pdf_export import render_pdf
from api.dashboards.exports.pptx_export import render_pptx
from api.dashboards.exports.xlsx_export import render_xlsx
from api.dashboards.spec import DashboardFilters, DashboardSpec
from api.store import TenantScope

ExportFormat = Literal["pdf", "xlsx", "pptx", "csv"]
RENDERERS = {"pdf": render_pdf, "xlsx": render_xlsx, "pptx": render_pptx, "csv": render_csv}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv; charset=utf-8",
}
NEVER_PUBLISHED = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class Export:
    """A rendered export: its bytes and how to serve them."""

    content: bytes
    media_type: str
    filename: str
    etag: str
    dataset_versions: dict[str, int]


def data_as_of(scope: TenantScope, versions: dict[str, int]) -> str:
    """When the newest of these dataset versions was published (UTC, ISO 8601): the
    export's time, so the same versions give the same bytes."""
    pairs = [(d, v) for d, v in sorted(versions.items()) if v > 0]
    if not pairs:
        return NEVER_PUBLISHED
    params: dict = {}
    clauses = []
    for i, (dataset, version) in enumerate(pairs):
        params[f"d{i}"], params[f"v{i}"] = dataset, version
        clauses.append(f"(dataset = {{d{i}:String}} AND version = {{v{i}:UInt64}})")
    rows = scope.rows("SELECT max(materialized_at) AS at FROM dataset_versions "
                      f"WHERE tenant_id = {{tenant_id:String}} AND ({' OR '.join(clauses)})",
                      params)
    at = rows[0]["at"] if rows else None
    if not isinstance(at, datetime) or at.year < 1971:
        return NEVER_PUBLISHED
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "dashboard"


async def export_dashboard(context: ApiContext, tenant_id: str, dashboard_id: int,
                           version: int, spec: DashboardSpec, fmt: ExportFormat,
                           filters: DashboardFilters | None = None,
                           widgets: list[dict] | None = None) -> Export:
    """Render dashboard `dashboard_id` (its `spec` at `version`) as `fmt`; `widgets` is
    its data when the caller has it already."""
    if widgets is None:
        widgets = await dashboard_data(context, tenant_id, spec, filters)
    answer = {"id": dashboard_id, "name": spec.name, "version": version, "widgets": widgets}
    versions: dict[str, int] = {}
    for widget in widgets:
        versions.update(widget.get("meta", {}).get("dataset_versions", {}))
    scope = context.store.scope(tenant_id)
    as_of = await anyio.to_thread.run_sync(data_as_of, scope, versions)
    document: ExportDocument = build_document(tenant_id, answer, as_of)
    content = await anyio.to_thread.run_sync(RENDERERS[fmt], document)
    return Export(content, MEDIA_TYPES[fmt], f"{_slug(spec.name)}-v{version}.{fmt}",
                  f'"{hashlib.sha256(content).hexdigest()}"', document.dataset_versions)
