"""Validation of the wargame's input models: each bad input fails with a message naming
the field and the value."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from simulations import (
    CompetitorProfile,
    CompetitorResponse,
    MarketContext,
    ObservedMove,
    Scenario,
    SimulationConfig,
    SimulationError,
    StrategicAction,
)
from tests.simulations.conftest import DUOPOLY_MARKET, duopoly


@pytest.mark.parametrize(("depth", "ok"), [(0, False), (1, True), (5, True), (6, False)])
def test_depth_between_1_and_5(depth: int, ok: bool) -> None:
    if ok:
        assert SimulationConfig(depth=depth).depth == depth
        return
    with pytest.raises(ValidationError, match=rf"depth must be between 1 and 5 \(got {depth}\)"):
        SimulationConfig(depth=depth)


@pytest.mark.parametrize(
    ("simulations", "shown"), [(99, "99"), (1_000_001, "1,000,001"), (-5, "-5")]
)
def test_simulations_between_100_and_a_million(simulations: int, shown: str) -> None:
    with pytest.raises(ValidationError) as info:
        SimulationConfig(simulations=simulations)
    assert f"simulations must be between 100 and 1,000,000 (got {shown})" in str(info.value)


def test_simulations_bounds_are_inclusive() -> None:
    assert SimulationConfig(simulations=100).simulations == 100
    assert SimulationConfig(simulations=1_000_000).simulations == 1_000_000


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_probabilities_in_unit_interval(value: float) -> None:
    with pytest.raises(ValidationError) as info:
        CompetitorResponse(
            competitor="globex", trigger="price_cut", action="price_cut",
            probability=value, intensity=1.0,
        )  # fmt: skip
    assert "probability must be in [0, 1]" in str(info.value)
    assert repr(value) in str(info.value)


def test_explicit_response_probabilities_in_unit_interval_and_sum_to_one() -> None:
    with pytest.raises(ValidationError) as info:
        CompetitorProfile(
            name="globex",
            response_probabilities={"price_cut": {"price_cut": 1.2, "no_response": -0.2}},
        )
    assert "response_probabilities[price_cut][price_cut] must be in [0, 1] (got 1.2)" in str(
        info.value
    )
    with pytest.raises(ValidationError, match=r"response_probabilities\[hold\] sums to 0.9"):
        CompetitorProfile(name="globex", response_probabilities={"hold": {"no_response": 0.9}})


@pytest.mark.parametrize("field", ["aggressiveness", "financial_capacity"])
def test_profile_traits_in_unit_interval(field: str) -> None:
    with pytest.raises(ValidationError, match=rf"{field} must be in \[0, 1\] \(got 1.3\)"):
        CompetitorProfile(name="globex", **{field: 1.3})


def test_unknown_competitor_in_profile() -> None:
    with pytest.raises(ValidationError) as info:
        duopoly(
            competitors=[
                CompetitorProfile(name="globex"),
                CompetitorProfile(name="hooli"),  # not in market.shares
            ]
        )
    message = str(info.value)
    assert "unknown competitor 'hooli'" in message
    assert "market.shares" in message


def test_market_names_a_company_without_profile() -> None:
    market = {**DUOPOLY_MARKET, "shares": {"acme": 0.5, "globex": 0.3, "initech": 0.1}}
    with pytest.raises(ValidationError, match=r"market\.shares names 'initech'"):
        duopoly(market=MarketContext(**market))


@pytest.mark.parametrize("size", [-5.0, 0.0])
def test_negative_market_size(size: float) -> None:
    with pytest.raises(ValidationError) as info:
        MarketContext(**{**DUOPOLY_MARKET, "market_size": size})
    message = str(info.value)
    assert "market_size" in message
    assert f"market_size must be a positive amount (got {size})" in message


def test_shares_sum_at_most_one() -> None:
    with pytest.raises(ValidationError, match=r"shares sum to 1.2; they may sum to at most 1"):
        MarketContext(**{**DUOPOLY_MARKET, "shares": {"acme": 0.6, "globex": 0.6}})


def test_zero_share_is_refused_with_a_hint() -> None:
    with pytest.raises(ValidationError, match=r"share of 'globex' must be in \(0, 1\] \(got 0.0\)"):
        MarketContext(**{**DUOPOLY_MARKET, "shares": {"acme": 0.5, "globex": 0.0}})


def test_price_cut_needs_negative_price_change() -> None:
    with pytest.raises(ValidationError, match="a price_cut needs price_change_pct < 0"):
        StrategicAction(type="price_cut", price_change_pct=5)
    with pytest.raises(ValidationError, match="price_change_pct applies to price_cut"):
        StrategicAction(type="partnership", price_change_pct=-5)


def test_missing_margin_is_named() -> None:
    market = {**DUOPOLY_MARKET, "margins": {"acme": 0.4}}
    with pytest.raises(ValidationError, match=r"market\.margins is missing globex"):
        duopoly(market=MarketContext(**market))


def test_our_company_cannot_be_a_competitor() -> None:
    with pytest.raises(ValidationError, match="our company 'globex' is also listed"):
        duopoly(our_company="globex")


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="price_change_percent"):
        StrategicAction(type="price_cut", price_change_pct=-10, price_change_percent=-10)


def test_with_baseline_shares_returns_a_new_validated_scenario() -> None:
    scenario = duopoly()
    updated = scenario.with_baseline_shares({"acme": 0.4, "globex": 0.35})
    assert updated.market.shares == {"acme": 0.4, "globex": 0.35}
    assert updated.market.others_share == pytest.approx(0.25)
    assert scenario.market.shares == {"acme": 0.5, "globex": 0.5}  # unchanged
    assert scenario.with_baseline_shares({"globex": 0.2}).market.shares["acme"] == 0.5
    with pytest.raises(SimulationError, match="baseline shares name 'hooli', not in scenario"):
        scenario.with_baseline_shares({"hooli": 0.1})
    with pytest.raises(ValidationError, match=r"shares sum to 1\.1"):
        scenario.with_baseline_shares({"acme": 0.6})


def test_observed_move_trigger_is_optional() -> None:
    move = ObservedMove(date="2026-01-05", competitor="globex", action_type="price_cut")
    assert move.trigger is None
    assert move.date.isoformat() == "2026-01-05"


def test_scenario_round_trips_through_json() -> None:
    scenario = duopoly(counter_moves=["hold", "marketing_campaign"])
    again = Scenario.model_validate(json.loads(json.dumps(scenario.model_dump(mode="json"))))
    assert again == scenario
