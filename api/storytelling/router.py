"""Routes of the storytelling engine (DESIGN §13): generate a narrative, read it back, and
trace any of its numbers to its rows. See docs/storytelling.md."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.answers import envelope
from api.deps import Context, Reader
from api.envelopes import Day, check_date_range
from api.storytelling import store
from api.storytelling.claims import ClaimBook
from api.storytelling.facts import gather_facts
from api.storytelling.insights import find_insights
from api.storytelling.narrative import Audience, Format, Length, Request, Tone, write

router = APIRouter(prefix="/storytelling", tags=["storytelling"])
claims_router = APIRouter(prefix="/claims", tags=["storytelling"])


class GenerateRequest(BaseModel):
    """What to write about, for whom, and how."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"date_from": "2026-04-06", "date_to": "2026-04-12", "audience": "CMO",
         "tone": "formal", "format": "text", "length": "standard", "brand": "Acme"}]})

    date_from: Day
    date_to: Day
    audience: Audience = "CEO"
    tone: Tone = "formal"
    format: Format = Field("text", description="text (Markdown), slides (an outline with "
                           "a Vega-Lite chart per insight) or video_script (timed scenes)")
    length: Length = "standard"
    brand: str | None = Field(None, min_length=1, max_length=200)

    _check_to = field_validator("date_to")(check_date_range)

    @field_validator("date_to")
    @classmethod
    def _at_most_a_year(cls, value: date, info) -> date:
        start = info.data.get("date_from")
        if start and (value - start).days > 366:
            raise ValueError("a narrative covers at most 367 days")
        return value


@router.post("/generate", status_code=201, summary="Write a narrative about a period")
async def generate(body: GenerateRequest, context: Context, principal: Reader) -> Response:
    facts = await gather_facts(context, principal.tenant_id, body.date_from, body.date_to,
                               body.brand)
    book = ClaimBook()
    request = Request(body.date_from, body.date_to, body.audience, body.tone, body.format,
                      body.length)
    narrative = write(request, find_insights(facts, book), book)
    saved = await anyio.to_thread.run_sync(
        store.save_narrative, context.db, principal.tenant_id, principal.actor,
        body.model_dump(mode="json"), facts.dataset_versions, narrative)
    return envelope(saved, status=201, versions=facts.dataset_versions,
                    headers={"Location": f"/v1/storytelling/{saved['id']}"})


@router.get("/{narrative_id}", summary="A stored narrative")
async def get_narrative(narrative_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                        context: Context, principal: Reader) -> Response:
    return envelope(await anyio.to_thread.run_sync(store.get_narrative, context.db,
                                                   principal.tenant_id, narrative_id))


@claims_router.get("/{claim_id}", summary="A number's provenance and source rows")
async def get_claim(claim_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
                    context: Context, principal: Reader) -> Response:
    return envelope(await anyio.to_thread.run_sync(store.get_claim, context.db,
                                                   principal.tenant_id, claim_id))
