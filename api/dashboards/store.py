"""Dashboards in the app database: save, version, restore, fork, grant, and who may do what.

Every save writes a full snapshot (`dashboard_versions`) and bumps the dashboard's
version; restoring an old version saves it again as a new one. Rights, from most to
least: the owner (and an admin key of the tenant) may do everything, including grants,
visibility and deletion; an editor may save; a viewer may read. A dashboard whose
visibility is `tenant` or `template` is readable by every key of its tenant. A caller
without any right gets 404, as for a dashboard that does not exist: ids of others'
private dashboards reveal nothing.

A fork remembers its parent. While it follows the parent, its widgets are the parent's
current widgets (its name, filters and variables stay its own); detaching copies the
parent's widgets into the fork as a new version. Functions here are synchronous (the
routes run them in a worker thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.appdb import AppDatabase, Dashboard, DashboardGrant, DashboardVersion, utcnow
from api.dashboards.spec import DashboardSpec, Role, Visibility
from api.errors import ApiProblem
from api.keys import Principal

RANK = {"viewer": 1, "editor": 2, "owner": 3}


@dataclass(frozen=True)
class Caller:
    """Who asks: the tenant, the acting user and whether the key is the tenant's admin."""

    tenant_id: str
    user: str
    admin: bool = False

    @classmethod
    def of(cls, principal: Principal) -> Caller:
        """The caller an API key (or a web session acting as one) is."""
        return cls(principal.tenant_id, principal.actor, principal.allows("admin"))


@dataclass(frozen=True)
class DashboardView:
    """A dashboard as its caller may see it."""

    id: int
    owner: str
    visibility: str
    version: int
    parent_id: int | None
    follows_parent: bool
    grants: dict[str, str]
    role: str  # the caller's: owner, editor or viewer
    spec: DashboardSpec  # effective: a following fork shows its parent's widgets
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The API's representation."""
        return {"id": self.id, "owner": self.owner, "visibility": self.visibility,
                "version": self.version, "parent_id": self.parent_id,
                "follows_parent": self.follows_parent, "grants": self.grants,
                "role": self.role, **self.spec.model_dump(mode="json"),
                "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat()}


def _not_found(dashboard_id: int) -> ApiProblem:
    return ApiProblem(404, f"no dashboard {dashboard_id} visible to this key; GET /v1/dashboards "
                      "lists the ones it can open")


def _grants(session: Session, dashboard_id: int) -> dict[str, str]:
    rows = session.scalars(select(DashboardGrant).where(
        DashboardGrant.dashboard_id == dashboard_id).order_by(DashboardGrant.user))
    return {row.user: row.role for row in rows}


def _role(row: Dashboard, grants: dict[str, str], caller: Caller) -> str | None:
    if caller.admin or row.owner == caller.user:
        return "owner"
    if caller.user in grants:
        return grants[caller.user]
    return "viewer" if row.visibility in ("tenant", "template") else None


def _load(session: Session, caller: Caller, dashboard_id: int,
          needs: str = "viewer") -> tuple[Dashboard, dict[str, str], str]:
    row = session.get(Dashboard, dashboard_id)
    if row is None or row.tenant_id != caller.tenant_id or row.deleted_at is not None:
        raise _not_found(dashboard_id)
    grants = _grants(session, row.id)
    role = _role(row, grants, caller)
    if role is None:
        raise _not_found(dashboard_id)
    if RANK[role] < RANK[needs]:
        raise ApiProblem(403, f"this key's user ({caller.user}) is {role} of dashboard "
                         f"{dashboard_id}; {needs} rights are needed")
    return row, grants, role


def effective_spec(session: Session, row: Dashboard) -> DashboardSpec:
    """The spec a dashboard shows: a following fork's widgets are its parent's."""
    spec = DashboardSpec.model_validate(row.spec)
    if row.follows_parent and row.parent_id is not None:
        parent = session.get(Dashboard, row.parent_id)
        if parent is not None and parent.deleted_at is None:
            widgets = DashboardSpec.model_validate(effective_spec(session, parent)).widgets
            spec = spec.model_copy(update={"widgets": widgets})
    return spec


def shown_spec(db: AppDatabase, tenant_id: str, dashboard_id: int) -> DashboardSpec | None:
    """What dashboard `dashboard_id` of `tenant_id` shows now (None when it is gone); for
    the server's own work (warming), not a caller's request."""
    with db.session() as session:
        row = session.get(Dashboard, dashboard_id)
        if row is None or row.tenant_id != tenant_id or row.deleted_at is not None:
            return None
        return effective_spec(session, row)


def _view(session: Session, row: Dashboard, grants: dict[str, str], role: str) -> DashboardView:
    return DashboardView(row.id, row.owner, row.visibility, row.version, row.parent_id,
                         row.follows_parent, grants, role, effective_spec(session, row),
                         row.created_at, row.updated_at)


def _snapshot(session: Session, row: Dashboard, author: str, note: str) -> None:
    session.add(DashboardVersion(dashboard_id=row.id, version=row.version, spec=row.spec,
                                 author=author, note=note))


def create(db: AppDatabase, caller: Caller, spec: DashboardSpec,
           visibility: Visibility = "private", parent_id: int | None = None,
           follows_parent: bool = False, note: str = "created") -> DashboardView:
    """Save a new dashboard (version 1) owned by the caller."""
    with db.session() as session:
        row = Dashboard(tenant_id=caller.tenant_id, owner=caller.user, name=spec.name,
                        visibility=visibility, parent_id=parent_id,
                        follows_parent=follows_parent, version=1,
                        spec=spec.model_dump(mode="json"))
        session.add(row)
        session.flush()
        _snapshot(session, row, caller.user, note)
        return _view(session, row, {}, "owner")


def get(db: AppDatabase, caller: Caller, dashboard_id: int) -> DashboardView:
    """The dashboard, if the caller may read it (else 404)."""
    return get_for(db, caller, dashboard_id, "viewer")


def get_for(db: AppDatabase, caller: Caller, dashboard_id: int, needs: str) -> DashboardView:
    """The dashboard, if the caller holds `needs` (viewer, editor or owner) on it: 404
    without any right, 403 with a lesser one."""
    with db.session() as session:
        row, grants, role = _load(session, caller, dashboard_id, needs)
        return _view(session, row, grants, role)


def list_visible(db: AppDatabase, caller: Caller) -> list[DashboardView]:
    """Every dashboard of the tenant the caller may read, newest first."""
    with db.session() as session:
        rows = session.scalars(select(Dashboard).where(
            Dashboard.tenant_id == caller.tenant_id, Dashboard.deleted_at.is_(None))
            .order_by(Dashboard.updated_at.desc(), Dashboard.id.desc()))
        views = []
        for row in rows:
            grants = _grants(session, row.id)
            role = _role(row, grants, caller)
            if role is not None:
                views.append(_view(session, row, grants, role))
        return views


def update(db: AppDatabase, caller: Caller, dashboard_id: int, spec: DashboardSpec,
           visibility: Visibility | None = None, grants: dict[str, Role] | None = None,
           follows_parent: bool | None = None, note: str = "saved") -> DashboardView:
    """Save a new version. Editors may change the spec; visibility, grants and following
    are the owner's. Detaching a fork (follows_parent false) keeps the parent's widgets."""
    with db.session() as session:
        owner_only = visibility is not None or grants is not None or follows_parent is not None
        row, current_grants, role = _load(session, caller, dashboard_id,
                                          "owner" if owner_only else "editor")
        if follows_parent is False and row.follows_parent:
            spec = spec.model_copy(update={"widgets": effective_spec(session, row).widgets})
        if follows_parent is not None:
            if follows_parent and row.parent_id is None:
                raise ApiProblem(422, "only a fork can follow its parent",
                                 field="follows_parent")
            row.follows_parent = follows_parent
        if visibility is not None:
            row.visibility = visibility
        if grants is not None:
            session.execute(delete(DashboardGrant).where(
                DashboardGrant.dashboard_id == row.id))
            for user, granted in sorted(grants.items()):
                session.add(DashboardGrant(dashboard_id=row.id, user=user, role=granted))
            current_grants = dict(sorted(grants.items()))
        row.spec = spec.model_dump(mode="json")
        row.name = spec.name
        row.version += 1
        row.updated_at = utcnow()
        _snapshot(session, row, caller.user, note)
        session.flush()
        return _view(session, row, current_grants, role)


def remove(db: AppDatabase, caller: Caller, dashboard_id: int) -> None:
    """Delete (the owner's right); versions are kept, the dashboard is no longer served."""
    with db.session() as session:
        row, _, _ = _load(session, caller, dashboard_id, "owner")
        row.deleted_at = utcnow()


def versions(db: AppDatabase, caller: Caller, dashboard_id: int) -> list[dict[str, Any]]:
    """Every saved version, newest first."""
    with db.session() as session:
        _load(session, caller, dashboard_id)
        rows = session.scalars(select(DashboardVersion).where(
            DashboardVersion.dashboard_id == dashboard_id)
            .order_by(DashboardVersion.version.desc()))
        return [{"version": r.version, "author": r.author, "note": r.note,
                 "created_at": r.created_at.isoformat(), "spec": r.spec} for r in rows]


def version_spec(db: AppDatabase, caller: Caller, dashboard_id: int,
                 version: int) -> DashboardSpec:
    """The spec saved as `version` (404 when there is none)."""
    with db.session() as session:
        _load(session, caller, dashboard_id)
        row = session.scalars(select(DashboardVersion).where(
            DashboardVersion.dashboard_id == dashboard_id,
            DashboardVersion.version == version)).one_or_none()
        if row is None:
            raise ApiProblem(404, f"dashboard {dashboard_id} has no version {version}; GET "
                             f"/v1/dashboards/{dashboard_id}/versions lists them")
        return DashboardSpec.model_validate(row.spec)


def restore(db: AppDatabase, caller: Caller, dashboard_id: int, version: int) -> DashboardView:
    """Save `version`'s spec again, as a new version."""
    spec = version_spec(db, caller, dashboard_id, version)
    return update(db, caller, dashboard_id, spec, note=f"restored version {version}")


def fork(db: AppDatabase, caller: Caller, dashboard_id: int, name: str | None,
         follow: bool) -> DashboardView:
    """A copy owned by the caller that remembers its parent (and follows it if asked)."""
    parent = get(db, caller, dashboard_id)
    spec = parent.spec.model_copy(update={"name": name or f"{parent.spec.name} (fork)"})
    return create(db, caller, spec, "private", parent_id=parent.id, follows_parent=follow,
                  note=f"forked from dashboard {parent.id} version {parent.version}")


def diff(old: DashboardSpec, new: DashboardSpec) -> dict[str, Any]:
    """What changed between two specs: top-level fields, and widgets by id."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    fields = {key: {"from": before[key], "to": after[key]}
              for key in ("name", "description", "filters", "variables")
              if before[key] != after[key]}
    old_widgets = {w["id"]: w for w in before["widgets"]}
    new_widgets = {w["id"]: w for w in after["widgets"]}
    changed = {}
    for wid in sorted(old_widgets.keys() & new_widgets.keys()):
        parts = {k: {"from": old_widgets[wid][k], "to": new_widgets[wid][k]}
                 for k in old_widgets[wid] if old_widgets[wid][k] != new_widgets[wid][k]}
        if parts:
            changed[wid] = parts
    return {"fields": fields,
            "widgets_added": sorted(new_widgets.keys() - old_widgets.keys()),
            "widgets_removed": sorted(old_widgets.keys() - new_widgets.keys()),
            "widgets_changed": changed}
