"""The response model: priors, profile adjustments, the Bayesian update, the predictor hook.

The duopoly's globex has financial capacity 1 (no response is held back) unless a test
says otherwise, so with aggressiveness 0.5 the prior is the table's shape exactly:
responses to a price cut are no_response 3.5, price_cut 3.5, marketing_campaign 2,
product_launch 0.5, partnership 0.5 pseudo-counts (sum 10 = prior_strength).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from simulations import (
    ActionType,
    CompetitorProfile,
    ObservedMove,
    PredictedResponse,
    ResponsePredictor,
    Scenario,
    response_distribution,
)
from simulations.responses import (
    PRIOR_PSEUDO_COUNTS,
    ResponseModel,
    posterior_probabilities,
    profile_intensity,
)
from tests.simulations.conftest import duopoly


def probabilities(scenario: Scenario, trigger: str = "price_cut", **kwargs) -> dict[str, float]:
    dist = response_distribution(scenario, "globex", trigger, **kwargs)
    return {str(r.action): r.probability for r in dist}


def test_neutral_profile_gets_the_prior() -> None:
    assert probabilities(duopoly()) == pytest.approx({
        "no_response": 0.35, "price_cut": 0.35, "product_launch": 0.05,
        "partnership": 0.05, "marketing_campaign": 0.20,
    })  # fmt: skip


@pytest.mark.parametrize("trigger", [*ActionType, "hold"])
@pytest.mark.parametrize("aggressiveness", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("capacity", [0.0, 0.6, 1.0])
def test_probabilities_sum_to_one(trigger: str, aggressiveness: float, capacity: float) -> None:
    dist = response_distribution(duopoly(aggressiveness, capacity), "globex", trigger)
    assert math.fsum(r.probability for r in dist) == pytest.approx(1.0, abs=1e-12)
    assert all(0 < r.probability <= 1 for r in dist)
    assert str(dist[0].action) == "no_response"  # the prior always has it


def test_aggressive_competitors_match_price_cuts_more_often() -> None:
    # aggressiveness 0.9: aggressive responses × e^0.8 = 2.225541, no_response × e^-0.8:
    #   no_response 1.572651, price_cut 7.789394, marketing 4.451082, launch 1.112770,
    #   partnership 0.5 → P(price_cut) = 7.789394 / 15.425897 = 0.504956
    # aggressiveness 0.1, mirrored: no_response 7.789394, price_cut 1.572651,
    #   marketing 0.898658, launch 0.224664, partnership 0.5 → 1.572651 / 10.985367 = 0.143159
    aggressive = probabilities(duopoly(aggressiveness=0.9))
    passive = probabilities(duopoly(aggressiveness=0.1))
    assert aggressive["price_cut"] == pytest.approx(0.504956, abs=1e-6)
    assert passive["price_cut"] == pytest.approx(0.143159, abs=1e-6)
    assert aggressive["no_response"] < 0.35 < passive["no_response"]


def test_low_capacity_holds_back_expensive_responses() -> None:
    # capacity 0.1: each response is × e^(-4 × (cost − 0.1)): price_cut (0.35) e^-1,
    # marketing (0.4) e^-1.2, launch (0.7) e^-2.4, partnership (0.3) e^-0.8, none 1 →
    # 3.5, 1.287578, 0.602388, 0.045359, 0.224664; P(launch) = 0.045359 / 5.659989
    poor = probabilities(duopoly(financial_capacity=0.1))
    assert poor["product_launch"] == pytest.approx(0.008014, abs=1e-6)
    assert poor["no_response"] == pytest.approx(3.5 / 5.659989, abs=1e-6)
    rich = probabilities(duopoly(financial_capacity=1.0))
    assert poor["product_launch"] < rich["product_launch"]


def test_intensity_follows_the_profile() -> None:
    # 0.5 + 0.75 a + 0.25 f
    assert profile_intensity(CompetitorProfile(name="x")) == pytest.approx(1.0)
    assert profile_intensity(
        CompetitorProfile(name="x", aggressiveness=1, financial_capacity=1)
    ) == pytest.approx(1.5)
    assert profile_intensity(
        CompetitorProfile(name="x", aggressiveness=0, financial_capacity=0)
    ) == pytest.approx(0.5)


def moves(action: str, count: int, trigger: str | None = "price_cut", who: str = "globex"):
    return [
        ObservedMove(
            date=date(2025, 1, 1) + timedelta(days=i),
            competitor=who,
            action_type=action,
            trigger=trigger,
        )
        for i in range(count)
    ]


def test_observed_moves_pull_toward_observed_frequencies() -> None:
    # 6 observed price cuts and 2 campaigns after our price cuts: moves only, so
    # P(no_response) stays 3.5/10 = 0.35 and the rest, 0.65, splits as
    # (α + n): price_cut 9.5, marketing 4, launch 0.5, partnership 0.5 (sum 14.5).
    history = moves("price_cut", 6) + moves("marketing_campaign", 2)
    posterior = probabilities(duopoly(), history=history)
    assert posterior == pytest.approx({
        "no_response": 0.35, "price_cut": 0.65 * 9.5 / 14.5, "product_launch": 0.65 * 0.5 / 14.5,
        "partnership": 0.65 * 0.5 / 14.5, "marketing_campaign": 0.65 * 4 / 14.5,
    })  # fmt: skip
    # Among moves, price cuts went from the prior's 3.5/6.5 toward the observed 6/8.
    prior_share, observed_share = 3.5 / 6.5, 6 / 8
    posterior_share = posterior["price_cut"] / (1 - posterior["no_response"])
    assert prior_share < posterior_share < observed_share


def test_more_history_moves_further() -> None:
    few = probabilities(duopoly(), history=moves("price_cut", 2))["price_cut"]
    many = probabilities(duopoly(), history=moves("price_cut", 200))["price_cut"]
    assert 0.35 < few < many < 0.65  # bounded by P(a move) = 0.65


def test_history_can_add_a_response_the_prior_lacks() -> None:
    # acquisition: α 0 + 1 observed → 0.65 × 1 / (6.5 + 1)
    posterior = probabilities(duopoly(), history=moves("acquisition", 1))
    assert posterior["acquisition"] == pytest.approx(0.65 / 7.5)


def test_profile_history_with_no_responses_updates_everything() -> None:
    # full counts: no_response 3.5 + 10, price_cut 3.5 + 10, rest as the prior: sum 30
    profile = CompetitorProfile(
        name="globex",
        financial_capacity=1.0,
        historical_response_counts={"price_cut": {"no_response": 10, "price_cut": 10}},
    )
    posterior = probabilities(duopoly(competitors=[profile]))
    assert posterior["no_response"] == pytest.approx(13.5 / 30)
    assert posterior["price_cut"] == pytest.approx(13.5 / 30)
    assert posterior["marketing_campaign"] == pytest.approx(2 / 30)


def test_unprompted_moves_count_for_hold_and_other_competitors_are_ignored() -> None:
    history = moves("marketing_campaign", 4, trigger=None) + moves("price_cut", 50, who="hooli")
    model = ResponseModel(duopoly(), history)
    assert model.observed_moves_used == 4
    hold = {str(r.action): r.probability for r in model.distribution(
        duopoly().competitors[0], "hold")}  # fmt: skip
    # hold prior: none 8, marketing 0.8, price_cut 0.7, launch 0.5 (sum 10) → moves 2.0
    # of 10 keep 0.2; marketing gets 0.2 × (0.8 + 4) / (2.0 + 4)
    assert hold["no_response"] == pytest.approx(0.8)
    assert hold["marketing_campaign"] == pytest.approx(0.2 * 4.8 / 6.0)
    assert probabilities(duopoly(), history=history) == probabilities(duopoly())


def test_explicit_probabilities_replace_the_model() -> None:
    profile = CompetitorProfile(
        name="globex", response_probabilities={"price_cut": {"price_cut": 0.7, "no_response": 0.3}}
    )
    scenario = duopoly(competitors=[profile])
    assert probabilities(scenario, history=moves("marketing_campaign", 9)) == pytest.approx(
        {"no_response": 0.3, "price_cut": 0.7}
    )
    # Other triggers still use the model.
    assert "marketing_campaign" in probabilities(scenario, trigger="hold")


class CountingPredictor:
    """A stand-in for an LLM: proposes acquisitions worth 5 pseudo-counts."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def predict(
        self, scenario: Scenario, competitor: CompetitorProfile, trigger: str
    ) -> Sequence[PredictedResponse]:
        self.calls.append((competitor.name, str(trigger)))
        return [PredictedResponse(action="acquisition", weight=5, rationale="deep pockets")]


def test_predictor_adds_candidates_only_when_given() -> None:
    predictor = CountingPredictor()
    assert isinstance(predictor, ResponsePredictor)
    assert "acquisition" not in probabilities(duopoly())
    # α: prior 10 + acquisition 5 → P(acquisition) = 5/15, P(no_response) = 3.5/15
    with_llm = probabilities(duopoly(), predictor=predictor)
    assert with_llm["acquisition"] == pytest.approx(5 / 15)
    assert with_llm["no_response"] == pytest.approx(3.5 / 15)
    assert predictor.calls == [("globex", "price_cut")]


def test_posterior_is_the_dirichlet_mean_without_partial_counts() -> None:
    # Dirichlet(2, 1, 1) + full counts (0, 3, 1): mean (2, 4, 2) / 8
    posterior = posterior_probabilities(
        {"no_response": 2, "price_cut": 1, "partnership": 1},
        {"price_cut": 3, "partnership": 1},
        {},
    )
    assert posterior == pytest.approx({"no_response": 0.25, "price_cut": 0.5, "partnership": 0.25})


def test_every_trigger_has_a_prior_with_no_response() -> None:
    assert set(PRIOR_PSEUDO_COUNTS) == {*ActionType, "hold"}
    assert all("no_response" in row for row in PRIOR_PSEUDO_COUNTS.values())


def test_unknown_competitor_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown competitor 'hooli'"):
        response_distribution(duopoly(), "hooli", "price_cut")


def test_simulate_passes_history_and_predictor_through() -> None:
    from simulations import SimulationConfig, simulate

    config = SimulationConfig(depth=4, simulations=500, seed=1)
    plain = simulate(duopoly(), config)
    assert (plain.predictor_used, plain.observed_moves_used) == (False, 0)
    predictor = CountingPredictor()
    informed = simulate(
        duopoly(), config, history=moves("price_cut", 3) + moves("partnership", 2, who="hooli"),
        predictor=predictor,
    )  # fmt: skip
    assert (informed.predictor_used, informed.observed_moves_used) == (True, 3)
    # once per (competitor, trigger): our opening and each distinct counter-move
    assert sorted(predictor.calls) == sorted(
        ("globex", t) for t in ("price_cut", "hold", "marketing_campaign", "price_increase")
    )
    first = {str(r.action): r.probability for r in informed.response_probabilities["globex"]}
    assert "acquisition" in first
