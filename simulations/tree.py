"""The game tree: our move → each competitor's response → our counter-move → … to a depth.

A round of competitor responses is one level per competitor (in profile order); each
competitor answers our latest move, independently of the others. Our counter-moves are
decision nodes: the tree gives each candidate the same probability (the exploration
policy the Monte Carlo samples with), and the recommendations compare them.

The tree is built breadth-first into flat numpy arrays (`CompiledTree`), which the Monte
Carlo samples from; `build_game_tree` turns those into the pydantic `GameTree`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

import numpy as np

from simulations.market import ACTION_CODES, CODE_COUNT, NONE_CODE, path_payoffs
from simulations.models import (
    HOLD,
    NO_RESPONSE,
    ActionType,
    GameNode,
    GameTree,
    ObservedMove,
    OurMove,
    PathStep,
    Scenario,
    SimulationError,
)
from simulations.responses import ResponseModel, ResponsePredictor

A = ActionType

# Our candidate counter-moves after the competitors respond, by opening move. "hold"
# (stay the course) is always a candidate so the comparison has a do-nothing baseline.
DEFAULT_COUNTER_MOVES: Final[dict[ActionType, tuple[OurMove, ...]]] = {
    A.PRICE_CUT: (HOLD, A.PRICE_CUT, A.MARKETING_CAMPAIGN, A.PRICE_INCREASE),
    A.PRICE_INCREASE: (HOLD, A.PRICE_CUT, A.MARKETING_CAMPAIGN, A.PRODUCT_LAUNCH),
    A.PRODUCT_LAUNCH: (HOLD, A.MARKETING_CAMPAIGN, A.PRICE_CUT, A.R_AND_D_INVESTMENT),
    A.MARKET_ENTRY: (HOLD, A.MARKETING_CAMPAIGN, A.PRICE_CUT, A.PARTNERSHIP),
    A.MARKET_EXIT: (HOLD, A.MARKETING_CAMPAIGN, A.PRICE_CUT),
    A.PARTNERSHIP: (HOLD, A.MARKETING_CAMPAIGN, A.PRODUCT_LAUNCH, A.PRICE_CUT),
    A.ACQUISITION: (HOLD, A.MARKETING_CAMPAIGN, A.PRICE_CUT, A.CAPACITY_EXPANSION),
    A.MARKETING_CAMPAIGN: (HOLD, A.MARKETING_CAMPAIGN, A.PRICE_CUT, A.PRODUCT_LAUNCH),
    A.CAPACITY_EXPANSION: (HOLD, A.PRICE_CUT, A.MARKETING_CAMPAIGN, A.PARTNERSHIP),
    A.R_AND_D_INVESTMENT: (HOLD, A.PRODUCT_LAUNCH, A.MARKETING_CAMPAIGN, A.PRICE_CUT),
}
_ACTIONS: Final = list(ActionType)


def counter_moves_for(scenario: Scenario) -> tuple[OurMove, ...]:
    """The scenario's candidate counter-moves, or the default set for its opening move."""
    if scenario.counter_moves is not None:
        return tuple(scenario.counter_moves)
    return DEFAULT_COUNTER_MOVES[scenario.action.type]


def move_code(move: OurMove | str) -> int:
    """Action code of a move label (hold / no_response → NONE_CODE)."""
    return NONE_CODE if move in (HOLD, NO_RESPONSE) else ACTION_CODES[ActionType(move)]


def move_label(code: int, ours: bool) -> str:
    """Label of an action code: "hold" for our non-move, "no_response" for theirs."""
    if code == NONE_CODE:
        return HOLD if ours else NO_RESPONSE
    return _ACTIONS[code].value


def ply_layout(depth: int, n_competitors: int) -> tuple[list[int], list[int]]:
    """(player, round) of each ply: round 1 is our move (ply 0), even rounds have one ply
    per competitor (players 1..n), later odd rounds our counter-move (player 0)."""
    players, rounds = [0], [1]
    for rnd in range(2, depth + 1):
        movers = range(1, n_competitors + 1) if rnd % 2 == 0 else (0,)
        players += movers
        rounds += [rnd] * len(movers)
    return players, rounds


@dataclass(frozen=True)
class ResponseTable:
    """One competitor's response options per trigger code, padded for vector lookups."""

    codes: np.ndarray  # [trigger code, option] action codes
    probabilities: np.ndarray  # [trigger code, option]
    counts: np.ndarray  # [trigger code] options per trigger (0: trigger never happens)


@dataclass(frozen=True)
class CompiledTree:
    """The game tree as flat, breadth-first arrays.

    Node 0 is the root (our opening move). `level_starts[l]` is the first node id of
    level l (= ply l); the last level holds the leaves, one per path, and
    `leaf_actions[path, ply]` the action codes along each path.
    """

    scenario: Scenario
    depth: int
    ply_players: list[int]
    ply_rounds: list[int]
    counter_moves: tuple[OurMove, ...]
    parent: np.ndarray
    action: np.ndarray
    probability: np.ndarray
    cumulative: np.ndarray
    level_starts: list[int]
    leaf_actions: np.ndarray
    response_tables: list[ResponseTable]
    responses: ResponseModel

    @property
    def node_count(self) -> int:
        """Number of nodes, the root included."""
        return len(self.parent)

    @property
    def path_count(self) -> int:
        """Number of root-to-leaf paths."""
        return self.leaf_actions.shape[0]

    @property
    def leaf_probability(self) -> np.ndarray:
        """Probability of each path (the leaves' cumulative probabilities)."""
        return self.cumulative[self.level_starts[-2] :]

    @property
    def counter_ply(self) -> int | None:
        """Ply of our first counter-move (round 3), None below depth 3."""
        rounds = self.ply_rounds
        return rounds.index(3) if 3 in rounds else None

    def path_steps(self, path: int) -> list[PathStep]:
        """The moves along path `path`, as (round, player, action) steps."""
        companies = self.scenario.companies
        return [
            PathStep(round=rnd, player=companies[player], action=move_label(int(code), player == 0))
            for code, player, rnd in zip(
                self.leaf_actions[path], self.ply_players, self.ply_rounds, strict=True
            )
        ]

    def node_expectations(self, leaf_values: np.ndarray) -> np.ndarray:
        """Expected value of `leaf_values` given each node, by walking up the tree:
        E[node] = Σ_children probability × E[child]."""
        values = np.zeros(self.node_count)
        starts = self.level_starts
        values[starts[-2] :] = leaf_values
        for level in range(len(starts) - 2, 0, -1):
            lo, hi = starts[level], starts[level + 1]
            parent_lo, parent_hi = starts[level - 1], starts[level]
            values[parent_lo:parent_hi] = np.bincount(
                self.parent[lo:hi] - parent_lo,
                weights=self.probability[lo:hi] * values[lo:hi],
                minlength=parent_hi - parent_lo,
            )
        return values


def _response_tables(
    scenario: Scenario, responses: ResponseModel, triggers: Sequence[OurMove]
) -> list[ResponseTable]:
    tables = []
    for profile in scenario.competitors:
        options = {move_code(t): responses.distribution(profile, t) for t in triggers}
        width = max(len(o) for o in options.values())
        codes = np.full((CODE_COUNT, width), NONE_CODE, dtype=np.int8)
        probabilities = np.zeros((CODE_COUNT, width))
        counts = np.zeros(CODE_COUNT, dtype=np.int64)
        for trigger, dist in options.items():
            counts[trigger] = len(dist)
            for j, response in enumerate(dist):
                codes[trigger, j] = move_code(response.action)
                probabilities[trigger, j] = response.probability
        tables.append(ResponseTable(codes, probabilities, counts))
    return tables


def _count_nodes(
    players: Sequence[int], tables: Sequence[ResponseTable], counters: Sequence[int], root: int
) -> int:
    # Exact node count, by how many frontier nodes carry each trigger, before allocating.
    frontier = {root: 1}
    total = 1
    for player in players[1:]:
        if player == 0:
            width = sum(frontier.values())
            total += width * len(counters)
            frontier = {code: width for code in counters}
        else:
            counts = tables[player - 1].counts
            frontier = {t: n * int(counts[t]) for t, n in frontier.items()}
            total += sum(frontier.values())
    return total


def compile_tree(
    scenario: Scenario, depth: int, responses: ResponseModel, node_limit: int
) -> CompiledTree:
    """Build the tree of `scenario` to `depth` rounds as arrays.

    Raises SimulationError when it would have more than `node_limit` nodes; the message
    says how many it would need and how to get under the limit.
    """
    players, rounds = ply_layout(depth, len(scenario.competitors))
    counters = counter_moves_for(scenario)
    counter_codes = np.array([move_code(c) for c in counters], dtype=np.int8)
    root = move_code(scenario.action.type)
    triggers: list[OurMove] = [scenario.action.type]
    if depth >= 4:
        triggers += [c for c in counters if c != scenario.action.type]
    tables = _response_tables(scenario, responses, triggers)

    needed = _count_nodes(players, tables, [int(c) for c in counter_codes], root)
    if needed > node_limit:
        widest = max(int(t.counts.max()) for t in tables)
        raise SimulationError(
            f"the game tree would need {needed:,} nodes (depth {depth}, "
            f"{len(scenario.competitors)} competitors with up to {widest} responses each, "
            f"{len(counters)} counter-moves), more than the node limit of {node_limit:,}: "
            "use fewer competitors, a smaller depth or fewer counter_moves, "
            "or raise node_limit"
        )

    parent = np.empty(needed, dtype=np.int64)
    action = np.empty(needed, dtype=np.int8)
    probability = np.empty(needed)
    cumulative = np.empty(needed)
    parent[0], action[0], probability[0], cumulative[0] = -1, root, 1.0, 1.0
    frontier = np.zeros(1, dtype=np.int64)
    trigger = np.full(1, root, dtype=np.int64)
    level_starts = [0, 1]
    for player in players[1:]:
        if player == 0:
            width = len(counter_codes)
            source = np.repeat(np.arange(len(frontier)), width)
            codes = np.tile(counter_codes, len(frontier))
            probs = np.full(len(codes), 1.0 / width)
            trigger = codes.astype(np.int64)
        else:
            table = tables[player - 1]
            counts = table.counts[trigger]
            source = np.repeat(np.arange(len(frontier)), counts)
            first = np.cumsum(counts) - counts
            option = np.arange(len(source)) - np.repeat(first, counts)
            trigger = trigger[source]
            codes = table.codes[trigger, option]
            probs = table.probabilities[trigger, option]
        lo = level_starts[-1]
        ids = np.arange(lo, lo + len(source))
        parent[ids] = frontier[source]
        action[ids] = codes
        probability[ids] = probs
        cumulative[ids] = cumulative[frontier[source]] * probs
        frontier = ids
        level_starts.append(lo + len(ids))

    leaf_actions = np.empty((len(frontier), len(players)), dtype=np.int8)
    node = frontier
    for ply in range(len(players) - 1, -1, -1):
        leaf_actions[:, ply] = action[node]
        node = parent[node]
    return CompiledTree(
        scenario=scenario,
        depth=depth,
        ply_players=players,
        ply_rounds=rounds,
        counter_moves=counters,
        parent=parent,
        action=action,
        probability=probability,
        cumulative=cumulative,
        level_starts=level_starts,
        leaf_actions=leaf_actions,
        response_tables=tables,
        responses=responses,
    )


def build_game_tree(
    scenario: Scenario,
    depth: int = 3,
    history: Sequence[ObservedMove] = (),
    node_limit: int = 100_000,
    predictor: ResponsePredictor | None = None,
) -> GameTree:
    """The game tree of `scenario` to `depth` rounds (1–5), each node with its
    conditional and cumulative probability and its expected 12-month profit change.

    Raises SimulationError past `node_limit` nodes, ValueError for a depth outside 1–5.
    """
    if not 1 <= depth <= 5:
        raise ValueError(f"depth must be between 1 and 5 (got {depth})")
    responses = ResponseModel(scenario, history, predictor)
    compiled = compile_tree(scenario, depth, responses, node_limit)
    payoffs = path_payoffs(
        scenario, compiled.ply_players, compiled.ply_rounds, compiled.leaf_actions
    )
    expected = compiled.node_expectations(payoffs.profit_change)
    companies = scenario.companies
    level_player = compiled.ply_players
    nodes = []
    starts = compiled.level_starts
    for level, (lo, hi) in enumerate(pairwise(starts)):
        player = level_player[level]
        rnd = compiled.ply_rounds[level]
        for i in range(lo, hi):
            # model_construct: the arrays are already consistent; validating 100k nodes
            # one by one would dominate the build.
            nodes.append(
                GameNode.model_construct(
                    id=i,
                    parent=None if i == 0 else int(compiled.parent[i]),
                    round=rnd,
                    level=level,
                    player=companies[player],
                    action=move_label(int(compiled.action[i]), player == 0),
                    probability=float(compiled.probability[i]),
                    cumulative_probability=float(compiled.cumulative[i]),
                    expected_payoff=float(expected[i]),
                )
            )
    return GameTree(
        scenario_name=scenario.name,
        depth=depth,
        players=companies,
        node_count=compiled.node_count,
        path_count=compiled.path_count,
        expected_payoff=float(expected[0]),
        nodes=nodes,
    )
