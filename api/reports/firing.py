"""Firing one schedule for one due time: re-check the owner's access, skip when no dataset
version moved since the last delivery, render the export, deliver it, log the delivery
and set the next run. Idempotent per (schedule, due time): a retried run finds the
logged delivery and sends nothing again.

The owner's access is checked as it is when the report runs, never as it was when it
was scheduled: a revoked key, or a user who can no longer open the dashboard, gets the
firing logged as `denied` and nothing delivered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio
from sqlalchemy import select

from api.appdb import ApiKey, ReportDelivery, ReportSchedule, as_utc
from api.context import ApiContext
from api.dashboards import store
from api.dashboards.data import dashboard_data
from api.dashboards.exporting import export_dashboard
from api.errors import ApiProblem
from api.reports.delivery import DeliveryError, post_webhook, send_email, write_outbox
from api.reports.schedules import recurrence


def _load(context: ApiContext, schedule_id: int, due: datetime):
    with context.db.session() as session:
        schedule = session.get(ReportSchedule, schedule_id)
        logged = session.scalars(select(ReportDelivery).where(
            ReportDelivery.schedule_id == schedule_id,
            ReportDelivery.scheduled_for == due)).one_or_none()
        key = session.get(ApiKey, schedule.owner_key_id) if schedule else None
        return schedule, logged, key


def _owner_view(context: ApiContext, schedule: ReportSchedule, key: ApiKey | None):
    """The dashboard as the owner may see it now, or the reason they may not."""
    if key is None or key.revoked_at is not None:
        return None, "the owner's API key is revoked"
    caller = store.Caller(schedule.tenant_id, schedule.owner, "admin" in key.scopes.split())
    try:
        return store.get(context.db, caller, schedule.dashboard_id), ""
    except ApiProblem:
        return None, "the owner can no longer open the dashboard"


def _record(context: ApiContext, schedule: ReportSchedule, due: datetime, now: datetime,
            status: str, reason: str, versions: dict[str, int], size: int = 0,
            etag: str = "") -> dict[str, Any]:
    with context.db.session() as session:
        row = ReportDelivery(schedule_id=schedule.id, tenant_id=schedule.tenant_id,
                             dashboard_id=schedule.dashboard_id, scheduled_for=due,
                             status=status, reason=reason, channel=schedule.channel,
                             target=schedule.target, format=schedule.format, bytes=size,
                             etag=etag, dataset_versions=versions)
        session.add(row)
        current = session.get(ReportSchedule, schedule.id)
        if current is not None:
            current.next_run_at = recurrence(current).next_after(max(due, now))
            if status == "delivered":
                current.last_versions = versions
        return {"schedule_id": schedule.id, "scheduled_for": due.isoformat(),
                "status": status, "reason": reason, "bytes": size, "etag": etag}


async def fire(context: ApiContext, schedule_id: int, due: datetime,
               now: datetime | None = None) -> dict[str, Any] | None:
    """Deliver schedule `schedule_id`'s report due at `due`; the logged delivery (None
    when the schedule no longer exists)."""
    now = now or datetime.now(UTC)
    due = as_utc(due)
    schedule, logged, key = await anyio.to_thread.run_sync(_load, context, schedule_id, due)
    if schedule is None:
        return None
    if logged is not None:
        return {"schedule_id": schedule_id, "scheduled_for": due.isoformat(),
                "status": logged.status, "reason": logged.reason, "bytes": logged.bytes,
                "etag": logged.etag}
    view, denied = await anyio.to_thread.run_sync(_owner_view, context, schedule, key)
    if view is None:
        return await anyio.to_thread.run_sync(_record, context, schedule, due, now, "denied",
                                              denied, {})
    widgets = await dashboard_data(context, schedule.tenant_id, view.spec)
    versions: dict[str, int] = {}
    for widget in widgets:
        versions.update(widget.get("meta", {}).get("dataset_versions", {}))
    versions = dict(sorted(versions.items()))
    if schedule.last_versions is not None and versions == schedule.last_versions:
        return await anyio.to_thread.run_sync(
            _record, context, schedule, due, now, "skipped",
            "no change: no dataset version moved since the last delivery", versions)
    export = await export_dashboard(context, schedule.tenant_id, view.id, view.version,
                                    view.spec, schedule.format, widgets=widgets)
    settings = context.settings.reports
    delivery_id = f"report-{schedule.id}-{due.strftime('%Y%m%dT%H%M%SZ')}"
    subject = f"{view.spec.name} — {due.date().isoformat()}"
    try:
        if schedule.channel == "email":
            body = (f"{view.spec.name} (version {view.version}), scheduled for "
                    f"{due.isoformat()}. Attached: {export.filename}.")
            await anyio.to_thread.run_sync(send_email, settings, schedule.target, subject,
                                           body, export)
        elif schedule.channel == "webhook":
            await anyio.to_thread.run_sync(post_webhook, settings, schedule.target,
                                           delivery_id, export)
        else:
            await anyio.to_thread.run_sync(write_outbox, settings, schedule.tenant_id,
                                           schedule.target, delivery_id, export)
    except DeliveryError as exc:
        return await anyio.to_thread.run_sync(_record, context, schedule, due, now, "failed",
                                              str(exc), versions, len(export.content),
                                              export.etag)
    return await anyio.to_thread.run_sync(_record, context, schedule, due, now, "delivered",
                                          "", versions, len(export.content), export.etag)
