"""Wargame simulation engine (DESIGN §8): scenario → game tree → vectorized Monte Carlo →
outcome distributions and recommendations. Plain numpy + pydantic; no I/O.

    from simulations import SimulationConfig, get_template, simulate
    result = simulate(get_template("Price War Response"), SimulationConfig(seed=7))

See docs/wargaming.md for the model.
"""

from simulations.library import (
    get_template,
    library_text,
    parse_scenario_library,
    template_names,
    templates,
)
from simulations.models import (
    HOLD,
    NO_RESPONSE,
    ActionType,
    Assumptions,
    CompetitorProfile,
    CompetitorResponse,
    GameNode,
    GameTree,
    Histogram,
    MarketContext,
    ObservedMove,
    OutcomeDistribution,
    PathStep,
    Scenario,
    SimulationConfig,
    SimulationError,
    SimulationOutcome,
    SimulationResult,
    SimulationSummary,
    StrategicAction,
    StrategicRecommendation,
)
from simulations.monte_carlo import simulate
from simulations.responses import PredictedResponse, ResponsePredictor, response_distribution
from simulations.tree import build_game_tree

__all__ = [
    "HOLD",
    "NO_RESPONSE",
    "ActionType",
    "Assumptions",
    "CompetitorProfile",
    "CompetitorResponse",
    "GameNode",
    "GameTree",
    "Histogram",
    "MarketContext",
    "ObservedMove",
    "OutcomeDistribution",
    "PathStep",
    "PredictedResponse",
    "ResponsePredictor",
    "Scenario",
    "SimulationConfig",
    "SimulationError",
    "SimulationOutcome",
    "SimulationResult",
    "SimulationSummary",
    "StrategicAction",
    "StrategicRecommendation",
    "build_game_tree",
    "get_template",
    "library_text",
    "parse_scenario_library",
    "response_distribution",
    "simulate",
    "template_names",
    "templates",
]
