"""The 12-month market model: what a sequence of moves does to our share, revenue, profit
and brand, and the random shocks around it.

Each path's shock-free trajectory is computed month by month, vectorized over all paths
(`path_payoffs`). Shocks enter as a few per-sample scalars whose effect is linear in
per-path coefficients, so a Monte Carlo sample costs a handful of array gathers
(`draw_shocks`, `sample_outcomes`). Equations and defaults: docs/wargaming.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from simulations.models import ActionType, Assumptions, Scenario
from simulations.responses import profile_intensity

A = ActionType
ACTION_CODES: Final[dict[ActionType, int]] = {a: i for i, a in enumerate(ActionType)}
NONE_CODE: Final = len(ActionType)  # "no_response" for a competitor, "hold" for us
CODE_COUNT: Final = NONE_CODE + 1


@dataclass(frozen=True)
class ActionEffect:
    """What a move does at full effect, for a typical move (intensity 1)."""

    price_change: float  # fractional change of the mover's price
    share_impulse: float  # gain in log-attraction, before brand weighting
    brand: float  # mover's brand perception change (0–1 scale), besides price cuts
    cost_share: float  # our cost, as a share of our baseline annual revenue
    ramp_months: int  # months from start to full effect
    demand: float  # log change of total market demand (category growth)


ACTION_EFFECTS: Final[dict[ActionType, ActionEffect]] = {
    # A counter price cut by us is 5%; a competitor's cut matches our latest cut (or 8%).
    A.PRICE_CUT: ActionEffect(-0.05, 0.0, 0.0, 0.0, 1, 0.0),
    A.PRICE_INCREASE: ActionEffect(0.05, 0.0, 0.0, 0.0, 1, 0.0),
    A.PRODUCT_LAUNCH: ActionEffect(0.0, 0.12, 0.03, 0.03, 3, 0.01),
    A.MARKET_ENTRY: ActionEffect(0.0, 0.10, 0.01, 0.04, 4, 0.02),
    A.MARKET_EXIT: ActionEffect(0.0, -0.40, -0.03, -0.01, 2, 0.0),
    A.PARTNERSHIP: ActionEffect(0.0, 0.06, 0.01, 0.01, 3, 0.0),
    A.ACQUISITION: ActionEffect(0.0, 0.15, 0.0, 0.08, 6, 0.0),
    A.MARKETING_CAMPAIGN: ActionEffect(0.0, 0.08, 0.03, 0.02, 1, 0.005),
    A.CAPACITY_EXPANSION: ActionEffect(-0.03, 0.10, 0.0, 0.04, 6, 0.0),
    A.R_AND_D_INVESTMENT: ActionEffect(0.0, 0.05, 0.02, 0.03, 6, 0.0),
}
NO_EFFECT: Final = ActionEffect(0.0, 0.0, 0.0, 0.0, 1, 0.0)

DEFAULT_RIVAL_PRICE_CUT: Final = 0.08  # a competitor's cut when we did not cut
PRICE_CUT_MARGIN_FLOOR: Final = 0.8  # a competitor cuts at most 80% of its margin
BRAND_PER_PRICE_CUT: Final = 0.15  # brand points lost per unit of price cut (15% → 0.0225)
RIVAL_BRAND_SPILLOVER: Final = 0.25  # share of a rival's brand gain that we lose
MARKETING_SPEND_REFERENCE: Final = 50.0  # spend_change_pct giving the table's impulse
SEGMENT_PRICE: Final = {"budget": -0.04, "mainstream": 0.0, "premium": 0.04}
SEGMENT_BRAND: Final = {"budget": -0.01, "mainstream": 0.0, "premium": 0.02}


def effect_of(code: int) -> ActionEffect:
    """The table effect of action code `code` (NONE_CODE: no effect)."""
    return NO_EFFECT if code == NONE_CODE else ACTION_EFFECTS[list(ActionType)[code]]


def _table(field: str) -> np.ndarray:
    return np.array([getattr(effect_of(c), field) for c in range(CODE_COUNT)], dtype=np.float64)


PRICE_CHANGE, SHARE_IMPULSE, BRAND, COST_SHARE, RAMP_MONTHS, DEMAND = (
    _table(f)
    for f in ("price_change", "share_impulse", "brand", "cost_share", "ramp_months", "demand")
)


@dataclass(frozen=True)
class OpeningEffect:
    """Our opening move, resolved from its typed parameters."""

    price_change: float
    share_impulse: float
    brand: float
    cost: float  # currency, whole move
    ramp_months: int
    demand: float


def baseline_revenue(scenario: Scenario) -> float:
    """Our annual revenue today: our share of the market."""
    return scenario.market.market_size * scenario.market.shares[scenario.our_company]


def opening_effect(scenario: Scenario) -> OpeningEffect:
    """Effect of the scenario's opening move, from its parameters and the table."""
    action = scenario.action
    table = ACTION_EFFECTS[action.type]
    scale = action.intensity
    if action.type is A.MARKETING_CAMPAIGN and action.spend_change_pct is not None:
        scale *= action.spend_change_pct / MARKETING_SPEND_REFERENCE
    segment = action.segment or "mainstream"
    if action.price_change_pct is not None:
        price_change = action.price_change_pct / 100.0
    elif action.type in (A.PRODUCT_LAUNCH, A.MARKET_ENTRY):
        price_change = SEGMENT_PRICE[segment]
    else:
        price_change = table.price_change * action.intensity
    brand = table.brand * scale + BRAND_PER_PRICE_CUT * min(price_change, 0.0)
    if action.type in (A.PRODUCT_LAUNCH, A.MARKET_ENTRY):
        brand += SEGMENT_BRAND[segment]
    if action.budget is None and action.expected_cost is None:
        cost = table.cost_share * scale * baseline_revenue(scenario)
    else:
        cost = (action.budget or 0.0) + (action.expected_cost or 0.0)
    return OpeningEffect(
        price_change=price_change,
        share_impulse=table.share_impulse * scale,
        brand=brand,
        cost=cost,
        ramp_months=action.timeline_months,
        demand=table.demand * scale,
    )


@dataclass(frozen=True)
class PathPayoffs:
    """Shock-free 12-month figures of every path (arrays over paths), and the coefficients
    that carry the share shock. Revenue and profit are horizon totals in currency."""

    revenue: np.ndarray  # Σ_t V_t s_t p_t
    gross_profit: np.ndarray  # Σ_t V_t s_t (p_t − c)
    revenue_share_slope: np.ndarray  # Σ_t V_t s_t p_t t/H: revenue per unit share shock
    profit_share_slope: np.ndarray  # Σ_t V_t s_t (p_t − c) t/H
    end_share: np.ndarray  # our share in the last month
    cost: np.ndarray  # our moves' costs inside the horizon
    brand: np.ndarray  # our brand perception change
    baseline_share: float
    baseline_revenue: float  # status quo over the horizon
    baseline_profit: float

    @property
    def profit_change(self) -> np.ndarray:
        """Shock-free profit change per path; also its expectation under shocks."""
        return self.gross_profit - self.baseline_profit - self.cost

    def expected(self) -> dict[str, np.ndarray]:
        """Shock-free outcomes per path, which are also their expectations under shocks
        (every shock has mean 1 or 0 and they are independent)."""
        return {
            "market_share_change": self.end_share - self.baseline_share,
            "revenue_change": self.revenue - self.baseline_revenue,
            "profit_change": self.profit_change,
            "brand_perception_change": self.brand,
        }


def _ramp(months: np.ndarray, start: float, ramp_months: np.ndarray | float) -> np.ndarray:
    # A move started after `start` months reaches full effect `ramp_months` later, linearly.
    return np.clip((months - start) / ramp_months, 0.0, 1.0)


def path_payoffs(
    scenario: Scenario,
    ply_players: Sequence[int],
    ply_rounds: Sequence[int],
    leaf_actions: np.ndarray,
    chunk: int = 16_384,
) -> PathPayoffs:
    """Shock-free payoffs of every path.

    `leaf_actions[path, ply]` holds action codes (NONE_CODE for no move); ply 0 is our
    opening move; `ply_players[ply]` is 0 for us or k for the k-th competitor, and
    `ply_rounds[ply]` the round (round r starts (r − 1) × response_lag_months in).
    Paths are processed `chunk` at a time so memory stays bounded.
    """
    market, assume = scenario.market, scenario.assumptions
    companies = scenario.companies
    horizon = assume.horizon_months
    shares0 = np.array([market.shares[c] for c in companies])
    our_margin = market.margins[scenario.our_company]
    base_rev = baseline_revenue(scenario) * horizon / 12.0
    n = leaf_actions.shape[0]
    parts = [
        _payoff_chunk(scenario, ply_players, ply_rounds, leaf_actions[i : i + chunk])
        for i in range(0, n, chunk)
    ]
    fields = [np.concatenate([p[i] for p in parts]) for i in range(7)]
    return PathPayoffs(
        *fields,
        baseline_share=float(shares0[0]),
        baseline_revenue=base_rev,
        baseline_profit=base_rev * our_margin,
    )


def _payoff_chunk(
    scenario: Scenario,
    ply_players: Sequence[int],
    ply_rounds: Sequence[int],
    actions: np.ndarray,
) -> tuple[np.ndarray, ...]:
    market, assume = scenario.market, scenario.assumptions
    companies = scenario.companies
    horizon, lag = assume.horizon_months, assume.response_lag_months
    n_paths, n_companies = actions.shape[0], len(companies)
    months = np.arange(1, horizon + 1, dtype=np.float64)
    shares0 = np.array([market.shares[c] for c in companies])
    brands0 = np.array([market.brand_strength[c] for c in companies])
    margins = np.array([market.margins[c] for c in companies])
    intensity = np.array([1.0, *(profile_intensity(p) for p in scenario.competitors)])
    our_revenue = baseline_revenue(scenario)
    opening = opening_effect(scenario)
    price_cut = ACTION_CODES[A.PRICE_CUT]

    log_price = np.zeros((n_paths, n_companies, horizon))
    impulse = np.zeros((n_paths, n_companies, horizon))
    log_demand = np.zeros((n_paths, horizon))
    cost = np.zeros(n_paths)
    brand = np.zeros(n_paths)
    # Depth of our latest price cut per path (0: our latest move was not a cut); a
    # competitor's price cut matches it.
    opening_cut = -opening.price_change if scenario.action.type is A.PRICE_CUT else 0.0
    our_cut = np.full(n_paths, opening_cut)

    for ply, (player, rnd) in enumerate(zip(ply_players, ply_rounds, strict=True)):
        start = (rnd - 1) * lag
        codes = actions[:, ply]
        if ply == 0:
            ramp = _ramp(months, start, opening.ramp_months)[None, :]
            log_price[:, 0] += np.log1p(opening.price_change * ramp)
            impulse[:, 0] += opening.share_impulse * ramp
            log_demand += opening.demand * ramp
            cost += opening.cost * ramp[0, -1]
            brand += opening.brand * ramp[0, -1]
            continue
        ramp = _ramp(months[None, :], start, RAMP_MONTHS[codes][:, None])
        end_ramp = ramp[:, -1]
        if player == 0:
            price_change = PRICE_CHANGE[codes]
            log_price[:, 0] += np.log1p(price_change[:, None] * ramp)
            impulse[:, 0] += SHARE_IMPULSE[codes][:, None] * ramp
            log_demand += DEMAND[codes][:, None] * ramp
            cost += COST_SHARE[codes] * our_revenue * end_ramp
            brand += (BRAND[codes] + BRAND_PER_PRICE_CUT * np.minimum(price_change, 0.0)) * end_ramp
            our_cut = np.where(codes == price_cut, -price_change, 0.0)
            continue
        k = player
        strength = intensity[k]
        matched = np.where(our_cut > 0, our_cut, DEFAULT_RIVAL_PRICE_CUT) * strength
        cut = np.minimum(matched, PRICE_CUT_MARGIN_FLOOR * margins[k])
        price_change = np.where(codes == price_cut, -cut, PRICE_CHANGE[codes] * strength)
        log_price[:, k] += np.log1p(price_change[:, None] * ramp)
        impulse[:, k] += (SHARE_IMPULSE[codes] * strength)[:, None] * ramp
        log_demand += (DEMAND[codes] * strength)[:, None] * ramp
        brand -= RIVAL_BRAND_SPILLOVER * np.maximum(BRAND[codes], 0.0) * strength * end_ramp

    others = market.others_share
    price = np.exp(log_price)
    # Market volume: baseline-share-weighted price index to the power of the elasticity.
    price_index = np.einsum("c,pct->pt", shares0, price) + others
    volume = market.market_size / 12.0 * price_index**market.price_elasticity * np.exp(log_demand)
    # Attraction shares: each company's baseline share scaled by its price and impulses,
    # weighted by its brand strength; "others" keep their baseline attraction.
    weight = (0.5 + brands0)[None, :, None]
    eta = assume.share_price_sensitivity
    attraction = shares0[None, :, None] * np.exp(weight * (impulse - eta * log_price))
    our_share = attraction[:, 0] / (attraction.sum(axis=1) + others)
    our_price = price[:, 0]
    unit_cost = 1.0 - margins[0]
    ramp_share = months / horizon
    sold = volume * our_share
    revenue_t = sold * our_price
    profit_t = sold * (our_price - unit_cost)
    return (
        revenue_t.sum(axis=1),
        profit_t.sum(axis=1),
        revenue_t @ ramp_share,
        profit_t @ ramp_share,
        our_share[:, -1].copy(),
        cost,
        brand,
    )


@dataclass(frozen=True)
class Shocks:
    """Per-sample random shocks: demand and cost multipliers (lognormal, mean 1), the
    relative share shock at the horizon and the brand shock (normal, mean 0)."""

    demand: np.ndarray
    share: np.ndarray
    cost: np.ndarray
    brand: np.ndarray


def draw_shocks(rng: np.random.Generator, n: int, assumptions: Assumptions) -> Shocks:
    """`n` independent draws of each shock, in a fixed order (demand, share, cost,
    brand) so the same generator state gives the same shocks."""
    sd_demand, sd_cost = assumptions.demand_volatility, assumptions.cost_volatility
    # μ = −σ²/2 gives the lognormal mean 1: shocks widen outcomes without moving them.
    return Shocks(
        demand=rng.lognormal(-0.5 * sd_demand**2, sd_demand, n),
        share=rng.normal(0.0, assumptions.share_volatility, n),
        cost=rng.lognormal(-0.5 * sd_cost**2, sd_cost, n),
        brand=rng.normal(0.0, assumptions.brand_volatility, n),
    )


def sample_outcomes(
    payoffs: PathPayoffs, paths: np.ndarray, shocks: Shocks | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(market_share_change, revenue_change, profit_change, brand_perception_change) of
    the sampled `paths` under `shocks` (None: shock-free).

    With demand g, share shock ξ, cost κ and brand shock β:
    share = s_H (1 + ξ) − s₀; revenue = g (R + ξ R_ξ − R₀);
    profit = g (G + ξ G_ξ − G₀) − κ C; brand = B + β.
    """
    end_share = payoffs.end_share[paths]
    revenue = payoffs.revenue[paths] - payoffs.baseline_revenue
    profit = payoffs.gross_profit[paths] - payoffs.baseline_profit
    cost = payoffs.cost[paths]
    brand = payoffs.brand[paths]
    if shocks is None:
        return end_share - payoffs.baseline_share, revenue, profit - cost, brand
    xi = shocks.share
    revenue += xi * payoffs.revenue_share_slope[paths]
    revenue *= shocks.demand
    profit += xi * payoffs.profit_share_slope[paths]
    profit *= shocks.demand
    profit -= shocks.cost * cost
    share = end_share * (1.0 + xi) - payoffs.baseline_share
    return share, revenue, profit, brand + shocks.brand
