"""Wargame inputs read from the warehouse: competitor-move history and the fallback to
a scenario's own shares when the marts have nothing for a tenant."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from orchestration.assets.simulate import _history, simulate_tenant_day
from simulations import template_names

DAY = date(2026, 1, 10)


def _moves(clickhouse, tenant: str) -> None:
    rows = [
        # (id, when, competitor, action, trigger)
        ("m1", datetime(2026, 1, 3, 9, tzinfo=UTC), "globex", "price_cut", "price_cut"),
        ("m2", datetime(2026, 1, 4, 9, tzinfo=UTC), "globex", "price_cut", "price_cut"),
        ("m3", datetime(2026, 1, 5, 9, tzinfo=UTC), "initech", "partnership", None),
        ("m4", datetime(2026, 1, 11, 9, tzinfo=UTC), "globex", "price_cut", "price_cut"),  # after
    ]
    clickhouse.insert(
        "raw_connector_records",
        [[tenant, "competitor_moves", "competitor_move", move_id, when, None, "",
          json.dumps({"competitor": who, "action_type": action, "trigger": trigger}),
          "landing:competitor_moves", when] for move_id, when, who, action, trigger in rows],
        column_names=["tenant_id", "connector", "record_type", "record_id", "occurred_at",
                      "amount", "currency", "payload", "source", "ingested_at"])


def test_history_reads_moves_up_to_the_as_of_day(clickhouse) -> None:
    _moves(clickhouse, "t_sim_hist")
    moves = _history(clickhouse, "t_sim_hist", DAY)
    assert [(m.competitor, m.action_type.value, m.trigger and m.trigger.value)
            for m in moves] == [("globex", "price_cut", "price_cut"),
                                ("globex", "price_cut", "price_cut"),
                                ("initech", "partnership", None)]


def test_a_tenant_without_marts_falls_back_to_the_scenario_and_uses_its_history(
        clickhouse) -> None:
    _moves(clickhouse, "t_sim_fallback")
    rows = simulate_tenant_day(clickhouse, "t_sim_fallback", DAY)
    assert [r["scenario"] for r in rows] == template_names()
    assert {r["baseline_source"] for r in rows} == {"scenario"}
    price_war = next(r for r in rows if r["scenario"] == "Price War Response")
    assert json.loads(price_war["result_json"])["observed_moves_used"] >= 2
    assert price_war["our_share"] == 0.28  # the template's own number
    again = simulate_tenant_day(clickhouse, "t_sim_fallback", DAY)
    assert [r["expected_profit_impact"] for r in again] == \
        [r["expected_profit_impact"] for r in rows]
