"""Wargaming routes: simulate, templates, saved scenarios, run history and trees, and the
pipeline's published simulations."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request, Response

from api.answers import envelope
from api.deps import Context, Reader
from api.envelopes import MAX_OFFSET, Envelope
from api.errors import ApiProblem
from api.wargaming import service
from api.wargaming.schemas import (
    ResultsQuery,
    RunDetail,
    RunSummary,
    SavedScenario,
    SaveScenarioRequest,
    SimulateRequest,
)
from simulations import templates

router = APIRouter(prefix="/wargaming", tags=["wargaming"])


def _problem(exc: Exception) -> ApiProblem:
    if isinstance(exc, service.NotFound):
        return ApiProblem(404, str(exc))
    return ApiProblem(400, str(exc))


@router.post("/simulate", response_model=Envelope[RunDetail], status_code=201,
             summary="Simulate a scenario (game tree + Monte Carlo); the run is kept")
async def simulate(body: SimulateRequest, context: Context, principal: Reader) -> Response:
    scope = context.store.scope(principal.tenant_id)
    try:
        run = await anyio.to_thread.run_sync(service.run_simulation, context.db, scope, body)
    except (service.WargameInputError, service.NotFound) as exc:
        raise _problem(exc) from None
    return envelope(run, status=201)


@router.get("/templates", response_model=Envelope[list[dict[str, Any]]],
            summary="The shipped scenario templates")
async def list_templates(principal: Reader) -> Response:
    return envelope([t.model_dump(mode="json") for t in templates()])


@router.post("/scenarios", response_model=Envelope[SavedScenario], status_code=201,
             summary="Save a scenario for later runs")
async def save_scenario(body: SaveScenarioRequest, context: Context,
                        principal: Reader) -> Response:
    saved = await anyio.to_thread.run_sync(service.save_scenario, context.db,
                                           principal.tenant_id, body.scenario)
    return envelope(saved, status=201)


@router.get("/scenarios", response_model=Envelope[list[SavedScenario]],
            summary="Saved scenarios of the caller's tenant")
async def list_scenarios(context: Context, principal: Reader) -> Response:
    return envelope(await anyio.to_thread.run_sync(service.list_scenarios, context.db,
                                                   principal.tenant_id))


@router.get("/history", response_model=Envelope[list[RunSummary]],
            summary="Simulation runs, newest first")
async def history(context: Context, principal: Reader,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> Response:
    runs = await anyio.to_thread.run_sync(service.list_runs, context.db, principal.tenant_id,
                                          limit, offset)
    return envelope(runs)


@router.get("/results", response_model=Envelope[list[dict[str, Any]]],
            summary="The pipeline's daily simulations of every template (sim_wargame_results)")
async def published_results(
        request: Request, context: Context, principal: Reader,
        query: Annotated[ResultsQuery, Query()],
) -> Response:
    return await service.WARGAME_RESULTS.answer(request, context, principal, query)


@router.get("/{run_id}", response_model=Envelope[RunDetail], summary="One simulation run")
async def get_run(run_id: str, context: Context, principal: Reader) -> Response:
    try:
        run = await anyio.to_thread.run_sync(service.get_run, context.db,
                                             principal.tenant_id, run_id)
    except service.NotFound as exc:
        raise _problem(exc) from None
    return envelope(run)


@router.get("/{run_id}/tree", response_model=Envelope[dict[str, Any]],
            summary="The run's game tree for visualisation")
async def get_tree(run_id: str, context: Context, principal: Reader) -> Response:
    try:
        tree = await anyio.to_thread.run_sync(service.run_tree, context.db,
                                              principal.tenant_id, run_id)
    except service.NotFound as exc:
        raise _problem(exc) from None
    return envelope(tree)
