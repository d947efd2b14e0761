"""Competitor response model: how likely each competitor is to answer each of our moves.

For a trigger (our move) the model starts from a prior over responses (pseudo-counts,
including "no_response"), reshapes it by the competitor's profile, and updates it with
history (a Dirichlet–multinomial posterior mean). An optional predictor (e.g. an LLM
behind the `ResponsePredictor` protocol) may add candidate responses as extra
pseudo-counts; none is called unless one is passed in. Equations: docs/wargaming.md.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from simulations.models import (
    HOLD,
    NO_RESPONSE,
    ActionType,
    CompetitorProfile,
    CompetitorResponse,
    ObservedMove,
    OurMove,
    ResponseAction,
    Scenario,
)

A = ActionType

# Prior pseudo-counts of responses to each of our moves, for a neutral competitor
# (aggressiveness and financial capacity 0.5). Only the shape matters: they are rescaled
# to the scenario's prior_strength. "hold" is what competitors do when we don't move.
PRIOR_PSEUDO_COUNTS: Final[dict[OurMove, dict[ResponseAction, float]]] = {
    A.PRICE_CUT: {
        NO_RESPONSE: 3.5, A.PRICE_CUT: 3.5, A.MARKETING_CAMPAIGN: 2.0,
        A.PRODUCT_LAUNCH: 0.5, A.PARTNERSHIP: 0.5,
    },
    A.PRICE_INCREASE: {
        NO_RESPONSE: 5.0, A.PRICE_INCREASE: 3.0, A.PRICE_CUT: 1.0, A.MARKETING_CAMPAIGN: 1.0,
    },
    A.PRODUCT_LAUNCH: {
        NO_RESPONSE: 3.5, A.MARKETING_CAMPAIGN: 2.5, A.PRODUCT_LAUNCH: 2.0, A.PRICE_CUT: 1.5,
        A.R_AND_D_INVESTMENT: 0.5,
    },
    A.MARKET_ENTRY: {
        NO_RESPONSE: 3.0, A.PRICE_CUT: 3.0, A.MARKETING_CAMPAIGN: 2.5, A.PARTNERSHIP: 1.0,
        A.CAPACITY_EXPANSION: 0.5,
    },
    A.MARKET_EXIT: {
        NO_RESPONSE: 5.0, A.CAPACITY_EXPANSION: 2.0, A.MARKETING_CAMPAIGN: 1.5,
        A.PRICE_INCREASE: 1.5,
    },
    A.PARTNERSHIP: {
        NO_RESPONSE: 5.0, A.PARTNERSHIP: 2.5, A.MARKETING_CAMPAIGN: 1.5, A.ACQUISITION: 1.0,
    },
    A.ACQUISITION: {
        NO_RESPONSE: 4.5, A.PARTNERSHIP: 2.0, A.MARKETING_CAMPAIGN: 2.0, A.ACQUISITION: 1.5,
    },
    A.MARKETING_CAMPAIGN: {
        NO_RESPONSE: 4.0, A.MARKETING_CAMPAIGN: 4.0, A.PRICE_CUT: 1.5, A.PRODUCT_LAUNCH: 0.5,
    },
    A.CAPACITY_EXPANSION: {
        NO_RESPONSE: 5.0, A.PRICE_CUT: 2.0, A.CAPACITY_EXPANSION: 2.0, A.MARKETING_CAMPAIGN: 1.0,
    },
    A.R_AND_D_INVESTMENT: {
        NO_RESPONSE: 5.0, A.R_AND_D_INVESTMENT: 3.0, A.PRODUCT_LAUNCH: 1.0, A.PARTNERSHIP: 1.0,
    },
    HOLD: {
        NO_RESPONSE: 8.0, A.MARKETING_CAMPAIGN: 0.8, A.PRICE_CUT: 0.7, A.PRODUCT_LAUNCH: 0.5,
    },
}  # fmt: skip

# Responses an aggressive competitor favours and a passive one avoids.
AGGRESSIVE_RESPONSES: Final = frozenset({
    A.PRICE_CUT, A.MARKETING_CAMPAIGN, A.PRODUCT_LAUNCH, A.MARKET_ENTRY, A.ACQUISITION,
    A.CAPACITY_EXPANSION,
})  # fmt: skip
ACCOMMODATING_RESPONSES: Final = frozenset({NO_RESPONSE, A.PRICE_INCREASE, A.MARKET_EXIT})

# Financial capacity (0–1) a response needs before it stops being held back.
RESPONSE_COST_LEVEL: Final[dict[ResponseAction, float]] = {
    NO_RESPONSE: 0.0, A.PRICE_INCREASE: 0.0, A.MARKET_EXIT: 0.1, A.PARTNERSHIP: 0.3,
    A.PRICE_CUT: 0.35, A.MARKETING_CAMPAIGN: 0.4, A.R_AND_D_INVESTMENT: 0.55,
    A.MARKET_ENTRY: 0.6, A.PRODUCT_LAUNCH: 0.7, A.CAPACITY_EXPANSION: 0.75, A.ACQUISITION: 0.9,
}  # fmt: skip

AGGRESSION_GAIN: Final = 2.0  # a fully aggressive competitor: aggressive moves × e¹
CAPACITY_GAIN: Final = 4.0  # each 0.1 of missing capacity: × e^-0.4


class PredictedResponse(BaseModel):
    """A candidate response proposed by a predictor, worth `weight` pseudo-counts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: ResponseAction
    weight: float = Field(ge=0)
    rationale: str = ""


@runtime_checkable
class ResponsePredictor(Protocol):
    """Something (an LLM, an analyst's rules) that proposes candidate responses.

    Its weights are added to the prior pseudo-counts before the history update, so a
    predictor can add responses the priors don't list or reinforce some that they do.
    """

    def predict(
        self, scenario: Scenario, competitor: CompetitorProfile, trigger: OurMove
    ) -> Sequence[PredictedResponse]:
        """Candidate responses of `competitor` to our move `trigger`."""
        ...


def response_order(action: ResponseAction) -> int:
    """Stable order of responses: no_response first, then ActionType order."""
    return -1 if action == NO_RESPONSE else list(ActionType).index(ActionType(action))


def profile_intensity(profile: CompetitorProfile) -> float:
    """How hard this competitor pushes its moves: 0.5 (passive, poor) to 1.5
    (aggressive, rich); 1.0 for a neutral profile."""
    return 0.5 + 0.75 * profile.aggressiveness + 0.25 * profile.financial_capacity


def adjusted_prior(
    trigger: OurMove, profile: CompetitorProfile, prior_strength: float
) -> dict[ResponseAction, float]:
    """Prior pseudo-counts for `profile`'s responses to `trigger`, reshaped by the profile
    and rescaled to sum to `prior_strength`.

    Aggressive responses are multiplied by exp(2 (a − 0.5)) and accommodating ones (no
    response, price increase, exit) by exp(−2 (a − 0.5)); a response costing more than
    the competitor's financial capacity f is multiplied by exp(−4 max(0, cost − f)).
    """
    base = PRIOR_PSEUDO_COUNTS[trigger]
    tilt = AGGRESSION_GAIN * (profile.aggressiveness - 0.5)
    weights: dict[ResponseAction, float] = {}
    for action, count in base.items():
        factor = 1.0
        if action in AGGRESSIVE_RESPONSES:
            factor *= math.exp(tilt)
        elif action in ACCOMMODATING_RESPONSES:
            factor *= math.exp(-tilt)
        shortfall = max(0.0, RESPONSE_COST_LEVEL[action] - profile.financial_capacity)
        factor *= math.exp(-CAPACITY_GAIN * shortfall)
        weights[action] = count * factor
    total = sum(weights.values())
    return {action: prior_strength * w / total for action, w in weights.items()}


def posterior_probabilities(
    alpha: Mapping[ResponseAction, float],
    full_counts: Mapping[ResponseAction, float],
    response_counts: Mapping[ResponseAction, float],
) -> dict[ResponseAction, float]:
    """Posterior mean response probabilities under a Dirichlet prior.

    `full_counts` observe every reaction, no_response included (a profile's history).
    `response_counts` observe only moves that happened (the competitor_moves table has
    no rows for "did nothing"), so they inform which response, given there was one: by
    the Dirichlet's neutrality, P(no_response) = (α₀ + h₀) / Σ(α + h) stays as the full
    counts leave it and each response r gets (1 − P(no_response)) · (α_r + h_r + n_r) /
    Σ_{r'≠none} (α_r' + h_r' + n_r').
    """
    actions = sorted({*alpha, *full_counts, *response_counts}, key=response_order)
    post = {a: alpha.get(a, 0.0) + full_counts.get(a, 0.0) for a in actions}
    total = sum(post.values())
    if total <= 0:
        raise ValueError("no prior or observed responses to build a distribution from")
    p_none = post.get(NO_RESPONSE, 0.0) / total
    moved = {a: post[a] + response_counts.get(a, 0.0) for a in actions if a != NO_RESPONSE}
    moved_total = sum(moved.values())
    result: dict[ResponseAction, float] = {}
    if NO_RESPONSE in post:
        result[NO_RESPONSE] = p_none if moved_total > 0 else 1.0
    for action, weight in moved.items():
        result[action] = (1.0 - p_none) * weight / moved_total if moved_total > 0 else 0.0
    return result


def count_observed(
    history: Iterable[ObservedMove], competitors: Iterable[str]
) -> dict[tuple[str, OurMove], Counter[ResponseAction]]:
    """Counts of observed moves per (competitor, trigger) for the given competitors; an
    unprompted move (trigger None) counts as a reaction to us holding. Rows about other
    competitors are ignored (the table covers the whole market)."""
    wanted = set(competitors)
    counts: dict[tuple[str, OurMove], Counter[ResponseAction]] = {}
    for move in history:
        if move.competitor not in wanted:
            continue
        trigger: OurMove = move.trigger if move.trigger is not None else HOLD
        counts.setdefault((move.competitor, trigger), Counter())[move.action_type] += 1
    return counts


class ResponseModel:
    """Response distributions of a scenario's competitors, computed once per
    (competitor, trigger)."""

    def __init__(
        self,
        scenario: Scenario,
        history: Sequence[ObservedMove] = (),
        predictor: ResponsePredictor | None = None,
    ) -> None:
        self.scenario = scenario
        self.predictor = predictor
        self.observed = count_observed(history, (c.name for c in scenario.competitors))
        self.observed_moves_used = sum(sum(c.values()) for c in self.observed.values())
        self._cache: dict[tuple[str, OurMove], list[CompetitorResponse]] = {}

    def distribution(
        self, competitor: CompetitorProfile, trigger: OurMove
    ) -> list[CompetitorResponse]:
        """Responses of `competitor` to our move `trigger` with probability > 0, in
        `response_order`; their probabilities sum to 1."""
        key = (competitor.name, trigger)
        if key not in self._cache:
            self._cache[key] = self._compute(competitor, trigger)
        return self._cache[key]

    def _compute(self, profile: CompetitorProfile, trigger: OurMove) -> list[CompetitorResponse]:
        explicit = profile.response_probabilities.get(trigger)
        if explicit is not None:
            probabilities = dict(explicit)
        else:
            alpha = adjusted_prior(trigger, profile, self.scenario.assumptions.prior_strength)
            if self.predictor is not None:
                for predicted in self.predictor.predict(self.scenario, profile, trigger):
                    alpha[predicted.action] = alpha.get(predicted.action, 0.0) + predicted.weight
            probabilities = posterior_probabilities(
                alpha,
                profile.historical_response_counts.get(trigger, {}),
                self.observed.get((profile.name, trigger), {}),
            )
        total = sum(probabilities.values())
        intensity = profile_intensity(profile)
        return [
            CompetitorResponse(
                competitor=profile.name,
                trigger=trigger,
                action=action,
                probability=p / total,
                intensity=intensity,
            )
            for action, p in sorted(probabilities.items(), key=lambda kv: response_order(kv[0]))
            if p > 0
        ]


def response_distribution(
    scenario: Scenario,
    competitor: str,
    trigger: OurMove,
    history: Sequence[ObservedMove] = (),
    predictor: ResponsePredictor | None = None,
) -> list[CompetitorResponse]:
    """The response distribution of the competitor named `competitor` to our move
    `trigger` (an ActionType or "hold"). Raises KeyError for an unknown competitor."""
    profiles = {c.name: c for c in scenario.competitors}
    if competitor not in profiles:
        raise KeyError(f"unknown competitor {competitor!r}; the scenario has {', '.join(profiles)}")
    return ResponseModel(scenario, history, predictor).distribution(profiles[competitor], trigger)
