"""Vectorized Monte Carlo over the game tree, and `simulate`, the engine's entry point.

A sample is a whole path: its leaf is drawn with the path's probability (inverse CDF over
the leaves' cumulative probabilities, which gives every level's responses their
conditional probabilities), then the market shocks are drawn and applied to that
path's precomputed payoff coefficients. Samples are drawn `chunk_size` at a time from
one seeded numpy Generator, so memory stays bounded and the same seed gives the same
result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulations.market import PathPayoffs, draw_shocks, path_payoffs, sample_outcomes
from simulations.models import (
    Assumptions,
    ObservedMove,
    Scenario,
    SimulationConfig,
    SimulationResult,
)
from simulations.responses import ResponseModel, ResponsePredictor
from simulations.results import summarize
from simulations.tree import CompiledTree, compile_tree


@dataclass(frozen=True)
class Samples:
    """Per-sample path index and outcomes (changes against the status quo)."""

    paths: np.ndarray
    market_share_change: np.ndarray
    revenue_change: np.ndarray
    profit_change: np.ndarray
    brand_perception_change: np.ndarray


def sample_paths(
    leaf_probability: np.ndarray,
    payoffs: PathPayoffs,
    assumptions: Assumptions,
    n: int,
    rng: np.random.Generator,
    shocks: bool = True,
    chunk_size: int = 131_072,
) -> Samples:
    """Draw `n` paths with their probabilities and their outcomes under random shocks
    (or shock-free with `shocks=False`), `chunk_size` samples at a time.

    Per chunk the generator draws the uniforms that pick the paths, then the shocks
    (`draw_shocks`); output arrays are preallocated, so peak memory is the outputs
    (5 arrays of `n`) plus a few chunk-sized temporaries.
    """
    cdf = np.cumsum(leaf_probability)
    cdf /= cdf[-1]  # guard against rounding: the last path must catch u close to 1
    paths = np.empty(n, dtype=np.int64)
    outputs = [np.empty(n) for _ in range(4)]
    last = len(cdf) - 1
    for lo in range(0, n, chunk_size):
        hi = min(n, lo + chunk_size)
        chosen = np.searchsorted(cdf, rng.random(hi - lo), side="right")
        np.minimum(chosen, last, out=chosen)
        draws = draw_shocks(rng, hi - lo, assumptions) if shocks else None
        paths[lo:hi] = chosen
        for out, values in zip(outputs, sample_outcomes(payoffs, chosen, draws), strict=True):
            out[lo:hi] = values
    return Samples(paths, *outputs)


def run_tree(
    scenario: Scenario,
    config: SimulationConfig,
    history: Sequence[ObservedMove] = (),
    predictor: ResponsePredictor | None = None,
) -> tuple[CompiledTree, PathPayoffs]:
    """The compiled tree and every path's payoffs: the deterministic part of a run."""
    responses = ResponseModel(scenario, history, predictor)
    tree = compile_tree(scenario, config.depth, responses, config.node_limit)
    payoffs = path_payoffs(scenario, tree.ply_players, tree.ply_rounds, tree.leaf_actions)
    return tree, payoffs


def simulate(
    scenario: Scenario,
    config: SimulationConfig | None = None,
    history: Sequence[ObservedMove] = (),
    predictor: ResponsePredictor | None = None,
) -> SimulationResult:
    """Run the wargame: build the tree, sample `config.simulations` paths with shocks and
    summarize them (distributions, risk, best/worst paths, recommendations).

    `history` rows of the competitor_moves table update the response probabilities;
    `predictor` (optional) adds candidate responses. Raises SimulationError when the tree
    is over `config.node_limit`.
    """
    config = config or SimulationConfig()
    if config.seed is None:
        # Record a fresh seed so the run can be reproduced from its result.
        seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
        config = config.model_copy(update={"seed": seed})
    tree, payoffs = run_tree(scenario, config, history, predictor)
    rng = np.random.default_rng(config.seed)
    samples = sample_paths(
        tree.leaf_probability,
        payoffs,
        scenario.assumptions,
        config.simulations,
        rng,
        shocks=config.shocks,
        chunk_size=config.chunk_size,
    )
    return summarize(tree, payoffs, samples, config, predictor_used=predictor is not None)
