"""Routes of the storytelling engine (DESIGN §13): generate a narrative, read it back, and
trace any of its numbers to its rows. See docs/storytelling.md."""

from __future__ import annotations

import difflib
import hashlib
from datetime import date
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Query, Response
from fastapi import Request as HttpRequest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.analytics.marts import configured_funnels
from api.answers import envelope
from api.deps import Context, Reader
from api.envelopes import Day, check_date_range
from api.keys import Principal
from api.storytelling import board, store
from api.storytelling.claims import ClaimBook
from api.storytelling.facts import gather_facts
from api.storytelling.insights import find_insights
from api.storytelling.narrative import (
    Audience,
    Format,
    Length,
    Request,
    Tone,
    write,
    write_brief,
)

router = APIRouter(prefix="/storytelling", tags=["storytelling"])
board_router = APIRouter(prefix="/board", tags=["storytelling"])
claims_router = APIRouter(prefix="/claims", tags=["storytelling"])


def _configured_funnel(value: str | None) -> str | None:
    """A configured funnel id (vars.funnels), or None for the first configured."""
    if value is not None and value not in configured_funnels():
        raise ValueError(f"not a configured funnel; known: {', '.join(configured_funnels())}")
    return value


_FUNNEL = Field(
    None,
    max_length=200,
    description="A configured funnel id whose conversion "
    "change is told (default: the first configured funnel)",
)


class GenerateRequest(BaseModel):
    """What to write about, for whom, and how."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "date_from": "2026-04-06",
                    "date_to": "2026-04-12",
                    "audience": "CMO",
                    "tone": "formal",
                    "format": "text",
                    "length": "standard",
                    "brand": "Acme",
                }
            ]
        },
    )

    date_from: Day
    date_to: Day
    audience: Audience = "CEO"
    tone: Tone = "formal"
    format: Format = Field(
        "text",
        description="text (Markdown), slides (an outline with "
        "a Vega-Lite chart per insight) or video_script (timed scenes)",
    )
    length: Length = "standard"
    brand: str | None = Field(None, min_length=1, max_length=200)
    funnel: str | None = _FUNNEL

    _check_to = field_validator("date_to")(check_date_range)
    _check_funnel = field_validator("funnel")(_configured_funnel)

    @field_validator("date_to")
    @classmethod
    def _at_most_a_year(cls, value: date, info) -> date:
        start = info.data.get("date_from")
        if start and (value - start).days > 366:
            raise ValueError("a narrative covers at most 367 days")
        return value


class AgendaQuery(BaseModel):
    """The period of a board agenda (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    date_from: Day
    date_to: Day
    brand: str | None = Field(None, min_length=1, max_length=200)
    funnel: str | None = _FUNNEL

    _check_to = field_validator("date_to")(check_date_range)
    _check_funnel = field_validator("funnel")(_configured_funnel)


class DecisionIn(BaseModel):
    """A board decision and the numbers it was based on."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    decision: str = Field(min_length=1, max_length=5_000)
    claim_ids: list[Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]] = Field(
        default_factory=list, max_length=50
    )
    narrative_id: int | None = Field(None, ge=1, le=2**31 - 1)
    owner: str = Field("", max_length=200)
    due_date: Day | None = None


class BriefRequest(BaseModel):
    """A one-page executive brief: the period, the reader and, optionally, a brand."""

    model_config = ConfigDict(extra="forbid")

    date_from: Day
    date_to: Day
    audience: Audience = "CEO"
    tone: Tone = "formal"
    brand: str | None = Field(None, min_length=1, max_length=200)
    funnel: str | None = _FUNNEL

    _check_to = field_validator("date_to")(check_date_range)
    _check_funnel = field_validator("funnel")(_configured_funnel)


async def _compose(context, principal: Principal, body: GenerateRequest | BriefRequest) -> dict:
    """Facts → insights → document, stored; the stored record."""
    facts = await gather_facts(
        context, principal.tenant_id, body.date_from, body.date_to, body.brand, body.funnel
    )
    book = ClaimBook()
    insights = find_insights(facts, book)
    if isinstance(body, BriefRequest):
        narrative = write_brief(
            Request(body.date_from, body.date_to, body.audience, body.tone), insights, book
        )
        request = {"kind": "brief", **body.model_dump(mode="json")}
    else:
        narrative = write(
            Request(
                body.date_from, body.date_to, body.audience, body.tone, body.format, body.length
            ),
            insights,
            book,
        )
        request = {"kind": "narrative", **body.model_dump(mode="json")}
    return await anyio.to_thread.run_sync(
        store.save_narrative,
        context.db,
        principal.tenant_id,
        principal.actor,
        request,
        facts.dataset_versions,
        narrative,
    )


def _etag(saved: dict) -> str:
    """A narrative's ETag: the hash of its bytes (the same versions give the same)."""
    return f'"{hashlib.sha256(saved["body"].encode()).hexdigest()}"'


def _created(saved: dict) -> Response:
    return envelope(
        saved,
        status=201,
        versions=saved["dataset_versions"],
        headers={"Location": f"/v1/storytelling/{saved['id']}", "ETag": _etag(saved)},
    )


@router.post("/generate", status_code=201, summary="Write a narrative about a period")
async def generate(body: GenerateRequest, context: Context, principal: Reader) -> Response:
    return _created(await _compose(context, principal, body))


@router.post("/brief", status_code=201, summary="A one-page executive brief")
async def brief(body: BriefRequest, context: Context, principal: Reader) -> Response:
    return _created(await _compose(context, principal, body))


@router.post(
    "/{narrative_id}/regenerate",
    status_code=201,
    summary="Write a stored narrative again: identical with unchanged versions, else what changed",
)
async def regenerate(
    narrative_id: Annotated[int, Path(ge=1, le=2**31 - 1)], context: Context, principal: Reader
) -> Response:
    old = await anyio.to_thread.run_sync(
        store.get_narrative, context.db, principal.tenant_id, narrative_id
    )
    fields = {k: v for k, v in old["request"].items() if k != "kind"}
    body = (
        BriefRequest if old["request"].get("kind") == "brief" else GenerateRequest
    ).model_validate(fields)
    new = await _compose(context, principal, body)
    before, after = old["dataset_versions"], new["dataset_versions"]
    moved = {
        d: {"from": before.get(d, 0), "to": after.get(d, 0)}
        for d in sorted(set(before) | set(after))
        if before.get(d, 0) != after.get(d, 0)
    }
    diff = list(
        difflib.unified_diff(
            old["body"].splitlines(), new["body"].splitlines(), "before", "after", lineterm="", n=0
        )
    )
    return _created(
        {
            **new,
            "regenerated_from": narrative_id,
            "changed": old["body"] != new["body"],
            "changes": {"dataset_versions": moved, "diff": diff[:200]},
        }
    )


@router.get("/{narrative_id}", summary="A stored narrative (ETag; 304 when unchanged)")
async def get_narrative(
    narrative_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: HttpRequest,
    context: Context,
    principal: Reader,
) -> Response:
    saved = await anyio.to_thread.run_sync(
        store.get_narrative, context.db, principal.tenant_id, narrative_id
    )
    etag = _etag(saved)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return envelope(saved, versions=saved["dataset_versions"], headers={"ETag": etag})


@claims_router.get("/{claim_id}", summary="A number's provenance and source rows")
async def get_claim(
    claim_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")], context: Context, principal: Reader
) -> Response:
    return envelope(
        await anyio.to_thread.run_sync(store.get_claim, context.db, principal.tenant_id, claim_id)
    )


@board_router.get("/agenda", summary="Highlights, risks, decisions needed and follow-ups")
async def board_agenda(
    span: Annotated[AgendaQuery, Query()], context: Context, principal: Reader
) -> Response:
    facts = await gather_facts(
        context, principal.tenant_id, span.date_from, span.date_to, span.brand, span.funnel
    )
    book = ClaimBook()
    insights = find_insights(facts, book)
    answer = await anyio.to_thread.run_sync(
        board.agenda, context.db, principal.tenant_id, insights, book
    )
    return envelope(
        {"date_from": span.date_from, "date_to": span.date_to, **answer},
        versions=facts.dataset_versions,
    )


@board_router.post("/decisions", status_code=201, summary="Record a board decision")
async def record_decision(body: DecisionIn, context: Context, principal: Reader) -> Response:
    return envelope(
        await anyio.to_thread.run_sync(
            board.record_decision,
            context.db,
            principal.tenant_id,
            principal.actor,
            body.model_dump(mode="json"),
        ),
        status=201,
    )


@board_router.get("/decisions", summary="The board's decisions, newest first")
async def decisions(context: Context, principal: Reader) -> Response:
    return envelope(
        await anyio.to_thread.run_sync(board.list_decisions, context.db, principal.tenant_id)
    )
