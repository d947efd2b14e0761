"""The 12-month market model, checked against figures computed by hand.

Duopoly: acme and globex hold 0.5 each of a 1.2B market (100M a month at today's prices),
margins 0.4 (unit cost 0.6 of today's price), brand strength 0.5 (brand weight 1), price
elasticity −1, share price sensitivity η = 2. Status quo: revenue 600M, gross profit 240M.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulations import SimulationConfig, StrategicAction
from simulations.market import Shocks, draw_shocks, opening_effect, sample_outcomes
from simulations.models import Assumptions
from simulations.monte_carlo import run_tree
from tests.simulations.conftest import duopoly

MONTH = 100_000_000  # market volume per month at today's prices


def expected_of(scenario, depth: int = 1) -> dict[str, float]:
    tree, payoffs = run_tree(scenario, SimulationConfig(depth=depth))
    assert tree.path_count == 1
    return {name: float(v[0]) for name, v in payoffs.expected().items()}


def test_price_cut_alone() -> None:
    # We cut 10% from month 1: our attraction 0.5 × 0.9^-2 = 0.5 / 0.81, theirs 0.5, so our
    # share is 1 / 1.81; the price index 0.5 × 0.9 + 0.5 = 0.95 lifts volume by 1 / 0.95.
    share = 1 / 1.81
    volume = 1 / 0.95
    revenue = 12 * MONTH * volume * share * 0.9
    profit = 12 * MONTH * volume * share * (0.9 - 0.6)
    outcome = expected_of(duopoly())
    assert outcome["market_share_change"] == pytest.approx(share - 0.5)  # +5.25 pts
    assert outcome["revenue_change"] == pytest.approx(revenue - 600e6)  # +28.1M
    assert outcome["profit_change"] == pytest.approx(profit - 240e6)  # −30.6M
    assert outcome["brand_perception_change"] == pytest.approx(0.15 * -0.1)  # cuts cheapen


def test_matched_price_cut_after_the_response_lag() -> None:
    # globex surely matches; its intensity is 0.5 + 0.75 × 0.5 + 0.25 × 1 = 1.125, so it
    # cuts 0.1 × 1.125 = 11.25% (under its floor 0.8 × 0.4), from month 3 (lag 2).
    scenario = duopoly(
        competitors=[
            {"name": "globex", "financial_capacity": 1.0,
             "response_probabilities": {"price_cut": {"price_cut": 1.0}}},
        ],
    )  # fmt: skip
    alone_share, alone_volume = 1 / 1.81, 1 / 0.95  # months 1–2, as above
    ours, theirs = 0.5 / 0.9**2, 0.5 / 0.8875**2  # months 3–12
    both_share, both_volume = ours / (ours + theirs), 1 / (0.5 * 0.9 + 0.5 * 0.8875)
    revenue = MONTH * 0.9 * (2 * alone_volume * alone_share + 10 * both_volume * both_share)
    profit = revenue / 0.9 * 0.3
    outcome = expected_of(scenario, depth=2)
    assert outcome["market_share_change"] == pytest.approx(both_share - 0.5)  # below 0: −0.7 pt
    assert outcome["revenue_change"] == pytest.approx(revenue - 600e6)
    assert outcome["profit_change"] == pytest.approx(profit - 240e6)


def test_shocks_enter_linearly() -> None:
    _, payoffs = run_tree(duopoly(), SimulationConfig(depth=1))
    plain = payoffs.expected()
    one = np.zeros(1, dtype=np.int64)
    shocks = Shocks(
        demand=np.array([1.1]), share=np.array([0.1]), cost=np.array([2.0]),
        brand=np.array([0.01]),
    )  # fmt: skip
    share, revenue, profit, brand = sample_outcomes(payoffs, one, shocks)
    end_share = 1 / 1.81
    # The share shock grows linearly to 10% at month 12: on a flat path the revenue gains
    # 0.1 × mean(t/12 for t in 1..12) = 0.1 × 6.5/12; demand multiplies the change.
    assert share[0] == pytest.approx(end_share * 1.1 - 0.5)
    assert revenue[0] == pytest.approx(1.1 * (payoffs.revenue[0] * (1 + 0.1 * 6.5 / 12) - 600e6))
    assert profit[0] == pytest.approx(
        1.1 * (payoffs.gross_profit[0] * (1 + 0.1 * 6.5 / 12) - 240e6)  # no move cost here
    )
    assert brand[0] == pytest.approx(plain["brand_perception_change"][0] + 0.01)
    # Shock-free sampling is the expected outcome.
    free = sample_outcomes(payoffs, one, None)
    assert [float(v[0]) for v in free] == pytest.approx([float(v[0]) for v in plain.values()])


def test_shocks_have_mean_one_or_zero() -> None:
    rng = np.random.default_rng(11)
    n = 200_000
    shocks = draw_shocks(rng, n, Assumptions(demand_volatility=0.2, cost_volatility=0.3))
    # standard errors: 0.2/√n ≈ 0.00045, 0.3/√n ≈ 0.00067 (lognormal sd ≈ σ for small σ)
    assert shocks.demand.mean() == pytest.approx(1.0, abs=0.003)
    assert shocks.cost.mean() == pytest.approx(1.0, abs=0.004)
    assert shocks.share.mean() == pytest.approx(0.0, abs=0.001)
    assert shocks.share.std() == pytest.approx(0.05, rel=0.02)
    still = draw_shocks(rng, 10, Assumptions(demand_volatility=0, share_volatility=0,
                                             cost_volatility=0, brand_volatility=0))  # fmt: skip
    assert np.all(still.demand == 1) and np.all(still.share == 0)


def test_costs_of_the_opening_move() -> None:
    scenario = duopoly()
    marketing = StrategicAction(
        type="marketing_campaign", spend_change_pct=100, budget=5e6, expected_cost=1e6
    )
    assert opening_effect(scenario.model_copy(update={"action": marketing})).cost == 6e6
    # Without amounts: 2% of our 600M revenue, × spend 100/50 = 2 → 24M
    default = StrategicAction(type="marketing_campaign", spend_change_pct=100)
    effect = opening_effect(scenario.model_copy(update={"action": default}))
    assert effect.cost == pytest.approx(24e6)
    assert effect.share_impulse == pytest.approx(0.16)


def test_only_the_part_of_a_long_move_inside_the_horizon_is_paid() -> None:
    # A 24-month programme: half of it (12 of 24 months) falls in the horizon.
    action = StrategicAction(type="r_and_d_investment", budget=10e6, timeline_months=24)
    outcome = expected_of(duopoly(action=action))
    assert outcome["brand_perception_change"] == pytest.approx(0.02 * 0.5)
    _, payoffs = run_tree(duopoly(action=action), SimulationConfig(depth=1))
    assert payoffs.cost[0] == pytest.approx(5e6)


def test_premium_launch_raises_price_and_brand() -> None:
    launch = StrategicAction(type="product_launch", segment="premium", budget=0, timeline_months=3)
    effect = opening_effect(duopoly(action=launch))
    assert effect.price_change == pytest.approx(0.04)
    assert effect.brand == pytest.approx(0.03 + 0.02)
