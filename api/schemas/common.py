"""Shapes shared by every route: the response envelope, its meta, problem documents."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Meta(BaseModel):
    """How an answer was produced."""

    dataset_versions: dict[str, int] = Field(
        default_factory=dict, description="Versions of the datasets the answer reads")
    cached: bool = Field(False, description="Served from the response cache")
    computed_at: str = Field(description="When the answer was computed (UTC, ISO 8601)")
    query_ms: float = Field(0.0, description="Time spent computing it, in milliseconds")


class Envelope(BaseModel, Generic[T]):
    """Every JSON answer: `data` plus `meta`."""

    data: T
    meta: Meta


class Problem(BaseModel):
    """RFC 9457 problem document (media type application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text,
             "content": {"application/problem+json": {}}}
    for status, text in ((401, "Missing, invalid or revoked API key"),
                         (403, "The key lacks the required scope"),
                         (422, "Invalid parameters; `errors` names each field"),
                         (429, "Rate limit reached; see Retry-After"),
                         (503, "Store busy; see Retry-After"))
}
