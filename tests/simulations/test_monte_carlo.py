"""The vectorized Monte Carlo: sampling frequencies, agreement with the exact expectation,
reproducibility, and the model's sanity property."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulations import (
    CompetitorProfile,
    Scenario,
    SimulationConfig,
    SimulationError,
    simulate,
)
from simulations.monte_carlo import Samples, run_tree, sample_paths
from tests.simulations.conftest import duopoly


def draw(scenario: Scenario, config: SimulationConfig):
    tree, payoffs = run_tree(scenario, config)
    samples = sample_paths(
        tree.leaf_probability, payoffs, scenario.assumptions, config.simulations,
        np.random.default_rng(config.seed), shocks=config.shocks, chunk_size=config.chunk_size,
    )  # fmt: skip
    return tree, payoffs, samples


def test_first_level_frequencies_match_probabilities(three_firms: Scenario) -> None:
    n = 200_000
    tree, _, samples = draw(three_firms, SimulationConfig(depth=3, simulations=n, seed=5))
    # Plies 1 and 2 are globex's and initech's responses to our price cut; ply 3 is our
    # counter-move, uniform over 4 candidates.
    for ply, profile in enumerate(three_firms.competitors, start=1):
        table = tree.response_tables[ply - 1]
        trigger = int(tree.leaf_actions[0, 0])
        played = tree.leaf_actions[samples.paths, ply]
        for j in range(int(table.counts[trigger])):
            p = float(table.probabilities[trigger, j])
            frequency = np.count_nonzero(played == table.codes[trigger, j]) / n
            assert abs(frequency - p) <= 3 * math.sqrt(p * (1 - p) / n), (profile.name, j)
    counters = tree.leaf_actions[samples.paths, 3]
    for code in np.unique(counters):
        frequency = np.count_nonzero(counters == code) / n
        assert abs(frequency - 0.25) <= 3 * math.sqrt(0.25 * 0.75 / n)


def exact_expectation(tree, payoffs) -> float:
    # Walk the tree: E = Σ_paths P(path) × payoff(path).
    return math.fsum(tree.leaf_probability * payoffs.profit_change)


@pytest.mark.parametrize("shocks", [False, True])
def test_mean_matches_the_exact_expectation(three_firms: Scenario, shocks: bool) -> None:
    config = SimulationConfig(depth=4, simulations=200_000, seed=8, shocks=shocks)
    tree, payoffs, samples = draw(three_firms, config)
    exact = exact_expectation(tree, payoffs)
    assert tree.node_expectations(payoffs.profit_change)[0] == pytest.approx(exact, rel=1e-12)
    se = samples.profit_change.std(ddof=1) / math.sqrt(config.simulations)
    assert abs(samples.profit_change.mean() - exact) <= 3 * se


def test_one_certain_path_gives_its_payoff_in_every_sample() -> None:
    certain = {"price_cut": {"price_cut": 1.0}, "hold": {"no_response": 1.0}}
    scenario = duopoly(
        competitors=[CompetitorProfile(name="globex", response_probabilities=certain)],
        counter_moves=["hold"],
    )
    config = SimulationConfig(depth=5, simulations=1_000, seed=1, shocks=False)
    tree, payoffs, samples = draw(scenario, config)
    assert tree.path_count == 1
    expected = payoffs.expected()
    for name in expected:
        assert np.all(getattr(samples, name) == expected[name][0]), name
    result = simulate(scenario, config)
    assert result.distributions["profit_change"].std == 0.0
    only = float(expected["profit_change"][0])
    assert result.summary.expected_profit_impact == pytest.approx(only)
    assert [s.action for s in result.best_path.path] == [
        "price_cut", "price_cut", "hold", "no_response", "hold",
    ]  # fmt: skip


def test_same_seed_same_result(three_firms: Scenario) -> None:
    config = SimulationConfig(depth=3, simulations=20_000, seed=42)
    first = simulate(three_firms, config).model_dump(mode="json")
    assert simulate(three_firms, config).model_dump(mode="json") == first


def test_different_seeds_differ_in_samples_not_in_expectation(three_firms: Scenario) -> None:
    runs = [
        draw(three_firms, SimulationConfig(depth=3, simulations=100_000, seed=seed))[2]
        for seed in (1, 2)
    ]
    assert not np.array_equal(runs[0].paths, runs[1].paths)
    assert not np.array_equal(runs[0].profit_change, runs[1].profit_change)
    means = [r.profit_change.mean() for r in runs]
    ses = [r.profit_change.std(ddof=1) / math.sqrt(len(r.profit_change)) for r in runs]
    assert abs(means[0] - means[1]) <= 3 * math.hypot(*ses)


def test_chunks_only_bound_memory(three_firms: Scenario) -> None:
    # Chunking changes which draws land where, not the distribution; every sample is filled.
    small = draw(three_firms, SimulationConfig(depth=3, simulations=50_000, seed=3,
                                               chunk_size=1_024))[2]  # fmt: skip
    large = draw(three_firms, SimulationConfig(depth=3, simulations=50_000, seed=3))[2]
    assert isinstance(small, Samples)
    assert np.all(np.isfinite(small.profit_change))
    se = math.hypot(*(s.profit_change.std(ddof=1) / math.sqrt(50_000) for s in (small, large)))
    assert abs(small.profit_change.mean() - large.profit_change.mean()) <= 3 * se


def test_seed_none_is_recorded_and_reproducible(three_firms: Scenario) -> None:
    result = simulate(three_firms, SimulationConfig(depth=2, simulations=1_000))
    assert result.config.seed is not None
    again = simulate(three_firms, result.config)
    assert again.model_dump() == result.model_dump()


def test_price_cut_against_aggressive_competitor_earns_less() -> None:
    # The sanity property (docs/wargaming.md): everything else equal, an aggressive
    # competitor answers a price cut with matching cuts more often and harder, so our
    # expected profit is lower — exactly (tree) and in the Monte Carlo (same seed).
    for depth in (2, 3, 4, 5):
        config = SimulationConfig(depth=depth, simulations=50_000, seed=4)
        aggressive = simulate(duopoly(aggressiveness=0.9, financial_capacity=0.7), config)
        passive = simulate(duopoly(aggressiveness=0.1, financial_capacity=0.7), config)
        assert (
            aggressive.summary.exact_expected_profit_impact
            < passive.summary.exact_expected_profit_impact
        ), depth
        assert aggressive.expected_profit_impact < passive.expected_profit_impact, depth


def test_node_limit_applies_to_simulate(three_firms: Scenario) -> None:
    with pytest.raises(SimulationError, match="more than the node limit of 100"):
        simulate(three_firms, SimulationConfig(depth=3, node_limit=100))
