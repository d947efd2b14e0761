"""Read-only share links: a random token that opens one dashboard of one tenant, until it
expires or is revoked. Only sha256(token) is stored (as for API keys); the owner creates,
lists and revokes links. Synchronous (the routes run these in a worker thread).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from api.appdb import AppDatabase, Dashboard, ShareLink, as_utc, utcnow
from api.dashboards import store
from api.dashboards.spec import DashboardSpec
from api.errors import ApiProblem

TOKEN_PREFIX = "sh_"


@dataclass(frozen=True)
class SharedDashboard:
    """What a valid link opens: the dashboard's tenant, id, version and spec."""

    tenant_id: str
    dashboard_id: int
    version: int
    spec: DashboardSpec


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link_json(link: ShareLink) -> dict:
    return {"id": link.id, "dashboard_id": link.dashboard_id, "created_by": link.created_by,
            "created_at": link.created_at.isoformat(), "expires_at": link.expires_at.isoformat(),
            "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None}


def create_link(db: AppDatabase, caller: store.Caller, dashboard_id: int,
                expires_in: timedelta) -> dict:
    """A new link (the owner's right); the token is in the answer only this once."""
    store.get_for(db, caller, dashboard_id, "owner")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as session:
        link = ShareLink(token_hash=_hash(token), dashboard_id=dashboard_id,
                         tenant_id=caller.tenant_id, created_by=caller.user,
                         expires_at=utcnow() + expires_in)
        session.add(link)
        session.flush()
        return {**_link_json(link), "token": token, "url": f"/v1/shared/{token}"}


def list_links(db: AppDatabase, caller: store.Caller, dashboard_id: int) -> list[dict]:
    """The dashboard's links, newest first (never their tokens)."""
    store.get_for(db, caller, dashboard_id, "owner")
    with db.session() as session:
        rows = session.scalars(select(ShareLink).where(
            ShareLink.dashboard_id == dashboard_id).order_by(ShareLink.id.desc()))
        return [_link_json(row) for row in rows]


def revoke_link(db: AppDatabase, caller: store.Caller, dashboard_id: int, link_id: int) -> None:
    """Revoke a link at once (the owner's right)."""
    store.get_for(db, caller, dashboard_id, "owner")
    with db.session() as session:
        link = session.get(ShareLink, link_id)
        if link is None or link.dashboard_id != dashboard_id:
            raise ApiProblem(404, f"dashboard {dashboard_id} has no share link {link_id}")
        if link.revoked_at is None:
            link.revoked_at = utcnow()


def open_link(db: AppDatabase, token: str, now: datetime | None = None) -> SharedDashboard:
    """The dashboard a token opens; 404 for an unknown, expired or revoked token, or a
    deleted dashboard (one answer for all: a probe learns nothing)."""
    now = now or utcnow()
    gone = ApiProblem(404, "this share link is unknown, expired or revoked; ask the "
                      "dashboard's owner for a new one")
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise gone
    with db.session() as session:
        link = session.scalars(select(ShareLink).where(
            ShareLink.token_hash == _hash(token))).one_or_none()
        if link is None or link.revoked_at is not None or as_utc(link.expires_at) <= now:
            raise gone
        dashboard = session.get(Dashboard, link.dashboard_id)
        if dashboard is None or dashboard.deleted_at is not None \
                or dashboard.tenant_id != link.tenant_id:
            raise gone
        return SharedDashboard(link.tenant_id, dashboard.id, dashboard.version,
                               store.effective_spec(session, dashboard))
