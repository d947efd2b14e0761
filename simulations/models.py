"""Domain models of the wargame engine (DESIGN §8), as pydantic v2 models.

Inputs (`StrategicAction`, `MarketContext`, `Assumptions`, `CompetitorProfile`,
`ObservedMove`, `Scenario`, `SimulationConfig`) validate on construction and their errors
name the field and the bad value. Outputs (`CompetitorResponse`, `GameNode`, `GameTree`,
`SimulationOutcome`, `OutcomeDistribution`, `StrategicRecommendation`, `SimulationSummary`,
`SimulationResult`) are JSON-serialisable with `model_dump(mode="json")`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)


class SimulationError(ValueError):
    """An engine-level error: a tree over the node limit, an invalid scenario library."""


class ActionType(StrEnum):
    """What a company can do in the wargame, ours or a competitor's."""

    PRICE_CUT = "price_cut"
    PRICE_INCREASE = "price_increase"
    PRODUCT_LAUNCH = "product_launch"
    MARKET_ENTRY = "market_entry"
    MARKET_EXIT = "market_exit"
    PARTNERSHIP = "partnership"
    ACQUISITION = "acquisition"
    MARKETING_CAMPAIGN = "marketing_campaign"
    CAPACITY_EXPANSION = "capacity_expansion"
    R_AND_D_INVESTMENT = "r_and_d_investment"


# A competitor may not react; we may stay the course. Both are "no move" in the market
# model; they keep distinct labels so a tree or a path reads naturally.
NO_RESPONSE: Final = "no_response"
HOLD: Final = "hold"
ResponseAction = ActionType | Literal["no_response"]
OurMove = ActionType | Literal["hold"]

Segment = Literal["budget", "mainstream", "premium"]
RiskLevel = Literal["low", "medium", "high"]
OUTCOMES: Final = (
    "market_share_change",
    "revenue_change",
    "profit_change",
    "brand_perception_change",
)

_INPUT = ConfigDict(extra="forbid", frozen=True)
_OUTPUT = ConfigDict(extra="forbid")

MIN_DEPTH, MAX_DEPTH = 1, 5
MIN_SIMULATIONS, MAX_SIMULATIONS = 100, 1_000_000
MAX_NODE_LIMIT = 5_000_000


def _in_unit_interval(name: str, value: float) -> float:
    if not (0.0 <= value <= 1.0):  # also rejects NaN
        raise ValueError(f"{name} must be in [0, 1] (got {value!r})")
    return value


def _check_distribution(name: str, table: Mapping[Any, Mapping[Any, float]]) -> None:
    for trigger, row in table.items():
        for action, p in row.items():
            _in_unit_interval(f"{name}[{trigger}][{action}]", p)
        total = sum(row.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"{name}[{trigger}] sums to {total:.6g}; probabilities must sum to 1")


class StrategicAction(BaseModel):
    """Our opening move with its typed parameters.

    `price_change_pct` is in percent (−15 = a 15% cut). `budget` is the money spent on the
    move itself (media, R&D, capex) and `expected_cost` other one-off costs; both are
    deducted from profit. When neither is given, the market model charges a default cost
    per action type (see docs/wargaming.md).
    """

    model_config = _INPUT

    type: ActionType
    description: str = ""
    price_change_pct: float | None = None
    spend_change_pct: float | None = Field(default=None, gt=-100, le=1_000)
    segment: Segment | None = None
    intensity: float = Field(default=1.0, gt=0, le=3)
    budget: float | None = Field(default=None, ge=0)
    expected_cost: float | None = Field(default=None, ge=0)
    timeline_months: int = Field(default=1, ge=1, le=36)

    @field_validator("price_change_pct")
    @classmethod
    def _price_range(cls, value: float | None) -> float | None:
        if value is not None and not (-90.0 <= value <= 200.0):
            raise ValueError(f"price_change_pct must be between -90 and 200 percent (got {value})")
        return value

    @model_validator(mode="after")
    def _parameters_fit_type(self) -> StrategicAction:
        pct, kind = self.price_change_pct, self.type
        if kind is ActionType.PRICE_CUT and (pct is None or pct >= 0):
            raise ValueError(f"a price_cut needs price_change_pct < 0, e.g. -15 (got {pct})")
        if kind is ActionType.PRICE_INCREASE and (pct is None or pct <= 0):
            raise ValueError(f"a price_increase needs price_change_pct > 0, e.g. 5 (got {pct})")
        price_types = (ActionType.PRICE_CUT, ActionType.PRICE_INCREASE, ActionType.PRODUCT_LAUNCH)
        if pct is not None and kind not in price_types:
            raise ValueError(
                f"price_change_pct applies to price_cut, price_increase and product_launch, "
                f"not to {kind.value}"
            )
        if self.spend_change_pct is not None and kind is not ActionType.MARKETING_CAMPAIGN:
            raise ValueError(f"spend_change_pct applies to marketing_campaign, not {kind.value}")
        if self.segment is not None and kind not in (
            ActionType.PRODUCT_LAUNCH,
            ActionType.MARKET_ENTRY,
        ):
            raise ValueError(
                f"segment applies to product_launch and market_entry, not {kind.value}"
            )
        return self


class MarketContext(BaseModel):
    """The market today, before anyone moves.

    `market_size` is the whole market's annual revenue at today's prices. `shares`,
    `margins` (gross, as a fraction of price) and `brand_strength` (0–1) are keyed by
    company: our company and every competitor. Shares may sum to less than 1; the rest
    belongs to "others", who do not move.
    """

    model_config = _INPUT

    market_size: float
    currency: str = "USD"
    shares: dict[str, float]
    margins: dict[str, float]
    brand_strength: dict[str, float]
    price_elasticity: float = -1.2

    @field_validator("market_size")
    @classmethod
    def _positive_size(cls, value: float) -> float:
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"market_size must be a positive amount (got {value})")
        return value

    @field_validator("shares")
    @classmethod
    def _valid_shares(cls, value: dict[str, float]) -> dict[str, float]:
        for company, share in value.items():
            # The share model multiplies baseline shares, so a zero share could never grow.
            if not (0.0 < share <= 1.0):
                raise ValueError(
                    f"share of {company!r} must be in (0, 1] (got {share}); "
                    "give a new entrant a small share such as 0.01"
                )
        total = sum(value.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"shares sum to {total:.6g}; they may sum to at most 1")
        return value

    @field_validator("margins")
    @classmethod
    def _valid_margins(cls, value: dict[str, float]) -> dict[str, float]:
        for company, margin in value.items():
            if not (0.0 < margin < 1.0):
                raise ValueError(f"margin of {company!r} must be in (0, 1) (got {margin})")
        return value

    @field_validator("brand_strength")
    @classmethod
    def _valid_brands(cls, value: dict[str, float]) -> dict[str, float]:
        for company, strength in value.items():
            _in_unit_interval(f"brand_strength of {company!r}", strength)
        return value

    @field_validator("price_elasticity")
    @classmethod
    def _valid_elasticity(cls, value: float) -> float:
        if not (-10.0 <= value <= 0.0):
            raise ValueError(f"price_elasticity must be between -10 and 0 (got {value})")
        return value

    @property
    def others_share(self) -> float:
        """Share held by companies outside the scenario."""
        return max(0.0, 1.0 - sum(self.shares.values()))


class Assumptions(BaseModel):
    """Model parameters a scenario may override; defaults are documented in
    docs/wargaming.md. Volatilities of 0 make that shock vanish."""

    model_config = _INPUT

    horizon_months: int = Field(default=12, ge=3, le=36)
    response_lag_months: int = Field(default=2, ge=1, le=6)
    share_price_sensitivity: float = Field(default=2.0, gt=0, le=10)
    demand_volatility: float = Field(default=0.08, ge=0, le=1)
    share_volatility: float = Field(default=0.05, ge=0, le=0.5)
    cost_volatility: float = Field(default=0.15, ge=0, le=1)
    brand_volatility: float = Field(default=0.01, ge=0, le=0.2)
    prior_strength: float = Field(default=10.0, gt=0, le=1_000)
    notes: list[str] = Field(default_factory=list)


class CompetitorProfile(BaseModel):
    """How a competitor tends to behave.

    `aggressiveness` and `financial_capacity` are in [0, 1] (0.5 is neutral).
    `historical_response_counts[trigger][response]` are counts of past reactions to our
    moves, including `no_response`; they update the prior like observed moves do.
    `response_probabilities[trigger]`, when given, replaces the model for that trigger
    with an analyst's explicit distribution (each in [0, 1], summing to 1).
    """

    model_config = _INPUT

    name: str = Field(min_length=1)
    aggressiveness: float = 0.5
    financial_capacity: float = 0.5
    historical_response_counts: dict[OurMove, dict[ResponseAction, float]] = Field(
        default_factory=dict
    )
    response_probabilities: dict[OurMove, dict[ResponseAction, float]] = Field(default_factory=dict)

    @field_validator("aggressiveness", "financial_capacity")
    @classmethod
    def _unit(cls, value: float, info: ValidationInfo) -> float:
        return _in_unit_interval(info.field_name, value)

    @field_validator("historical_response_counts")
    @classmethod
    def _counts(cls, value: dict) -> dict:
        for trigger, row in value.items():
            for action, count in row.items():
                if not (count >= 0 and math.isfinite(count)):
                    raise ValueError(
                        f"historical_response_counts[{trigger}][{action}] must be a count >= 0 "
                        f"(got {count})"
                    )
        return value

    @field_validator("response_probabilities")
    @classmethod
    def _probabilities(cls, value: dict) -> dict:
        _check_distribution("response_probabilities", value)
        return value


class ObservedMove(BaseModel):
    """One row of the `competitor_moves` table: a competitor's move and what triggered it
    (None: unprompted, counted as a reaction to us holding)."""

    model_config = _INPUT

    date: dt.date
    competitor: str
    action_type: ActionType
    trigger: ActionType | None = None


class Scenario(BaseModel):
    """A wargame: our company, our opening move, the competitors and the market.

    `counter_moves` are the candidates we compare after the competitors respond ("hold"
    = stay the course); None picks a default set for the opening move's type.
    """

    model_config = _INPUT

    name: str = Field(min_length=1)
    description: str = ""
    our_company: str = Field(min_length=1)
    action: StrategicAction
    competitors: list[CompetitorProfile] = Field(min_length=1, max_length=10)
    market: MarketContext
    assumptions: Assumptions = Field(default_factory=Assumptions)
    counter_moves: list[OurMove] | None = Field(default=None, min_length=1, max_length=10)

    @model_validator(mode="after")
    def _companies_agree(self) -> Scenario:
        names = [c.name for c in self.competitors]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"competitor profiles repeat {', '.join(duplicates)}")
        if self.our_company in names:
            raise ValueError(f"our company {self.our_company!r} is also listed as a competitor")
        known = [self.our_company, *names]
        for name in names:
            if name not in self.market.shares:
                raise ValueError(
                    f"unknown competitor {name!r} in competitor profiles: it is not in "
                    f"market.shares (companies there: {', '.join(self.market.shares)})"
                )
        for field in ("shares", "margins", "brand_strength"):
            table = getattr(self.market, field)
            for company in table:
                if company not in known:
                    raise ValueError(
                        f"market.{field} names {company!r}, which is neither our company "
                        f"{self.our_company!r} nor a profiled competitor ({', '.join(names)})"
                    )
        for field in ("shares", "margins", "brand_strength"):
            missing = [c for c in known if c not in getattr(self.market, field)]
            if missing:
                raise ValueError(f"market.{field} is missing {', '.join(missing)}")
        if self.counter_moves is not None and len(set(self.counter_moves)) != len(
            self.counter_moves
        ):
            raise ValueError(f"counter_moves repeat a move: {self.counter_moves}")
        return self

    @property
    def companies(self) -> list[str]:
        """Our company first, then the competitors in profile order."""
        return [self.our_company, *(c.name for c in self.competitors)]

    def with_baseline_shares(self, shares: Mapping[str, float]) -> Scenario:
        """A new, validated Scenario whose market shares are updated from `shares` (e.g.
        measured in the marts); companies not in `shares` keep theirs.

        Raises ValueError: SimulationError for a company that is not in the scenario,
        pydantic.ValidationError for invalid shares (e.g. summing above 1).
        """
        unknown = [c for c in shares if c not in self.companies]
        if unknown:
            raise SimulationError(
                f"baseline shares name {', '.join(map(repr, unknown))}, not in scenario "
                f"{self.name!r} (companies: {', '.join(self.companies)})"
            )
        data = self.model_dump()
        data["market"]["shares"] = {**data["market"]["shares"], **dict(shares)}
        return Scenario.model_validate(data)


class SimulationConfig(BaseModel):
    """How to run the Monte Carlo.

    depth counts rounds of play: 1 = our move only, 2 = + the competitors' responses,
    3 = + our counter-move, 4 = + their responses, 5 = + our second counter-move.
    seed None draws a fresh seed, recorded in the result. shocks=False makes each path's
    payoff deterministic. The same seed and chunk_size give the same result.
    """

    model_config = _INPUT

    depth: int = 3
    simulations: int = 10_000
    seed: int | None = Field(default=None, ge=0)
    shocks: bool = True
    node_limit: int = Field(default=100_000, ge=1, le=MAX_NODE_LIMIT)
    chunk_size: int = Field(default=131_072, ge=1_024, le=4_194_304)

    @field_validator("depth")
    @classmethod
    def _depth(cls, value: int) -> int:
        if not (MIN_DEPTH <= value <= MAX_DEPTH):
            raise ValueError(f"depth must be between {MIN_DEPTH} and {MAX_DEPTH} (got {value})")
        return value

    @field_validator("simulations")
    @classmethod
    def _simulations(cls, value: int) -> int:
        if not (MIN_SIMULATIONS <= value <= MAX_SIMULATIONS):
            raise ValueError(
                f"simulations must be between {MIN_SIMULATIONS:,} and {MAX_SIMULATIONS:,} "
                f"(got {value:,})"
            )
        return value


class CompetitorResponse(BaseModel):
    """One possible reaction of a competitor to one of our moves, with its probability
    and how hard it is pushed (intensity 1 = a typical move)."""

    model_config = _OUTPUT

    competitor: str
    trigger: OurMove
    action: ResponseAction
    probability: float
    intensity: float = Field(gt=0)

    @field_validator("probability")
    @classmethod
    def _probability(cls, value: float) -> float:
        return _in_unit_interval("probability", value)


class GameNode(BaseModel):
    """One move in the game tree. `probability` is conditional on the parent;
    `cumulative_probability` is the product along the path from the root;
    `expected_payoff` is the expected 12-month profit change given this node."""

    model_config = _OUTPUT

    id: int
    parent: int | None
    round: int
    level: int
    player: str
    action: str
    probability: float
    cumulative_probability: float
    expected_payoff: float


class GameTree(BaseModel):
    """The whole game tree, breadth-first (a node's children follow its level)."""

    model_config = _OUTPUT

    scenario_name: str
    depth: int
    players: list[str]
    node_count: int
    path_count: int
    expected_payoff: float
    nodes: list[GameNode]

    def children(self, node_id: int) -> list[GameNode]:
        """The children of `node_id`, in order."""
        return [n for n in self.nodes if n.parent == node_id]

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict for visualisation: {"nodes": [...], "node_count", "path_count",
        ...}; each node has id, parent, round, level, player, action, probability,
        cumulative_probability and expected_payoff."""
        return {
            "scenario_name": self.scenario_name,
            "depth": self.depth,
            "players": list(self.players),
            "node_count": self.node_count,
            "path_count": self.path_count,
            "expected_payoff": self.expected_payoff,
            "nodes": [
                {
                    "id": n.id,
                    "parent": n.parent,
                    "round": n.round,
                    "level": n.level,
                    "player": n.player,
                    "action": n.action,
                    "probability": n.probability,
                    "cumulative_probability": n.cumulative_probability,
                    "expected_payoff": n.expected_payoff,
                }
                for n in self.nodes
            ],
        }


class PathStep(BaseModel):
    """One move along a path: who played what in which round."""

    model_config = _OUTPUT

    round: int
    player: str
    action: str


class SimulationOutcome(BaseModel):
    """One sampled path and its 12-month outcome (changes against the status quo)."""

    model_config = _OUTPUT

    path: list[PathStep]
    path_probability: float
    market_share_change: float
    revenue_change: float
    profit_change: float
    brand_perception_change: float
    expected_profit_change: float


class OutcomeDistribution(BaseModel):
    """Sample statistics of one outcome."""

    model_config = _OUTPUT

    mean: float
    std: float
    p10: float
    p50: float
    p90: float
    min: float
    max: float


class Histogram(BaseModel):
    """Counts of samples between consecutive edges."""

    model_config = _OUTPUT

    edges: list[float]
    counts: list[int]


class StrategicRecommendation(BaseModel):
    """One candidate move, compared by expected profit and downside risk.

    `confidence` is the probability, from the sampling error, that this candidate really
    ranks above the next one (the last one: below the one before it).
    """

    model_config = _OUTPUT

    rank: int
    move: str
    round: int
    recommended: bool
    samples: int
    expected_profit_impact: float
    standard_error: float
    probability_of_loss: float
    cvar_10: float
    expected_market_share_change: float
    risk_level: RiskLevel
    confidence: float
    rationale: str


class SimulationSummary(BaseModel):
    """Flat summary, one ClickHouse row (`sim_wargame_results`) per simulation run."""

    model_config = _OUTPUT

    scenario_name: str
    our_company: str
    action_type: str
    depth: int
    simulations: int
    seed: int
    shocks: bool
    node_count: int
    path_count: int
    expected_profit_impact: float
    expected_profit_impact_se: float
    exact_expected_profit_impact: float
    probability_of_loss: float
    cvar_10: float
    market_share_change_mean: float
    market_share_change_std: float
    market_share_change_p10: float
    market_share_change_p50: float
    market_share_change_p90: float
    revenue_change_mean: float
    revenue_change_std: float
    revenue_change_p10: float
    revenue_change_p50: float
    revenue_change_p90: float
    profit_change_mean: float
    profit_change_std: float
    profit_change_p10: float
    profit_change_p50: float
    profit_change_p90: float
    brand_perception_change_mean: float
    brand_perception_change_std: float
    brand_perception_change_p10: float
    brand_perception_change_p50: float
    brand_perception_change_p90: float
    recommended_move: str
    recommended_risk_level: RiskLevel
    recommended_confidence: float


class SimulationResult(BaseModel):
    """Everything a run produces. `config.seed` is the seed actually used."""

    model_config = _OUTPUT

    scenario: Scenario
    config: SimulationConfig
    summary: SimulationSummary
    distributions: dict[str, OutcomeDistribution]
    profit_histogram: Histogram
    best_path: SimulationOutcome
    worst_path: SimulationOutcome
    most_likely_path: SimulationOutcome
    recommendations: list[StrategicRecommendation]
    response_probabilities: dict[str, list[CompetitorResponse]]
    observed_moves_used: int
    predictor_used: bool

    @property
    def expected_profit_impact(self) -> float:
        """Monte Carlo mean of the 12-month profit change."""
        return self.summary.expected_profit_impact

    @property
    def probability_of_loss(self) -> float:
        """Share of samples whose profit change is negative."""
        return self.summary.probability_of_loss

    @property
    def cvar_10(self) -> float:
        """Mean profit change over the worst 10% of samples."""
        return self.summary.cvar_10
