"""Social monitors in the app database: create, list, read, replace, delete.

Every function takes the caller's tenant and filters on it, so another tenant's monitor
is indistinguishable from a missing one (`MonitorNotFound`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from api.appdb import AppDatabase, SocialMonitor
from api.social.schemas import MonitorIn


class MonitorNotFound(LookupError):
    """No monitor with that id for this tenant."""

    def __init__(self, monitor_id: int) -> None:
        super().__init__(f"no social monitor {monitor_id}")
        self.monitor_id = monitor_id


def _utc(value: datetime) -> datetime:
    # SQLite hands timestamps back naive; they were written in UTC
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_dict(row: SocialMonitor) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "company": row.company,
            "competitors": list(row.competitors or []), "platforms": list(row.platforms or []),
            "timeframe_hours": row.timeframe_hours, "created_at": _utc(row.created_at),
            "updated_at": _utc(row.updated_at)}


def _load(session, tenant_id: str, monitor_id: int) -> SocialMonitor:
    row = session.scalars(select(SocialMonitor).where(
        SocialMonitor.id == monitor_id, SocialMonitor.tenant_id == tenant_id)).one_or_none()
    if row is None:
        raise MonitorNotFound(monitor_id)
    return row


def create_monitor(db: AppDatabase, tenant_id: str, monitor: MonitorIn) -> dict[str, Any]:
    """Store a new monitor; return it with its id and timestamps."""
    row = SocialMonitor(tenant_id=tenant_id, **monitor.model_dump())
    with db.session() as session:
        session.add(row)
        session.flush()
        return _as_dict(row)


def list_monitors(db: AppDatabase, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's monitors, oldest first."""
    with db.session() as session:
        rows = session.scalars(select(SocialMonitor).where(
            SocialMonitor.tenant_id == tenant_id).order_by(SocialMonitor.id))
        return [_as_dict(row) for row in rows]


def get_monitor(db: AppDatabase, tenant_id: str, monitor_id: int) -> dict[str, Any]:
    """One monitor; raises MonitorNotFound."""
    with db.session() as session:
        return _as_dict(_load(session, tenant_id, monitor_id))


def replace_monitor(db: AppDatabase, tenant_id: str, monitor_id: int,
                    monitor: MonitorIn) -> dict[str, Any]:
    """Replace every field of a monitor (PUT); raises MonitorNotFound."""
    with db.session() as session:
        row = _load(session, tenant_id, monitor_id)
        for field, value in monitor.model_dump().items():
            setattr(row, field, value)
        session.flush()
        return _as_dict(row)


def delete_monitor(db: AppDatabase, tenant_id: str, monitor_id: int) -> None:
    """Delete a monitor; raises MonitorNotFound."""
    with db.session() as session:
        session.delete(_load(session, tenant_id, monitor_id))
