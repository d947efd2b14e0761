"""Saved custom metrics in the app database, per tenant (synchronous; routes run these in
a worker thread). Any key of the tenant reads them; saving needs only the read scope,
like dashboards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.appdb import AppDatabase, CustomMetric, utcnow
from api.custom_metrics.series import MetricDefinition
from api.errors import ApiProblem


def _json(row: CustomMetric) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description,
            "source": row.source, "formula": row.formula, "unit": row.unit,
            "event": row.event, "filters": row.filters, "created_by": row.created_by,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


def _row(session, tenant_id: str, metric_id: int) -> CustomMetric:
    row = session.get(CustomMetric, metric_id)
    if row is None or row.tenant_id != tenant_id:
        raise ApiProblem(404, f"no custom metric {metric_id} in this tenant; GET /v1/metrics "
                         "lists them")
    return row


def create_metric(db: AppDatabase, tenant_id: str, user: str,
                  metric: MetricDefinition) -> dict[str, Any]:
    """Save a new metric."""
    with db.session() as session:
        row = CustomMetric(tenant_id=tenant_id, created_by=user,
                           **metric.model_dump(mode="json"))
        session.add(row)
        session.flush()
        return _json(row)


def list_metrics(db: AppDatabase, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's metrics by name."""
    with db.session() as session:
        rows = session.scalars(select(CustomMetric).where(CustomMetric.tenant_id == tenant_id)
                               .order_by(CustomMetric.name, CustomMetric.id))
        return [_json(row) for row in rows]


def get_metric(db: AppDatabase, tenant_id: str, metric_id: int) -> dict[str, Any]:
    """One metric (404 when the tenant has none with this id)."""
    with db.session() as session:
        return _json(_row(session, tenant_id, metric_id))


def replace_metric(db: AppDatabase, tenant_id: str, metric_id: int,
                   metric: MetricDefinition) -> dict[str, Any]:
    """Replace a metric's definition."""
    with db.session() as session:
        row = _row(session, tenant_id, metric_id)
        for name, value in metric.model_dump(mode="json").items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.flush()
        return _json(row)


def delete_metric(db: AppDatabase, tenant_id: str, metric_id: int) -> None:
    """Delete a metric (widgets that show it then answer 404 for it)."""
    with db.session() as session:
        session.delete(_row(session, tenant_id, metric_id))
