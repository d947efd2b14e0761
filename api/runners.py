"""Query runners, after PostHog's `hogql_queries`: one per kind of question.

A runner owns its parameter model, the datasets it reads — its answers' cache keys are
built from their versions, so a runner that starts reading a new table stops serving
answers cached before — and its compute. Routes are one line (`RUNNER.answer(...)`);
dashboards and the storytelling engine call `RUNNER.run(...)` in-process, with the same
tenant scope, cache keys and answer limits as the HTTP routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel

from api.answers import answer_of, cached_answer
from api.context import ApiContext
from api.keys import Principal
from api.store import TenantScope

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class RunnerAnswer:
    """An answer asked for in-process: its data and how it was produced."""

    data: Any
    dataset_versions: dict[str, int]
    cached: bool
    computed_at: str
    etag: str


@dataclass(frozen=True)
class QueryRunner(Generic[P]):
    """One kind of question (see the module docstring)."""

    name: str  # the route in cache keys, e.g. "analytics.trends"
    params: type[P]  # the parameter model
    datasets: tuple[str, ...]  # tables and marts the compute reads
    compute: Callable[[TenantScope, P], Any]

    async def answer(self, request: Request, context: ApiContext, principal: Principal,
                     params: P) -> Response:
        """The HTTP answer: cached, ETag/304, learned by the hot path."""
        return await cached_answer(request, context, principal, self.name, params,
                                   self.datasets, lambda scope: self.compute(scope, params))

    async def run(self, context: ApiContext, tenant_id: str, params: P | dict) -> RunnerAnswer:
        """The answer for `tenant_id`, in-process: the same cache entry the route serves.

        Raises pydantic.ValidationError for bad `params` given as a dict, and ApiProblem
        (422) for an answer over the size limit.
        """
        model = params if isinstance(params, self.params) else self.params.model_validate(
            params)
        answer, hit, versions, _ = await answer_of(
            context, tenant_id, self.name, model, self.datasets,
            lambda scope: self.compute(scope, model))
        return RunnerAnswer(json.loads(answer.data), versions, hit, answer.computed_at,
                            answer.etag)
