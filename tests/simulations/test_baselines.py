"""Share-of-voice baselines redistribute the matched companies' combined share."""

import pytest

from simulations import get_template
from simulations.baselines import apply_baseline, baseline_shares


def test_matched_companies_split_their_combined_share_by_voice() -> None:
    scenario = get_template("Price War Response")
    # Template shares: acme 0.28, globex 0.22 → combined 0.50; voice 3:1 → 0.375 / 0.125.
    shares = baseline_shares(scenario, {"Acme": 0.6, "Globex": 0.2, "Nobody": 0.2})
    assert shares == pytest.approx({"acme": 0.375, "globex": 0.125})
    applied, source = apply_baseline(scenario, {"Acme": 0.6, "Globex": 0.2})
    assert source == "share_of_voice"
    assert applied.market.shares["acme"] == pytest.approx(0.375)
    assert applied.market.shares["initech"] == scenario.market.shares["initech"]  # unmatched
    assert sum(applied.market.shares.values()) == pytest.approx(
        sum(scenario.market.shares.values()))


def test_fewer_than_two_matches_keep_the_scenario_numbers() -> None:
    scenario = get_template("Price War Response")
    assert baseline_shares(scenario, {"Acme": 1.0}) == {}
    assert apply_baseline(scenario, {}) == (scenario, "scenario")


def test_a_silent_company_keeps_a_floor_share() -> None:
    scenario = get_template("Price War Response")
    shares = baseline_shares(scenario, {"acme": 1.0, "globex": 0.0})
    assert shares["globex"] == pytest.approx(0.005)
    assert sum(shares.values()) == pytest.approx(0.50)
