"""Report schedules in the app database: create, list, delete, and which are due
(synchronous; the routes run these in a worker thread, the Dagster sensor calls them)."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select

from api.appdb import AppDatabase, ReportDelivery, ReportSchedule, as_utc
from api.dashboards import store
from api.dashboards.exporting import ExportFormat
from api.errors import ApiProblem
from api.reports.cadence import Cadence, Recurrence

Channel = Literal["email", "webhook", "outbox"]
_EMAIL = re.compile(r"^[^@\s<>,;]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]{0,480}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ScheduleIn(BaseModel):
    """A new schedule: when (local time in an IANA zone), what format, and where to."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"cadence": "weekly", "time": "08:00", "timezone": "Europe/Berlin", "weekday": 0,
         "format": "pdf", "channel": "email", "target": "cmo@example.com"}]})

    cadence: Cadence
    time: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, local")
    timezone: str = Field(max_length=64, description="IANA zone, e.g. America/New_York")
    weekday: int = Field(0, ge=0, le=6, description="Weekly: 0 = Monday … 6 = Sunday")
    day_of_month: int = Field(1, ge=1, le=31, description="Monthly: 29–31 fire on the last "
                              "day of shorter months")
    format: ExportFormat = "pdf"
    channel: Channel
    target: str = Field(max_length=500, description="An email address, an http(s) URL, or "
                        "an outbox folder name")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                             "Europe/Berlin") from None
        return value

    @model_validator(mode="after")
    def _target_fits_channel(self) -> ScheduleIn:
        pattern = {"email": _EMAIL, "webhook": _URL, "outbox": _NAME}[self.channel]
        if not pattern.fullmatch(self.target):
            what = {"email": "an email address", "webhook": "an http(s) URL",
                    "outbox": "a folder name (a-z, 0-9, _ and -)"}[self.channel]
            raise ValueError(f"target must be {what} for the {self.channel} channel")
        return self


def recurrence(row: ReportSchedule) -> Recurrence:
    """The schedule's rule."""
    hour, minute = (int(part) for part in row.at_time.split(":"))
    return Recurrence(row.cadence, time(hour, minute), row.timezone,  # type: ignore[arg-type]
                      row.weekday, row.day_of_month)


def schedule_json(row: ReportSchedule) -> dict[str, Any]:
    """The API's representation of a schedule."""
    return {"id": row.id, "dashboard_id": row.dashboard_id, "owner": row.owner,
            "cadence": row.cadence, "time": row.at_time, "timezone": row.timezone,
            "weekday": row.weekday, "day_of_month": row.day_of_month, "format": row.format,
            "channel": row.channel, "target": row.target,
            "next_run_at": as_utc(row.next_run_at).isoformat()}


def create_schedule(db: AppDatabase, caller: store.Caller, key_id: int, dashboard_id: int,
                    body: ScheduleIn, now: datetime, email_enabled: bool) -> dict[str, Any]:
    """Schedule the dashboard for the caller (who must be able to read it)."""
    store.get(db, caller, dashboard_id)
    if body.channel == "email" and not email_enabled:
        raise ApiProblem(422, "email reports are not configured on this server: set "
                         "SIGHTLINE_SMTP_URL, or use the webhook or outbox channel",
                         field="channel")
    with db.session() as session:
        row = ReportSchedule(tenant_id=caller.tenant_id, dashboard_id=dashboard_id,
                             owner=caller.user, owner_key_id=key_id, cadence=body.cadence,
                             at_time=body.time, timezone=body.timezone, weekday=body.weekday,
                             day_of_month=body.day_of_month, format=body.format,
                             channel=body.channel, target=body.target, next_run_at=now)
        row.next_run_at = recurrence(row).next_after(now)
        session.add(row)
        session.flush()
        return schedule_json(row)


def list_schedules(db: AppDatabase, caller: store.Caller,
                   dashboard_id: int) -> list[dict[str, Any]]:
    """The dashboard's schedules (any reader of the dashboard sees them)."""
    store.get(db, caller, dashboard_id)
    with db.session() as session:
        rows = session.scalars(select(ReportSchedule).where(
            ReportSchedule.tenant_id == caller.tenant_id,
            ReportSchedule.dashboard_id == dashboard_id).order_by(ReportSchedule.id))
        return [schedule_json(row) for row in rows]


def delete_schedule(db: AppDatabase, caller: store.Caller, dashboard_id: int,
                    schedule_id: int) -> None:
    """Delete a schedule: its owner's or the dashboard owner's right."""
    view = store.get(db, caller, dashboard_id)
    with db.session() as session:
        row = session.get(ReportSchedule, schedule_id)
        if row is None or row.dashboard_id != dashboard_id or row.tenant_id != caller.tenant_id:
            raise ApiProblem(404, f"dashboard {dashboard_id} has no schedule {schedule_id}")
        if row.owner != caller.user and view.role != "owner":
            raise ApiProblem(403, "only the schedule's owner or the dashboard's owner may "
                             "delete it")
        session.delete(row)


def due_schedules(db: AppDatabase, now: datetime) -> list[tuple[int, datetime]]:
    """(schedule id, the firing it owes) of every schedule due at `now`, all tenants."""
    with db.session() as session:
        rows = session.execute(select(ReportSchedule.id, ReportSchedule.next_run_at).where(
            ReportSchedule.next_run_at <= now).order_by(ReportSchedule.next_run_at))
        return [(schedule_id, as_utc(at)) for schedule_id, at in rows]


def list_deliveries(db: AppDatabase, caller: store.Caller,
                    limit: int = 100) -> list[dict[str, Any]]:
    """The tenant's latest deliveries, of the dashboards the caller may read."""
    readable = {view.id for view in store.list_visible(db, caller)}
    with db.session() as session:
        rows = session.scalars(select(ReportDelivery).where(
            ReportDelivery.tenant_id == caller.tenant_id)
            .order_by(ReportDelivery.id.desc()).limit(limit * 4))
        return [{"id": r.id, "schedule_id": r.schedule_id, "dashboard_id": r.dashboard_id,
                 "scheduled_for": as_utc(r.scheduled_for).isoformat(), "status": r.status,
                 "reason": r.reason, "channel": r.channel, "target": r.target,
                 "format": r.format, "bytes": r.bytes, "etag": r.etag,
                 "dataset_versions": r.dataset_versions,
                 "created_at": as_utc(r.created_at).isoformat()}
                for r in rows if r.dashboard_id in readable][:limit]
