"""The vectorized engine against the per-simulation Python loop of the same model
(simulations/reference.py): exactly per path, and on the expectation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulations import Scenario, SimulationConfig, get_template
from simulations.market import Shocks, sample_outcomes
from simulations.models import OUTCOMES
from simulations.monte_carlo import run_tree
from simulations.reference import reference_outcome, scenario_depth, simulate_reference
from tests.simulations.conftest import duopoly


def labels(tree, path: int) -> list[str]:
    return [step.action for step in tree.path_steps(path)]


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_every_path_agrees_without_shocks(depth: int, three_firms: Scenario) -> None:
    for scenario in (three_firms, duopoly(aggressiveness=0.9, financial_capacity=0.2)):
        tree, payoffs = run_tree(scenario, SimulationConfig(depth=depth))
        expected = payoffs.expected()
        paths = range(tree.path_count) if tree.path_count <= 600 else range(0, tree.path_count, 7)
        for path in paths:
            loop = reference_outcome(scenario, labels(tree, path))
            for name in OUTCOMES:
                assert loop[name] == pytest.approx(expected[name][path], rel=1e-9, abs=1e-6), (
                    path, name,
                )  # fmt: skip


def test_same_paths_and_shocks_give_the_same_outcomes(three_firms: Scenario) -> None:
    tree, payoffs = run_tree(three_firms, SimulationConfig(depth=4))
    rng = np.random.default_rng(9)
    n = 300
    paths = rng.integers(0, tree.path_count, n)
    shocks = Shocks(
        demand=rng.lognormal(0, 0.2, n), share=rng.normal(0, 0.1, n),
        cost=rng.lognormal(0, 0.3, n), brand=rng.normal(0, 0.02, n),
    )  # fmt: skip
    vectorized = dict(zip(OUTCOMES, sample_outcomes(payoffs, paths, shocks), strict=True))
    for i, path in enumerate(paths):
        loop = reference_outcome(
            three_firms, labels(tree, int(path)),
            float(shocks.demand[i]), float(shocks.share[i]),
            float(shocks.cost[i]), float(shocks.brand[i]),
        )  # fmt: skip
        for name in OUTCOMES:
            assert loop[name] == pytest.approx(vectorized[name][i], rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("shocks", [False, True])
def test_reference_loop_agrees_on_the_expectation(three_firms: Scenario, shocks: bool) -> None:
    config = SimulationConfig(depth=3, simulations=5_000, seed=12, shocks=shocks)
    loop = simulate_reference(three_firms, config)
    tree, payoffs = run_tree(three_firms, config)
    exact = math.fsum(tree.leaf_probability * payoffs.profit_change)
    assert len(loop.paths) == 5_000
    assert abs(loop.mean() - exact) <= 3 * loop.standard_error()


def test_reference_walks_the_same_tree() -> None:
    scenario = get_template("Partnership Play")
    config = SimulationConfig(depth=4, simulations=2_000, seed=2)
    tree, _ = run_tree(scenario, config)
    known = {tuple(labels(tree, p)) for p in range(tree.path_count)}
    assert set(simulate_reference(scenario, config).paths) <= known


def test_scenario_depth_from_path_length() -> None:
    # 2 competitors: 1 move, +2, +1, +2, +1
    assert [scenario_depth(n, 2) for n in (1, 3, 4, 6, 7)] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="do not make whole rounds"):
        scenario_depth(2, 2)
