"""The board's agenda and decision log.

The agenda of a period sorts the period's insights (`insights.find_insights`): what went
up is a highlight; crises, competitive risks and what went down are risks; each risk's
recommendation is a decision needed; the open decisions recorded earlier are the
follow-ups. Every sentence passes the claim gate, and its claims are stored so each
number resolves through `GET /claims/{id}`. Decisions link to the claims they were
based on (which must exist in the tenant).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.appdb import AppDatabase, BoardDecision, StoredClaim
from api.errors import ApiProblem
from api.storytelling.claims import MARKER, ClaimBook, realise
from api.storytelling.insights import Insight
from api.storytelling.narrative import RECOMMEND, headline
from api.storytelling.store import save_claims

RISK_KINDS = ("crisis", "wargame_risk")


def _item(insight: Insight, book: ClaimBook) -> tuple[dict[str, Any], list[str]]:
    marked = headline(insight, "formal", book)
    ids = list(dict.fromkeys(MARKER.findall(marked)))
    return {"kind": insight.kind, "text": realise(marked, book), "claims": ids}, ids


def agenda(db: AppDatabase, tenant_id: str, insights: list[Insight],
           book: ClaimBook) -> dict[str, Any]:
    """Highlights, risks, decisions needed and follow-ups (the claims shown are stored)."""
    highlights, risks, shown = [], [], []
    for insight in insights:
        risky = insight.kind in RISK_KINDS or insight.direction == "down"
        item, ids = _item(insight, book)
        (risks if risky else highlights).append(item)
        shown += ids
    decisions = [{"kind": r["kind"], "text": RECOMMEND[r["kind"]], "claims": r["claims"]}
                 for r in risks]
    with db.session() as session:
        save_claims(session, tenant_id, {i: book.claims[i] for i in shown},
                    {i: book.rows[i] for i in shown})
        follow_ups = [_decision(row) for row in session.scalars(
            select(BoardDecision).where(BoardDecision.tenant_id == tenant_id,
                                        BoardDecision.status == "open")
            .order_by(BoardDecision.id))]
    return {"highlights": highlights, "risks": risks,
            "decisions_needed": list({d["text"]: d for d in decisions}.values()),
            "follow_ups": follow_ups}


def _decision(row: BoardDecision) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "decision": row.decision,
            "claims": row.claim_ids, "narrative_id": row.narrative_id, "owner": row.owner,
            "due_date": row.due_date, "status": row.status, "created_by": row.created_by,
            "created_at": row.created_at.isoformat()}


def record_decision(db: AppDatabase, tenant_id: str, user: str,
                    body: dict[str, Any]) -> dict[str, Any]:
    """Record a decision; every claim it cites must be one of the tenant's."""
    with db.session() as session:
        known = set(session.scalars(select(StoredClaim.claim_id).where(
            StoredClaim.tenant_id == tenant_id,
            StoredClaim.claim_id.in_(body["claim_ids"]))))
        missing = [c for c in body["claim_ids"] if c not in known]
        if missing:
            raise ApiProblem(422, f"unknown claim(s) {missing}: cite numbers from this "
                             "tenant's narratives or agenda", field="claim_ids")
        row = BoardDecision(tenant_id=tenant_id, created_by=user, **body)
        session.add(row)
        session.flush()
        return _decision(row)


def list_decisions(db: AppDatabase, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's decisions, newest first."""
    with db.session() as session:
        return [_decision(row) for row in session.scalars(
            select(BoardDecision).where(BoardDecision.tenant_id == tenant_id)
            .order_by(BoardDecision.id.desc()))]
