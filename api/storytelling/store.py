"""Narratives and their claims in the app database, per tenant (synchronous; the routes
run these in a worker thread)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from api.appdb import AppDatabase, StoredClaim, StoredNarrative
from api.errors import ApiProblem
from api.storytelling.narrative import TEMPLATE_VERSION, Narrative


def _json(row: StoredNarrative) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "body": row.body, **(row.document or {}),
            "request": row.request,
            "dataset_versions": row.dataset_versions,
            "template_version": row.template_version, "claims": row.claim_ids,
            "created_by": row.created_by}


def _document(narrative: Narrative) -> dict[str, Any] | None:
    if narrative.slides is not None:
        return {"slides": narrative.slides}
    if narrative.scenes is not None:
        return {"scenes": narrative.scenes}
    return None


def save_claims(session, tenant_id: str, claims: dict, rows: dict) -> None:
    """Store the claims the tenant has not stored yet (a claim's id names its content)."""
    known = set(session.scalars(select(StoredClaim.claim_id).where(
        StoredClaim.tenant_id == tenant_id, StoredClaim.claim_id.in_(list(claims)))))
    for claim_id, claim in claims.items():
        if claim_id not in known:
            session.add(StoredClaim(
                tenant_id=tenant_id, claim_id=claim_id,
                claim=json.loads(json.dumps(asdict(claim), default=str)),
                rows=json.loads(json.dumps(rows[claim_id], default=str))))


def save_narrative(db: AppDatabase, tenant_id: str, user: str, request: dict[str, Any],
                   versions: dict[str, int], narrative: Narrative) -> dict[str, Any]:
    """Store a narrative and any of its claims the tenant has not stored yet."""
    with db.session() as session:
        save_claims(session, tenant_id, narrative.claims, narrative.rows)
        row = StoredNarrative(tenant_id=tenant_id, request=request, dataset_versions=versions,
                              template_version=TEMPLATE_VERSION, title=narrative.title,
                              body=narrative.body, claim_ids=list(narrative.claims),
                              document=_document(narrative),
                              created_by=user)
        session.add(row)
        session.flush()
        return _json(row)


def get_narrative(db: AppDatabase, tenant_id: str, narrative_id: int) -> dict[str, Any]:
    """A stored narrative (404 outside the tenant)."""
    with db.session() as session:
        row = session.get(StoredNarrative, narrative_id)
        if row is None or row.tenant_id != tenant_id:
            raise ApiProblem(404, f"no narrative {narrative_id} in this tenant")
        return _json(row)


def get_claim(db: AppDatabase, tenant_id: str, claim_id: str) -> dict[str, Any]:
    """A claim with its provenance and source rows (404 outside the tenant)."""
    with db.session() as session:
        row = session.scalars(select(StoredClaim).where(
            StoredClaim.tenant_id == tenant_id, StoredClaim.claim_id == claim_id)
        ).one_or_none()
        if row is None:
            raise ApiProblem(404, f"no claim {claim_id} in this tenant; claims come from "
                             "narratives (POST /v1/storytelling/generate)")
        return {"id": claim_id, **row.claim, "rows": row.rows}


def list_narratives(db: AppDatabase, tenant_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The tenant's stored narratives, newest first: id, title, request and when."""
    with db.session() as session:
        rows = session.scalars(select(StoredNarrative)
                               .where(StoredNarrative.tenant_id == tenant_id)
                               .order_by(StoredNarrative.id.desc()).limit(limit))
        return [{"id": row.id, "title": row.title, "request": row.request,
                 "created_by": row.created_by, "created_at": row.created_at}
                for row in rows]
