"""Reference implementation: the same model, one simulation at a time, in plain Python.

It walks the tree by drawing each ply's move as it goes, draws the shocks, then runs the
12-month market month by month, and computes the status quo by running the same loop
with no moves. It shares only the model's definition with the vectorized engine (the
effect and prior tables, the response model, the counter-move candidates), not its
code paths, so the two cross-check each other (tests) and it is the benchmark's
straightforward baseline. Too slow for production use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simulations.market import (
    ACTION_EFFECTS,
    BRAND_PER_PRICE_CUT,
    DEFAULT_RIVAL_PRICE_CUT,
    MARKETING_SPEND_REFERENCE,
    PRICE_CUT_MARGIN_FLOOR,
    RIVAL_BRAND_SPILLOVER,
    SEGMENT_BRAND,
    SEGMENT_PRICE,
)
from simulations.models import (
    HOLD,
    NO_RESPONSE,
    OUTCOMES,
    ActionType,
    ObservedMove,
    Scenario,
    SimulationConfig,
)
from simulations.responses import ResponseModel, ResponsePredictor, profile_intensity
from simulations.tree import counter_moves_for

A = ActionType


@dataclass
class _Move:
    company: int
    start: float
    ramp_months: float
    price_change: float = 0.0
    impulse: float = 0.0
    demand: float = 0.0

    def ramp(self, month: int) -> float:
        return min(1.0, max(0.0, (month - self.start) / self.ramp_months))


def _opening(scenario: Scenario, our_revenue: float) -> tuple[_Move, float, float]:
    action = scenario.action
    effect = ACTION_EFFECTS[action.type]
    scale = action.intensity
    if action.type is A.MARKETING_CAMPAIGN and action.spend_change_pct is not None:
        scale = scale * action.spend_change_pct / MARKETING_SPEND_REFERENCE
    segment = action.segment or "mainstream"
    if action.price_change_pct is not None:
        price_change = action.price_change_pct / 100.0
    elif action.type in (A.PRODUCT_LAUNCH, A.MARKET_ENTRY):
        price_change = SEGMENT_PRICE[segment]
    else:
        price_change = effect.price_change * action.intensity
    brand = effect.brand * scale + BRAND_PER_PRICE_CUT * min(price_change, 0.0)
    if action.type in (A.PRODUCT_LAUNCH, A.MARKET_ENTRY):
        brand += SEGMENT_BRAND[segment]
    if action.budget is None and action.expected_cost is None:
        cost = effect.cost_share * scale * our_revenue
    else:
        cost = (action.budget or 0.0) + (action.expected_cost or 0.0)
    move = _Move(
        company=0,
        start=0.0,
        ramp_months=action.timeline_months,
        price_change=price_change,
        impulse=effect.share_impulse * scale,
        demand=effect.demand * scale,
    )
    return move, cost, brand


def _run_market(
    scenario: Scenario, moves: Sequence[_Move], demand_shock: float, share_shock: float
) -> tuple[float, float, float]:
    """(revenue, gross profit, last-month share) of our company over the horizon."""
    market, assume = scenario.market, scenario.assumptions
    companies = scenario.companies
    horizon = assume.horizon_months
    others = max(0.0, 1.0 - sum(market.shares.values()))
    unit_cost = 1.0 - market.margins[scenario.our_company]
    revenue = profit = share = 0.0
    for month in range(1, horizon + 1):
        prices = [1.0] * len(companies)
        impulses = [0.0] * len(companies)
        log_demand = 0.0
        for move in moves:
            r = move.ramp(month)
            prices[move.company] *= 1.0 + move.price_change * r
            impulses[move.company] += move.impulse * r
            log_demand += move.demand * r
        price_index = others + sum(
            market.shares[c] * p for c, p in zip(companies, prices, strict=True)
        )
        volume = (
            market.market_size
            / 12.0
            * price_index**market.price_elasticity
            * math.exp(log_demand)
            * demand_shock
        )
        attractions = [
            market.shares[c]
            * math.exp(
                (0.5 + market.brand_strength[c])
                * (impulses[i] - assume.share_price_sensitivity * math.log(prices[i]))
            )
            for i, c in enumerate(companies)
        ]
        share = attractions[0] / (sum(attractions) + others) * (1.0 + share_shock * month / horizon)
        revenue += volume * share * prices[0]
        profit += volume * share * (prices[0] - unit_cost)
    return revenue, profit, share


def reference_outcome(
    scenario: Scenario,
    actions: Sequence[str],
    demand: float = 1.0,
    share: float = 0.0,
    cost: float = 1.0,
    brand: float = 0.0,
) -> dict[str, float]:
    """Outcomes of one path (`actions`: one label per ply, as in a GameTree) under the
    given shocks: demand and cost multipliers, relative share shock, brand shock."""
    assume, market = scenario.assumptions, scenario.market
    horizon, lag = assume.horizon_months, assume.response_lag_months
    companies = scenario.companies
    our_revenue = market.market_size * market.shares[scenario.our_company]
    opening, move_cost, brand_change = _opening(scenario, our_revenue)
    moves = [opening]
    total_cost = move_cost * opening.ramp(horizon)
    brand_change *= opening.ramp(horizon)
    our_cut = -opening.price_change if scenario.action.type is A.PRICE_CUT else 0.0

    ply = 1
    for rnd in range(2, scenario_depth(len(actions), len(companies) - 1) + 1):
        start = (rnd - 1) * lag
        movers = range(1, len(companies)) if rnd % 2 == 0 else (0,)
        for company in movers:
            label = actions[ply]
            ply += 1
            if label in (HOLD, NO_RESPONSE):
                if company == 0:
                    our_cut = 0.0
                continue
            effect = ACTION_EFFECTS[A(label)]
            if company == 0:
                move = _Move(0, start, effect.ramp_months, effect.price_change,
                             effect.share_impulse, effect.demand)  # fmt: skip
                end = move.ramp(horizon)
                total_cost += effect.cost_share * our_revenue * end
                brand_change += (
                    effect.brand + BRAND_PER_PRICE_CUT * min(effect.price_change, 0.0)
                ) * end
                our_cut = -effect.price_change if label == A.PRICE_CUT else 0.0
            else:
                strength = profile_intensity(scenario.competitors[company - 1])
                if label == A.PRICE_CUT:
                    depth = our_cut if our_cut > 0 else DEFAULT_RIVAL_PRICE_CUT
                    floor = PRICE_CUT_MARGIN_FLOOR * market.margins[companies[company]]
                    price_change = -min(depth * strength, floor)
                else:
                    price_change = effect.price_change * strength
                move = _Move(company, start, effect.ramp_months, price_change,
                             effect.share_impulse * strength, effect.demand * strength)  # fmt: skip
                brand_change -= (
                    RIVAL_BRAND_SPILLOVER * max(effect.brand, 0.0) * strength * move.ramp(horizon)
                )
            moves.append(move)

    revenue, profit, end_share = _run_market(scenario, moves, demand, share)
    status_quo_revenue, status_quo_profit, start_share = _run_market(scenario, [], demand, 0.0)
    return {
        "market_share_change": end_share - start_share,
        "revenue_change": revenue - status_quo_revenue,
        "profit_change": profit - status_quo_profit - cost * total_cost,
        "brand_perception_change": brand_change + brand,
    }


def scenario_depth(plies: int, competitors: int) -> int:
    """Depth (rounds) of a path with `plies` moves among `competitors` competitors."""
    depth, count = 1, 1
    while count < plies:
        depth += 1
        count += competitors if depth % 2 == 0 else 1
    if count != plies:
        raise ValueError(f"{plies} moves do not make whole rounds with {competitors} competitors")
    return depth


@dataclass
class ReferenceRun:
    """Per-simulation paths and outcomes of `simulate_reference`."""

    paths: list[tuple[str, ...]] = field(default_factory=list)
    outcomes: dict[str, list[float]] = field(default_factory=lambda: {n: [] for n in OUTCOMES})

    def mean(self, outcome: str = "profit_change") -> float:
        """Sample mean of an outcome."""
        values = self.outcomes[outcome]
        return sum(values) / len(values)

    def standard_error(self, outcome: str = "profit_change") -> float:
        """Standard error of the sample mean of an outcome."""
        values = self.outcomes[outcome]
        mean = self.mean(outcome)
        variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
        return math.sqrt(variance / len(values))


def simulate_reference(
    scenario: Scenario,
    config: SimulationConfig,
    history: Sequence[ObservedMove] = (),
    predictor: ResponsePredictor | None = None,
) -> ReferenceRun:
    """`config.simulations` simulations, one at a time: draw each ply's move (competitors
    by their response probabilities, our counter-moves uniformly), draw the shocks, run
    the market loop. Has no node limit (it never builds the tree)."""
    rng = np.random.default_rng(config.seed)
    responses = ResponseModel(scenario, history, predictor)
    counters = counter_moves_for(scenario)
    assume = scenario.assumptions
    sd_demand, sd_cost = assume.demand_volatility, assume.cost_volatility
    run = ReferenceRun()
    for _ in range(config.simulations):
        actions = [scenario.action.type.value]
        last = scenario.action.type
        for rnd in range(2, config.depth + 1):
            if rnd % 2 == 1:
                last = counters[int(rng.random() * len(counters))]
                actions.append(str(last))
                continue
            for profile in scenario.competitors:
                u, chosen = rng.random(), None
                for response in responses.distribution(profile, last):
                    chosen = response.action
                    u -= response.probability
                    if u < 0:
                        break
                actions.append(str(chosen))
        if config.shocks:
            shocks = {
                "demand": rng.lognormal(-0.5 * sd_demand**2, sd_demand),
                "share": rng.normal(0.0, assume.share_volatility),
                "cost": rng.lognormal(-0.5 * sd_cost**2, sd_cost),
                "brand": rng.normal(0.0, assume.brand_volatility),
            }
        else:
            shocks = {}
        outcome = reference_outcome(scenario, actions, **shocks)
        run.paths.append(tuple(actions))
        for name in OUTCOMES:
            run.outcomes[name].append(outcome[name])
    return run
