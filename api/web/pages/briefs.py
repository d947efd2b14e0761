"""Briefs: the tenant's narratives, a form that writes one (`POST /v1/storytelling/brief`
or `/generate`), a narrative read with every number linked to its claim — its source,
dataset versions and rows on hover or focus, and on the claim's own page."""

from __future__ import annotations

import html
import re
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from api.deps import Context
from api.storytelling.store import get_claim, get_narrative, list_narratives
from api.web.auth import SignedIn
from api.web.pages.common import in_thread, last_days, page_router
from api.web.templating import render

router = page_router()
_markdown = MarkdownIt("commonmark", {"html": False})  # narratives' own HTML is escaped
ClaimId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


def source_text(claim: dict[str, Any]) -> str:
    """Where a claim's number comes from, in one line."""
    key = ", ".join(f"{k}={v}" for k, v in (claim.get("key") or {}).items())
    versions = ", ".join(f"{k} v{v}" for k, v in sorted(claim["dataset_versions"].items()))
    where = f"{claim['table']}.{claim['column']}" if claim.get("column") else claim["table"]
    text = f"{where} [{key}] · {versions}" if key else f"{where} · {versions}"
    return f"{text} · formula {claim['formula']}" if claim.get("formula") else text


def link_claims(body_html: str, claims: list[dict[str, Any]]) -> Markup:
    """`body_html` with each claim's display text, wherever it occurs outside tags, wrapped
    in a focusable link to the claim that shows its source on hover or focus. The body
    prints claims only by their display text, so matching it finds them; when two claims
    show the same text, the first the narrative cites wins (they print the same value)."""
    by_text: dict[str, dict[str, Any]] = {}
    for claim in claims:
        by_text.setdefault(html.escape(claim["display"], quote=False), claim)
    if not by_text:
        return Markup(body_html)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(by_text, key=len, reverse=True)))

    def link(match: re.Match[str]) -> str:
        claim = by_text[match.group(0)]
        tip = html.escape(source_text(claim))
        return (f'<a class="claim" href="/claims/{claim["id"]}" data-claim="{claim["id"]}" '
                f'aria-description="{tip}">{match.group(0)}'
                f'<span class="tip" aria-hidden="true">{tip}</span></a>')

    # Only text between tags is matched, never markup.
    parts = re.split(r"(<[^>]+>)", body_html)
    return Markup("".join(part if part.startswith("<") else pattern.sub(link, part)
                          for part in parts))


@router.get("/briefs")
async def briefs(request: Request, context: Context, identity: SignedIn) -> Response:
    stored = await in_thread(list_narratives, context.db, identity.principal.tenant_id, 50)
    date_from, date_to = last_days(7)
    return render(request, "briefs/list.html", {
        "narratives": stored, "date_from": date_from, "date_to": date_to}, identity)


@router.get("/briefs/{narrative_id}")
async def brief(narrative_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request,
                context: Context, identity: SignedIn) -> Response:
    tenant = identity.principal.tenant_id
    narrative = await in_thread(get_narrative, context.db, tenant, narrative_id)
    claims = [await in_thread(get_claim, context.db, tenant, claim_id)
              for claim_id in narrative["claims"]]
    body = link_claims(_markdown.render(narrative["body"]), claims)
    return render(request, "briefs/read.html", {
        "narrative": narrative, "body": body, "claims": claims, "source_text": source_text},
        identity)


@router.get("/claims/{claim_id}")
async def claim(claim_id: ClaimId, request: Request, context: Context,
                identity: SignedIn) -> Response:
    found = await in_thread(get_claim, context.db, identity.principal.tenant_id, claim_id)
    columns = list(dict.fromkeys(k for row in found["rows"] for k in row))
    return render(request, "briefs/claim.html", {
        "claim": found, "columns": columns, "source_text": source_text}, identity)
