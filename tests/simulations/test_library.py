"""The scenario template library: the shipped templates, parsing errors, lookups."""

from __future__ import annotations

import pytest

from simulations import (
    SimulationConfig,
    SimulationError,
    get_template,
    library_text,
    parse_scenario_library,
    simulate,
    template_names,
    templates,
)

MINIMAL = """
scenarios:
  - name: Tiny
    our_company: acme
    action: {type: price_cut, price_change_pct: -5}
    competitors: [{name: globex}]
    market:
      market_size: 1000000
      shares: {acme: 0.5, globex: 0.5}
      margins: {acme: 0.3, globex: 0.3}
      brand_strength: {acme: 0.5, globex: 0.5}
"""


def test_shipped_templates() -> None:
    names = template_names()
    assert names[:3] == ["Price War Response", "New Product Launch", "Market Entry Defense"]
    assert {"Partnership Play", "Capacity Expansion"} <= set(names)
    price_war = get_template("Price War Response")
    assert (price_war.action.type, price_war.action.price_change_pct) == ("price_cut", -15)
    assert len(price_war.competitors) == 5  # the benchmark's depth-3, 5-competitor tree
    launch = get_template("New Product Launch")
    assert (launch.action.type, launch.action.segment) == ("product_launch", "premium")
    defense = get_template("Market Entry Defense")
    assert (defense.action.type, defense.action.spend_change_pct) == ("marketing_campaign", 50)
    for scenario in templates():
        assert scenario.competitors, scenario.name
        assert all(0 <= c.aggressiveness <= 1 for c in scenario.competitors)


@pytest.mark.parametrize("name", template_names())
def test_every_template_simulates(name: str) -> None:
    result = simulate(get_template(name), SimulationConfig(depth=3, simulations=1_000, seed=1))
    assert result.summary.scenario_name == name
    assert result.recommendations[0].recommended


def test_lookup_is_case_insensitive_and_unknown_names_list_the_choices() -> None:
    assert get_template("price war response").name == "Price War Response"
    with pytest.raises(KeyError, match="available: Price War Response, New Product Launch"):
        get_template("Hostile Takeover")


def test_parse_accepts_a_bare_list_too() -> None:
    (tiny,) = parse_scenario_library(MINIMAL)
    assert tiny.name == "Tiny"
    bare = MINIMAL.replace("scenarios:\n", "").replace("\n  ", "\n")
    assert parse_scenario_library(bare) == [tiny]
    assert len(parse_scenario_library(library_text())) == len(template_names())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scenarios: [", "scenario library is not valid YAML"),
        ("scenarios: []", "non-empty list of scenarios"),
        ("just text", "non-empty list of scenarios"),
        ("scenarios: [42]", "scenario library entry 1 must be a mapping, not int"),
        (MINIMAL.replace("market_size: 1000000", "market_size: -5"),
         "entry 1 ('Tiny'): market.market_size: market_size must be a positive amount (got -5"),
        (MINIMAL.replace("competitors: [{name: globex}]", "competitors: [{name: hooli}]"),
         "entry 1 ('Tiny'): unknown competitor 'hooli'"),
        (MINIMAL.replace("{name: globex}", "{name: globex, aggressiveness: 2}"),
         "competitors.0.aggressiveness: aggressiveness must be in [0, 1] (got 2"),
        (MINIMAL.replace("price_cut", "price_slash"), "action.type: Input should be 'price_cut'"),
        (MINIMAL + MINIMAL.replace("scenarios:\n", ""), "entry 2 ('Tiny'): repeats the name"),
    ],
)  # fmt: skip
def test_parse_errors_are_clear(text: str, message: str) -> None:
    with pytest.raises(SimulationError) as info:
        parse_scenario_library(text)
    assert message in str(info.value)
