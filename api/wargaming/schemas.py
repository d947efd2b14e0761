"""Wargaming request and response shapes (the engine's pydantic models are reused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.envelopes import MAX_ID, Day
from simulations import Scenario
from simulations.models import MAX_DEPTH, MAX_SIMULATIONS

_STRICT = ConfigDict(extra="forbid")


class SimulateRequest(BaseModel):
    """Run a wargame: give a scenario inline, a saved scenario's id, or a template name."""

    model_config = _STRICT

    scenario: Scenario | None = Field(None, description="The scenario, inline")
    scenario_id: int | None = Field(None, ge=1, le=MAX_ID,
                                    description="A scenario saved with POST /scenarios")
    template: str | None = Field(None, description="A template name (GET /templates)",
                                 examples=["Price War Response"])
    num_moves: int = Field(3, description=f"Depth of the game tree, 1–{MAX_DEPTH} rounds")
    simulations: int = Field(10_000, description=f"Monte Carlo paths, 100–{MAX_SIMULATIONS:,}")
    seed: int | None = Field(None, ge=0, description="Same seed → same result; none: random")
    shocks: bool = Field(True, description="Random market shocks; false: deterministic payoffs")


class SaveScenarioRequest(BaseModel):
    """A scenario to keep for later runs."""

    model_config = _STRICT

    scenario: Scenario


class SavedScenario(BaseModel):
    """A saved scenario."""

    id: int
    name: str
    scenario: dict[str, Any]
    created_at: datetime


class RunSummary(BaseModel):
    """A simulation run as listed in the history."""

    id: str
    scenario_name: str
    scenario_id: int | None
    created_at: datetime
    config: dict[str, Any]
    expected_profit_impact: float
    probability_of_loss: float
    recommended_move: str


class RunDetail(RunSummary):
    """A run with its full SimulationResult."""

    result: dict[str, Any]


class ResultsQuery(BaseModel):
    """Which day's published simulations (default: the latest)."""

    model_config = _STRICT

    as_of: Day | None = Field(None, description="As-of day (YYYY-MM-DD); default the latest")
