"""Wargaming over HTTP: simulate (limits, validation, seeds, history), runs, trees,
saved scenarios, templates, published results — each tenant sees only its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from api.keys import create_key
from tests.api.conftest import API_LAST, client_for

TENANT = "t_wargame"


@pytest.fixture(scope="module")
def client(server_url, api_context):
    key = create_key(api_context.db, TENANT, ["read"])[0]
    with client_for(server_url, key) as http:
        yield http


@pytest.fixture(scope="module")
def moves(clickhouse) -> None:
    when = datetime(2026, 1, 3, 9, tzinfo=UTC)
    clickhouse.insert(
        "raw_connector_records",
        [[TENANT, "competitor_moves", "competitor_move", f"m{i}", when, None, "",
          json.dumps({"competitor": "globex", "action_type": "price_cut",
                      "trigger": "price_cut"}), "landing:competitor_moves", when]
         for i in range(4)],
        column_names=["tenant_id", "connector", "record_type", "record_id", "occurred_at",
                      "amount", "currency", "payload", "source", "ingested_at"])


def _simulate(client, **body):
    return client.post("/wargaming/simulate", json={"template": "Price War Response",
                                                    "simulations": 2_000, "seed": 11, **body})


def test_simulate_keeps_the_run_with_result_and_tree(client, moves) -> None:
    created = _simulate(client)
    assert created.status_code == 201, created.text
    run = created.json()["data"]
    result = run["result"]
    assert run["scenario_name"] == "Price War Response"
    assert result["summary"]["simulations"] == 2_000 and result["config"]["seed"] == 11
    assert result["observed_moves_used"] == 4  # the tenant's history was read
    assert run["expected_profit_impact"] == result["summary"]["expected_profit_impact"]
    assert client.get(f"/wargaming/{run['id']}").json()["data"]["result"] == result
    tree = client.get(f"/wargaming/{run['id']}/tree").json()["data"]
    assert tree["node_count"] == result["summary"]["node_count"] == len(tree["nodes"])
    assert {"id", "parent", "player", "action", "probability", "cumulative_probability",
            "expected_payoff"} <= set(tree["nodes"][1])
    assert run["id"] in [r["id"] for r in client.get("/wargaming/history").json()["data"]]


def test_same_seed_same_numbers(client) -> None:
    first = _simulate(client, seed=5).json()["data"]["result"]["summary"]
    second = _simulate(client, seed=5).json()["data"]["result"]["summary"]
    other = _simulate(client, seed=6).json()["data"]["result"]["summary"]
    assert first["expected_profit_impact"] == second["expected_profit_impact"]
    assert other["expected_profit_impact"] != first["expected_profit_impact"]


@pytest.mark.parametrize(("body", "message"), [
    ({"num_moves": 6}, "num_moves must be between 1 and 5 (got 6)"),
    ({"num_moves": 0}, "num_moves must be between 1 and 5 (got 0)"),
    ({"simulations": 1_000_001}, "simulations must be between 100 and 1,000,000"),
    ({"simulations": 99}, "simulations must be between 100 and 1,000,000"),
    ({"template": "Nope"}, "no scenario template 'Nope'"),
    ({"num_moves": 5}, "node"),  # Price War Response at depth 5 passes the node limit
])
def test_limits_are_400_with_a_clear_message(client, body, message) -> None:
    answer = _simulate(client, **body)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert message in answer.json()["detail"]


def test_an_invalid_scenario_is_422_naming_the_field(client) -> None:
    scenario = client.get("/wargaming/templates").json()["data"][0]
    scenario["market"]["market_size"] = -5
    answer = client.post("/wargaming/simulate", json={"scenario": scenario})
    assert answer.status_code == 422
    assert any("market_size" in e["field"] for e in answer.json()["errors"])


def test_templates_ship_the_seed_library(client) -> None:
    names = [t["name"] for t in client.get("/wargaming/templates").json()["data"]]
    assert {"Price War Response", "New Product Launch", "Market Entry Defense"} <= set(names)
    assert len(names) >= 5


def test_saved_scenarios_and_runs_belong_to_their_tenant(client, globex) -> None:
    scenario = client.get("/wargaming/templates").json()["data"][1]
    saved = client.post("/wargaming/scenarios", json={"scenario": scenario})
    assert saved.status_code == 201
    scenario_id = saved.json()["data"]["id"]
    assert scenario_id in [s["id"] for s in client.get("/wargaming/scenarios").json()["data"]]
    run = client.post("/wargaming/simulate", json={"scenario_id": scenario_id,
                                                   "simulations": 500, "seed": 1})
    assert run.status_code == 201
    run_id = run.json()["data"]["id"]
    assert globex.post("/wargaming/simulate", json={"scenario_id": scenario_id}
                       ).status_code == 404
    assert globex.get(f"/wargaming/{run_id}").status_code == 404
    assert globex.get(f"/wargaming/{run_id}/tree").status_code == 404
    assert run_id not in [r["id"] for r in globex.get("/wargaming/history").json()["data"]]
    assert scenario_id not in [s["id"] for s in globex.get("/wargaming/scenarios").json()["data"]]


def test_published_results_come_from_the_pipeline(demo_pipeline, acme, client) -> None:
    rows = acme.get("/wargaming/results").json()["data"]
    assert {r["as_of_date"] for r in rows} == {API_LAST.isoformat()}
    assert "Price War Response" in {r["scenario"] for r in rows}
    assert client.get("/wargaming/results").json()["data"] == []
