"""Result statistics and recommendations: from the sampled outcomes to a
`SimulationResult`.

Statistics: mean, std, p10/p50/p90 of each outcome, probability of loss, CVaR at 10%
(mean profit change over the worst 10% of samples). Recommendations compare our
candidate counter-moves (round 3) by expected profit and downside risk, with a risk
level and a confidence from the sampling error. Rules: docs/wargaming.md.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np

from simulations.market import PathPayoffs
from simulations.models import (
    OUTCOMES,
    Histogram,
    OutcomeDistribution,
    RiskLevel,
    SimulationConfig,
    SimulationOutcome,
    SimulationResult,
    SimulationSummary,
    StrategicRecommendation,
)
from simulations.tree import CompiledTree, move_code

if TYPE_CHECKING:
    from simulations.monte_carlo import Samples

CVAR_ALPHA: Final = 0.10
HISTOGRAM_BINS: Final = 20
# Risk thresholds, relative to our status-quo gross profit over the horizon.
HIGH_RISK_LOSS_PROBABILITY: Final = 0.5
HIGH_RISK_CVAR: Final = -0.10
LOW_RISK_LOSS_PROBABILITY: Final = 0.2
LOW_RISK_CVAR: Final = -0.03


def describe(values: np.ndarray) -> OutcomeDistribution:
    """Mean, sample std (ddof 1), p10/p50/p90 (linear interpolation), min and max."""
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    low, high = float(values.min()), float(values.max())
    if low == high:
        # Summation rounding would report a spread of ~1e-8 for identical values.
        return OutcomeDistribution(mean=low, std=0.0, p10=low, p50=low, p90=low, min=low, max=low)
    return OutcomeDistribution(
        mean=float(values.mean()),
        std=float(values.std(ddof=1)),
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        min=low,
        max=high,
    )


def cvar(values: np.ndarray, alpha: float = CVAR_ALPHA) -> float:
    """Conditional value at risk: the mean of the ⌈alpha·n⌉ lowest values (for profit
    change, the average outcome of the worst alpha of samples; negative = a loss)."""
    k = max(1, math.ceil(alpha * len(values)))
    return float(np.partition(values, k - 1)[:k].mean())


def probability_of_loss(profit_change: np.ndarray) -> float:
    """Share of samples with a negative profit change."""
    return float(np.count_nonzero(profit_change < 0) / len(profit_change))


def standard_error(values: np.ndarray) -> float:
    """Standard error of the sample mean."""
    return float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0


def normal_cdf(z: float) -> float:
    """Φ(z), the standard normal CDF."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def ordering_confidence(difference: float, se: float) -> float:
    """Probability, under the normal approximation of the sampling error, that a
    difference of means estimated as `difference` with standard error `se` has the
    sign it shows: Φ(|difference| / se)."""
    if se <= 0:
        return 1.0 if difference != 0 else 0.5
    return normal_cdf(abs(difference) / se)


def risk_level(loss_probability: float, cvar_10: float, baseline_profit: float) -> RiskLevel:
    """high: loss at least as likely as not, or the worst 10% lose ≥ 10% of status-quo
    profit; low: loss under 20% likely and the worst 10% lose < 3%; else medium."""
    relative_cvar = cvar_10 / baseline_profit
    if loss_probability >= HIGH_RISK_LOSS_PROBABILITY or relative_cvar <= HIGH_RISK_CVAR:
        return "high"
    if loss_probability < LOW_RISK_LOSS_PROBABILITY and relative_cvar > LOW_RISK_CVAR:
        return "low"
    return "medium"


def _money(amount: float, currency: str) -> str:
    sign = "+" if amount >= 0 else "−"
    value = abs(amount)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= threshold:
            return f"{sign}{value / threshold:.2f}{suffix} {currency}"
    return f"{sign}{value:.0f} {currency}"


def recommendations(
    tree: CompiledTree, samples: Samples, baseline_profit: float
) -> list[StrategicRecommendation]:
    """Our candidate counter-moves ranked by expected profit impact (Monte Carlo mean
    over the samples that played them), each with its downside risk and the confidence
    of its place in the ranking. Below depth 3 there is nothing to counter: the single
    recommendation judges the opening move against the status quo (impact 0)."""
    scenario = tree.scenario
    currency = scenario.market.currency
    horizon = scenario.assumptions.horizon_months
    profit = samples.profit_change
    ply = tree.counter_ply
    if ply is None:
        groups = [(scenario.action.type.value, 1, np.ones(len(profit), dtype=bool))]
    else:
        played = tree.leaf_actions[samples.paths, ply]
        groups = [(str(c), 3, played == move_code(c)) for c in tree.counter_moves]

    stats = []
    for move, rnd, mask in groups:
        chosen = profit[mask]
        n = len(chosen)
        stats.append({
            "move": move,
            "round": rnd,
            "samples": n,
            "mean": float(chosen.mean()) if n else 0.0,
            "se": standard_error(chosen),
            "loss": probability_of_loss(chosen) if n else 0.0,
            "cvar": cvar(chosen) if n else 0.0,
            "share": float(samples.market_share_change[mask].mean()) if n else 0.0,
        })  # fmt: skip
    # Unsampled candidates (possible only with very few simulations) go last.
    stats.sort(key=lambda s: (s["samples"] == 0, -s["mean"]))

    result = []
    for rank, s in enumerate(stats, start=1):
        if len(stats) == 1:
            other_mean, other_se = 0.0, 0.0  # the status quo, known exactly
        else:
            other = stats[rank] if rank < len(stats) else stats[rank - 2]
            other_mean, other_se = other["mean"], other["se"]
        confidence = (
            ordering_confidence(s["mean"] - other_mean, math.hypot(s["se"], other_se))
            if s["samples"]
            else 0.0
        )
        level = risk_level(s["loss"], s["cvar"], baseline_profit)
        recommended = rank == 1 and (len(stats) > 1 or s["mean"] > 0)
        verdict = "recommended" if recommended else "not recommended"
        rationale = (
            f"{s['move']} ({verdict}): expected profit impact {_money(s['mean'], currency)} "
            f"± {_money(1.96 * s['se'], currency)[1:]} over {horizon} months, "
            f"{s['loss']:.0%} chance of a loss, worst-10% average "
            f"{_money(s['cvar'], currency)}, share {100 * s['share']:+.2f} pts; "
            f"{level} risk, {confidence:.0%} confident in this ranking"
        )
        result.append(
            StrategicRecommendation(
                rank=rank,
                move=s["move"],
                round=s["round"],
                recommended=recommended,
                samples=s["samples"],
                expected_profit_impact=s["mean"],
                standard_error=s["se"],
                probability_of_loss=s["loss"],
                cvar_10=s["cvar"],
                expected_market_share_change=s["share"],
                risk_level=level,
                confidence=confidence,
                rationale=rationale,
            )
        )
    return result


def _outcome(
    tree: CompiledTree, payoffs: PathPayoffs, path: int, values: dict[str, float]
) -> SimulationOutcome:
    return SimulationOutcome(
        path=tree.path_steps(path),
        path_probability=float(tree.leaf_probability[path]),
        expected_profit_change=float(payoffs.profit_change[path]),
        **values,
    )


def summarize(
    tree: CompiledTree,
    payoffs: PathPayoffs,
    samples: Samples,
    config: SimulationConfig,
    predictor_used: bool = False,
) -> SimulationResult:
    """Assemble the SimulationResult of a run from its tree, payoffs and samples."""
    scenario = tree.scenario
    outcomes = {name: getattr(samples, name) for name in OUTCOMES}
    distributions = {name: describe(values) for name, values in outcomes.items()}
    profit = samples.profit_change
    expected_profit = float(profit.mean())
    profit_se = standard_error(profit)
    loss = probability_of_loss(profit)
    cvar_10 = cvar(profit)
    exact = float(tree.leaf_probability @ payoffs.profit_change)
    recs = recommendations(tree, samples, payoffs.baseline_profit)
    best = recs[0]

    def sampled(i: int) -> SimulationOutcome:
        values = {name: float(v[i]) for name, v in outcomes.items()}
        return _outcome(tree, payoffs, int(samples.paths[i]), values)

    likely = int(np.argmax(tree.leaf_probability))
    expected = {name: float(v[likely]) for name, v in payoffs.expected().items()}
    counts, edges = np.histogram(profit, bins=HISTOGRAM_BINS)
    flat = {
        f"{name}_{stat}": getattr(distributions[name], stat)
        for name in OUTCOMES
        for stat in ("mean", "std", "p10", "p50", "p90")
    }
    if config.seed is None:
        raise ValueError("summarize needs the seed the samples were drawn with")
    summary = SimulationSummary(
        scenario_name=scenario.name,
        our_company=scenario.our_company,
        action_type=scenario.action.type.value,
        depth=config.depth,
        simulations=config.simulations,
        seed=config.seed,
        shocks=config.shocks,
        node_count=tree.node_count,
        path_count=tree.path_count,
        expected_profit_impact=expected_profit,
        expected_profit_impact_se=profit_se,
        exact_expected_profit_impact=exact,
        probability_of_loss=loss,
        cvar_10=cvar_10,
        recommended_move=best.move,
        recommended_risk_level=best.risk_level,
        recommended_confidence=best.confidence,
        **flat,
    )
    opening = scenario.action.type
    return SimulationResult(
        scenario=scenario,
        config=config,
        summary=summary,
        distributions=distributions,
        profit_histogram=Histogram(edges=edges.tolist(), counts=counts.tolist()),
        best_path=sampled(int(np.argmax(profit))),
        worst_path=sampled(int(np.argmin(profit))),
        most_likely_path=_outcome(tree, payoffs, likely, expected),
        recommendations=recs,
        response_probabilities={
            p.name: tree.responses.distribution(p, opening) for p in scenario.competitors
        },
        observed_moves_used=tree.responses.observed_moves_used,
        predictor_used=predictor_used,
    )
