"""The game tree: shape and counts, probabilities, expected payoffs, the node limit, JSON.

Duopoly counts by hand: globex has 5 responses to our price cut (no_response, price_cut,
marketing_campaign, product_launch, partnership) and 4 to each of our other counter
candidates (hold, marketing_campaign, price_increase); we have 4 counter-moves.
  depth 1: the root                                    →   1 node,    1 path
  depth 2: + 5 responses                               →   6 nodes,   5 paths
  depth 3: + 5 × 4 counter-moves                       →  26 nodes,  20 paths
  depth 4: + 5 × (4 + 5 + 4 + 4) second responses      → 111 nodes,  85 paths
  depth 5: + 85 × 4 second counter-moves               → 451 nodes, 340 paths
"""

from __future__ import annotations

import json
import math
from collections import defaultdict

import pytest

from simulations import GameTree, Scenario, SimulationConfig, SimulationError, build_game_tree
from simulations.monte_carlo import run_tree
from tests.simulations.conftest import duopoly


@pytest.mark.parametrize(
    ("depth", "nodes", "paths"), [(1, 1, 1), (2, 6, 5), (3, 26, 20), (4, 111, 85), (5, 451, 340)]
)
def test_node_and_path_counts(depth: int, nodes: int, paths: int) -> None:
    tree = build_game_tree(duopoly(), depth=depth)
    assert (tree.node_count, tree.path_count) == (nodes, paths)
    assert len(tree.nodes) == nodes


def children_by_parent(tree: GameTree) -> dict[int, list]:
    children = defaultdict(list)
    for node in tree.nodes:
        if node.parent is not None:
            children[node.parent].append(node)
    return children


@pytest.mark.parametrize("depth", [2, 3, 4, 5])
def test_children_probabilities_sum_to_one_at_every_node(depth: int, three_firms) -> None:
    for scenario in (duopoly(aggressiveness=0.8), three_firms):
        tree = build_game_tree(scenario, depth=depth)
        children = children_by_parent(tree)
        leaves = [n for n in tree.nodes if n.id not in children]
        assert len(leaves) == tree.path_count
        for parent, kids in children.items():
            assert math.fsum(k.probability for k in kids) == pytest.approx(1.0, abs=1e-12), parent
        assert math.fsum(n.cumulative_probability for n in leaves) == pytest.approx(1.0)


def test_cumulative_probability_is_the_product_along_the_path(three_firms) -> None:
    tree = build_game_tree(three_firms, depth=4)
    by_id = {n.id: n for n in tree.nodes}
    for node in tree.nodes[:: max(1, len(tree.nodes) // 200)]:
        product, walker = 1.0, node
        while walker is not None:
            product *= walker.probability
            walker = by_id.get(walker.parent) if walker.parent is not None else None
        assert node.cumulative_probability == pytest.approx(product, rel=1e-12)


def test_expected_payoff_is_the_probability_weighted_mean_of_children(three_firms) -> None:
    tree = build_game_tree(three_firms, depth=3)
    for parent, kids in children_by_parent(tree).items():
        expected = math.fsum(k.probability * k.expected_payoff for k in kids)
        assert tree.nodes[parent].expected_payoff == pytest.approx(expected, rel=1e-9)
    # The root equals the exact expectation over paths.
    compiled, payoffs = run_tree(three_firms, SimulationConfig(depth=3))
    exact = math.fsum(compiled.leaf_probability * payoffs.profit_change)
    assert tree.expected_payoff == pytest.approx(exact, rel=1e-9)
    assert tree.nodes[0].expected_payoff == tree.expected_payoff


def test_levels_follow_the_rounds(three_firms: Scenario) -> None:
    tree = build_game_tree(three_firms, depth=4)
    first = {}
    for node in tree.nodes:
        first.setdefault(node.level, (node.round, node.player))
    # our move; each competitor's response; our counter-move; each competitor again
    assert [first[level] for level in sorted(first)] == [
        (1, "acme"), (2, "globex"), (2, "initech"), (3, "acme"), (4, "globex"), (4, "initech"),
    ]  # fmt: skip
    counters = [n for n in tree.nodes if n.round == 3]
    assert {n.action for n in counters} == {"hold", "price_cut", "marketing_campaign",
                                            "price_increase"}  # fmt: skip
    assert {n.probability for n in counters} == {0.25}
    assert {n.action for n in tree.nodes if n.round == 2} >= {"no_response", "price_cut"}


def test_node_limit_error_says_how_many_and_what_to_do() -> None:
    with pytest.raises(SimulationError) as info:
        build_game_tree(duopoly(), depth=5, node_limit=450)
    message = str(info.value)
    assert "would need 451 nodes" in message
    assert "node limit of 450" in message
    for hint in ("fewer competitors", "smaller depth", "raise node_limit"):
        assert hint in message
    assert build_game_tree(duopoly(), depth=5, node_limit=451).node_count == 451


def test_to_json_is_json_able_for_visualisation() -> None:
    data = build_game_tree(duopoly(), depth=3).to_json()
    assert json.loads(json.dumps(data)) == data
    assert (data["node_count"], data["path_count"]) == (26, 20)
    root = data["nodes"][0]
    assert root == {
        "id": 0, "parent": None, "round": 1, "level": 0, "player": "acme",
        "action": "price_cut", "probability": 1.0, "cumulative_probability": 1.0,
        "expected_payoff": data["expected_payoff"],
    }  # fmt: skip
    assert {n["parent"] for n in data["nodes"][1:6]} == {0}


def test_single_response_gives_a_single_path() -> None:
    scenario = duopoly(
        competitors=[
            {"name": "globex", "response_probabilities": {"price_cut": {"price_cut": 1.0}}}
        ],
        counter_moves=["hold"],
    )
    tree = build_game_tree(scenario, depth=3)
    assert (tree.node_count, tree.path_count) == (3, 1)
    assert [n.action for n in tree.nodes] == ["price_cut", "price_cut", "hold"]
    assert [n.cumulative_probability for n in tree.nodes] == [1.0, 1.0, 1.0]


def test_depth_outside_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"depth must be between 1 and 5 \(got 6\)"):
        build_game_tree(duopoly(), depth=6)
