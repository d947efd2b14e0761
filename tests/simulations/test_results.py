"""Result statistics and recommendations, on samples small enough to check by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from simulations import Scenario, SimulationConfig, SimulationSummary, simulate
from simulations.models import OUTCOMES
from simulations.monte_carlo import Samples, run_tree
from simulations.results import (
    cvar,
    describe,
    ordering_confidence,
    probability_of_loss,
    recommendations,
    risk_level,
)
from simulations.tree import move_code
from tests.simulations.conftest import duopoly


def test_cvar_is_the_mean_of_the_worst_tenth() -> None:
    ten = np.array([35, -5, 0, 5, 10, 15, 20, 25, 30, -10], dtype=float)
    assert cvar(ten) == -10.0  # ⌈0.1 × 10⌉ = 1 value
    assert cvar(ten, alpha=0.2) == -7.5  # (−10 − 5) / 2
    fifteen = np.arange(15, dtype=float)
    assert cvar(fifteen) == 0.5  # ⌈1.5⌉ = 2 values: (0 + 1) / 2


def test_probability_of_loss_counts_strictly_negative() -> None:
    assert probability_of_loss(np.array([-1.0, 0.0, 1.0, -2.0])) == 0.5


def test_describe() -> None:
    stats = describe(np.arange(1, 12, dtype=float))  # 1..11
    # p10 = 1 + 0.1 × 10, sample variance of 1..n = n(n + 1)/12 = 11
    assert (stats.mean, stats.p10, stats.p50, stats.p90) == (6.0, 2.0, 6.0, 10.0)
    assert stats.std == pytest.approx(math.sqrt(11))
    assert (stats.min, stats.max) == (1.0, 11.0)
    flat = describe(np.full(5, 0.1))
    assert (flat.mean, flat.std) == (0.1, 0.0)


@pytest.mark.parametrize(
    ("loss", "cvar_10", "level"),
    [(0.6, 0.0, "high"), (0.1, -11.0, "high"), (0.1, -2.0, "low"), (0.3, -2.0, "medium"),
     (0.1, -5.0, "medium"), (0.5, 0.0, "high"), (0.19, -2.9, "low")],
)  # fmt: skip
def test_risk_levels(loss: float, cvar_10: float, level: str) -> None:
    # relative to a status-quo profit of 100: high if P(loss) ≥ 0.5 or CVaR ≤ −10;
    # low if P(loss) < 0.2 and CVaR > −3
    assert risk_level(loss, cvar_10, 100.0) == level


def test_ordering_confidence() -> None:
    assert ordering_confidence(1.0, 1.0) == pytest.approx(0.841345, abs=1e-6)  # Φ(1)
    assert ordering_confidence(-1.0, 1.0) == pytest.approx(0.841345, abs=1e-6)
    assert ordering_confidence(2.0, 0.0) == 1.0
    assert ordering_confidence(0.0, 0.0) == 0.5


def test_recommendations_rank_counter_moves() -> None:
    tree, _ = run_tree(duopoly(), SimulationConfig(depth=3))
    counter_ply = tree.counter_ply
    assert counter_ply == 2
    profits = {
        "hold": [-4, -2, 0, 2, 4],  # mean 0, se √(10/5) = √2, P(loss) 0.4, CVaR −4
        "price_cut": [-10, -8, -6, -4, -2],  # mean −6, se √2, P(loss) 1, CVaR −10
        "marketing_campaign": [1, 3, 5, 7, 9],  # mean 5, se √2, P(loss) 0, CVaR 1
        "price_increase": [4, 5, 6, 7, 8],  # mean 6, se √(2.5/5) = √0.5, CVaR 4
    }
    paths, profit = [], []
    for move, values in profits.items():
        leaf = int(np.flatnonzero(tree.leaf_actions[:, counter_ply] == move_code(move))[0])
        paths += [leaf] * len(values)
        profit += values
    n = len(profit)
    samples = Samples(
        np.array(paths), np.full(n, 0.01), np.zeros(n), np.array(profit, dtype=float), np.zeros(n)
    )
    recs = recommendations(tree, samples, baseline_profit=100.0)
    assert [r.move for r in recs] == ["price_increase", "marketing_campaign", "hold", "price_cut"]
    assert [r.recommended for r in recs] == [True, False, False, False]
    assert [r.expected_profit_impact for r in recs] == [6.0, 5.0, 0.0, -6.0]
    assert [r.probability_of_loss for r in recs] == [0.0, 0.0, 0.4, 1.0]
    assert [r.cvar_10 for r in recs] == [4.0, 1.0, -4.0, -10.0]
    assert [r.risk_level for r in recs] == ["low", "low", "medium", "high"]
    assert recs[0].standard_error == pytest.approx(math.sqrt(0.5))
    assert recs[2].standard_error == pytest.approx(math.sqrt(2))
    # Φ(1 / √2.5), Φ(5 / 2), Φ(6 / 2), and the last against the one before: Φ(6 / 2)
    assert [r.confidence for r in recs] == pytest.approx(
        [0.736455, 0.993790, 0.998650, 0.998650], abs=1e-6
    )
    assert all(r.samples == 5 and r.round == 3 for r in recs)
    assert recs[0].expected_market_share_change == pytest.approx(0.01)
    assert "price_increase (recommended)" in recs[0].rationale


def test_below_depth_three_the_opening_is_judged_against_the_status_quo() -> None:
    result = simulate(duopoly(), SimulationConfig(depth=2, simulations=2_000, seed=1))
    (only,) = result.recommendations
    assert only.move == "price_cut" and only.round == 1
    assert only.recommended is (only.expected_profit_impact > 0)
    assert only.expected_profit_impact == result.expected_profit_impact


def test_result_is_json_with_a_flat_summary(three_firms: Scenario) -> None:
    result = simulate(three_firms, SimulationConfig(depth=3, simulations=5_000, seed=7))
    data = json.loads(json.dumps(result.model_dump(mode="json")))
    assert data["scenario"]["name"] == "three firms"
    assert data["config"] == {"depth": 3, "simulations": 5_000, "seed": 7, "shocks": True,
                              "node_limit": 100_000, "chunk_size": 131_072}  # fmt: skip
    assert set(data["distributions"]) == set(OUTCOMES)
    assert len(data["recommendations"]) == 4
    summary = data["summary"]
    assert set(summary) == set(SimulationSummary.model_fields)
    assert all(isinstance(v, str | int | float | bool) for v in summary.values())
    for name in OUTCOMES:
        for stat in ("mean", "std", "p10", "p50", "p90"):
            assert summary[f"{name}_{stat}"] == data["distributions"][name][stat]
    assert summary["scenario_name"] == "three firms"
    assert summary["recommended_move"] == data["recommendations"][0]["move"]
    assert result.probability_of_loss == summary["probability_of_loss"]
    assert result.cvar_10 <= result.distributions["profit_change"].p10


def test_best_and_worst_paths_are_the_extreme_samples(three_firms: Scenario) -> None:
    result = simulate(three_firms, SimulationConfig(depth=3, simulations=5_000, seed=7))
    profit = result.distributions["profit_change"]
    assert result.best_path.profit_change == profit.max
    assert result.worst_path.profit_change == profit.min
    assert [s.round for s in result.best_path.path] == [1, 2, 2, 3]
    assert [s.player for s in result.worst_path.path] == ["acme", "globex", "initech", "acme"]
    assert result.most_likely_path.path_probability == max(
        result.most_likely_path.path_probability, result.best_path.path_probability,
        result.worst_path.path_probability,
    )  # fmt: skip
    assert sum(result.profit_histogram.counts) == 5_000
    for competitor, responses in result.response_probabilities.items():
        assert math.fsum(r.probability for r in responses) == pytest.approx(1.0), competitor
