"""What the pages share: the page router factory, asking a runner for the signed-in
tenant, and the range of days a page shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ValidationError, model_validator

from api.context import ApiContext
from api.errors import invalid
from api.runners import QueryRunner
from api.web.auth import mark_page


class PageForm(BaseModel):
    """A page's GET form: a field left empty in the browser is a field not given."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if v != ""}
        return values


def page_router() -> APIRouter:
    """A router of pages: not in the API schema; errors render as pages."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])


async def ask(context: ApiContext, tenant_id: str, runner: QueryRunner,
              params: dict[str, Any]) -> Any:
    """The runner's answer data for the tenant: the same cache entry the API route serves.
    Bad parameters are a 422 naming the field, like the route's."""
    try:
        return (await runner.run(context, tenant_id, params)).data
    except ValidationError as exc:
        raise invalid(exc) from None


async def in_thread(function, *args) -> Any:
    """Run a synchronous store function off the event loop."""
    return await anyio.to_thread.run_sync(function, *args)


def today() -> date:
    """Today (UTC)."""
    return datetime.now(UTC).date()


def last_days(days: int, until: date | None = None) -> tuple[date, date]:
    """The `days` days ending yesterday (UTC) — the last complete days — or `until`."""
    end = until or today() - timedelta(days=1)
    return end - timedelta(days=days - 1), end
