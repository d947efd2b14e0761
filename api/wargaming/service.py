"""Wargame runs for the API: resolve the scenario, read the tenant's competitor-move
history, simulate, and keep the run (inputs and result) in the app database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from api.appdb import AppDatabase, WargameRun, WargameScenario
from api.runners import QueryRunner
from api.store import TenantScope
from api.wargaming.schemas import (
    ResultsQuery,
    RunDetail,
    RunSummary,
    SavedScenario,
    SimulateRequest,
)
from simulations import (
    ObservedMove,
    Scenario,
    SimulationConfig,
    build_game_tree,
    get_template,
    simulate,
)
from simulations.models import MAX_DEPTH, MAX_SIMULATIONS, MIN_DEPTH, MIN_SIMULATIONS
from simulations.observed import to_observed_moves
from warehouse.competitor_moves import moves_sql


class WargameInputError(ValueError):
    """A request the engine cannot run (answered 400 with this message)."""


class NotFound(LookupError):
    """No such run or scenario for this tenant (answered 404)."""


def check_limits(request: SimulateRequest) -> None:
    """Raise WargameInputError past the depth and simulation limits, or when the request
    names no scenario or more than one."""
    if not MIN_DEPTH <= request.num_moves <= MAX_DEPTH:
        raise WargameInputError(f"num_moves must be between {MIN_DEPTH} and {MAX_DEPTH} "
                                f"(got {request.num_moves})")
    if not MIN_SIMULATIONS <= request.simulations <= MAX_SIMULATIONS:
        raise WargameInputError(f"simulations must be between {MIN_SIMULATIONS:,} and "
                                f"{MAX_SIMULATIONS:,} (got {request.simulations:,})")
    given = [n for n in ("scenario", "scenario_id", "template") if getattr(request, n) is not None]
    if len(given) != 1:
        raise WargameInputError("give exactly one of scenario, scenario_id or template "
                                f"(got {', '.join(given) or 'none'})")


def resolve_scenario(db: AppDatabase, tenant_id: str, request: SimulateRequest) -> Scenario:
    """The scenario the request names. Raises NotFound / WargameInputError."""
    if request.scenario is not None:
        return request.scenario
    if request.template is not None:
        try:
            return get_template(request.template)
        except KeyError as exc:
            raise WargameInputError(exc.args[0]) from None
    with db.session() as session:
        row = session.get(WargameScenario, request.scenario_id)
        if row is None or row.tenant_id != tenant_id:
            raise NotFound(f"no saved scenario {request.scenario_id}")
        return Scenario.model_validate(row.scenario)


def history(scope: TenantScope) -> list[ObservedMove]:
    """The tenant's observed competitor moves up to now."""
    end = datetime.now(UTC) + timedelta(days=1)
    rows = scope.rows(moves_sql(with_tenant_predicate=False), {"end": end})
    return to_observed_moves((r["day"], r["payload"]) for r in rows)


def run_simulation(db: AppDatabase, scope: TenantScope, request: SimulateRequest
                   ) -> RunDetail:
    """Simulate and store the run. Raises WargameInputError (400) or NotFound (404)."""
    check_limits(request)
    scenario = resolve_scenario(db, scope.tenant_id, request)
    moves = history(scope)
    config = SimulationConfig(depth=request.num_moves, simulations=request.simulations,
                              seed=request.seed, shocks=request.shocks)
    try:
        result = simulate(scenario, config, history=moves)
    except ValueError as exc:  # SimulationError: e.g. the tree would pass the node limit
        raise WargameInputError(str(exc)) from None
    stored_config = {**result.config.model_dump(mode="json"),
                     "history": [m.model_dump(mode="json") for m in moves]}
    row = WargameRun(id=str(uuid.uuid4()), tenant_id=scope.tenant_id,
                     scenario_id=request.scenario_id, scenario_name=scenario.name,
                     config=stored_config, result=result.model_dump(mode="json"))
    with db.session() as session:
        session.add(row)
    return _detail(row)


def _summary_fields(row: WargameRun) -> dict[str, Any]:
    summary = row.result["summary"]
    return {"id": row.id, "scenario_name": row.scenario_name, "scenario_id": row.scenario_id,
            "created_at": row.created_at,
            "config": {k: v for k, v in row.config.items() if k != "history"},
            "expected_profit_impact": summary["expected_profit_impact"],
            "probability_of_loss": summary["probability_of_loss"],
            "recommended_move": summary["recommended_move"]}


def _detail(row: WargameRun) -> RunDetail:
    return RunDetail(**_summary_fields(row), result=row.result)


def _run(db: AppDatabase, tenant_id: str, run_id: str) -> WargameRun:
    with db.session() as session:
        row = session.get(WargameRun, run_id)
        if row is None or row.tenant_id != tenant_id:
            raise NotFound(f"no wargame run {run_id}")
        return row


def get_run(db: AppDatabase, tenant_id: str, run_id: str) -> RunDetail:
    """One run of the tenant. Raises NotFound."""
    return _detail(_run(db, tenant_id, run_id))


def run_tree(db: AppDatabase, tenant_id: str, run_id: str) -> dict[str, Any]:
    """The game tree of a run, rebuilt from its stored scenario, depth and history (the
    tree is deterministic, so it is not stored). Raises NotFound."""
    row = _run(db, tenant_id, run_id)
    scenario = Scenario.model_validate(row.result["scenario"])
    moves = [ObservedMove.model_validate(m) for m in row.config.get("history", [])]
    tree = build_game_tree(scenario, depth=row.config["depth"], history=moves,
                           node_limit=row.config["node_limit"])
    return tree.to_json()


def list_runs(db: AppDatabase, tenant_id: str, limit: int, offset: int) -> list[RunSummary]:
    """The tenant's runs, newest first."""
    query = (select(WargameRun).where(WargameRun.tenant_id == tenant_id)
             .order_by(WargameRun.created_at.desc(), WargameRun.id).limit(limit).offset(offset))
    with db.session() as session:
        return [RunSummary(**_summary_fields(r)) for r in session.scalars(query)]


def save_scenario(db: AppDatabase, tenant_id: str, scenario: Scenario) -> SavedScenario:
    """Keep a validated scenario for the tenant."""
    row = WargameScenario(tenant_id=tenant_id, name=scenario.name,
                          scenario=scenario.model_dump(mode="json"))
    with db.session() as session:
        session.add(row)
        session.flush()
        return SavedScenario(id=row.id, name=row.name, scenario=row.scenario,
                             created_at=row.created_at)


def list_scenarios(db: AppDatabase, tenant_id: str) -> list[SavedScenario]:
    """The tenant's saved scenarios, oldest first."""
    query = select(WargameScenario).where(WargameScenario.tenant_id == tenant_id).order_by(
        WargameScenario.id)
    with db.session() as session:
        return [SavedScenario(id=r.id, name=r.name, scenario=r.scenario,
                              created_at=r.created_at) for r in session.scalars(query)]


RESULTS_COLUMNS = (
    "as_of_date, scenario, action_type, our_company, competitors, baseline_source, our_share, "
    "depth, simulations, expected_profit_impact, probability_of_loss, cvar_10, "
    "market_share_change_mean, profit_change_p10, profit_change_p50, profit_change_p90, "
    "recommended_counter_move, risk_level, confidence")


def published_results(scope: TenantScope, as_of: str | None) -> list[dict[str, Any]]:
    """Rows of `sim_wargame_results` (the pipeline's simulations) for one as-of day
    (default: the latest)."""
    day_clause = ("as_of_date = {as_of:Date}" if as_of else
                  "as_of_date = (SELECT max(as_of_date) FROM sim_wargame_results)")
    return scope.rows(f"SELECT {RESULTS_COLUMNS} FROM sim_wargame_results WHERE {day_clause} "
                      "ORDER BY scenario", {"as_of": as_of} if as_of else None)


WARGAME_RESULTS = QueryRunner(
    "wargaming.results", ResultsQuery, ("sim_wargame_results",),
    lambda scope, query: published_results(
        scope, query.as_of.isoformat() if query.as_of else None))
