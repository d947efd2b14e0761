"""Small scenarios for the wargame tests, with numbers easy to follow by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from simulations import CompetitorProfile, MarketContext, Scenario, StrategicAction

# A duopoly of equal halves: acme and globex each hold 0.5 of a 1.2B market (monthly
# volume 100M at today's prices), margins 0.4, brand strength 0.5 (brand weight 1).
DUOPOLY_MARKET: dict[str, Any] = {
    "market_size": 1_200_000_000,
    "shares": {"acme": 0.5, "globex": 0.5},
    "margins": {"acme": 0.4, "globex": 0.4},
    "brand_strength": {"acme": 0.5, "globex": 0.5},
    "price_elasticity": -1.0,
}


def duopoly(
    aggressiveness: float = 0.5,
    financial_capacity: float = 1.0,
    price_change_pct: float = -10,
    **scenario: Any,
) -> Scenario:
    """acme cuts prices 10% against globex; financial capacity 1 leaves the priors'
    shape untouched (no response costs more than 1), aggressiveness 0.5 is neutral."""
    data: dict[str, Any] = {
        "name": "duopoly price cut",
        "our_company": "acme",
        "action": StrategicAction(type="price_cut", price_change_pct=price_change_pct),
        "competitors": [
            CompetitorProfile(
                name="globex",
                aggressiveness=aggressiveness,
                financial_capacity=financial_capacity,
            )
        ],
        "market": MarketContext(**DUOPOLY_MARKET),
    }
    data.update(scenario)
    return Scenario(**data)


@pytest.fixture
def make_duopoly() -> Callable[..., Scenario]:
    """Factory of duopoly scenarios (see `duopoly`)."""
    return duopoly


@pytest.fixture
def three_firms() -> Scenario:
    """acme (0.4) against globex (0.3, aggressive) and initech (0.2, passive); 0.1 others."""
    return Scenario(
        name="three firms",
        our_company="acme",
        action=StrategicAction(type="price_cut", price_change_pct=-12),
        competitors=[
            CompetitorProfile(name="globex", aggressiveness=0.8, financial_capacity=0.7),
            CompetitorProfile(name="initech", aggressiveness=0.2, financial_capacity=0.4),
        ],
        market=MarketContext(
            market_size=500_000_000,
            shares={"acme": 0.4, "globex": 0.3, "initech": 0.2},
            margins={"acme": 0.35, "globex": 0.3, "initech": 0.25},
            brand_strength={"acme": 0.6, "globex": 0.5, "initech": 0.4},
            price_elasticity=-1.2,
        ),
    )
