"""Custom metrics: formulas compiled to ClickHouse SQL give the hand-computed values and
the same numbers as a numpy evaluation of the same formula (random formulas, hypothesis);
refused constructs are 422s naming the position; saved metrics are per tenant and feed
dashboard widgets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.custom_metrics.formula import Aggregate, Binary, Lag, Negate, Node, Number, parse
from api.custom_metrics.series import MetricSeriesQuery, compute_metric
from api.custom_metrics.sources import METRIC_SOURCES
from api.keys import create_key
from tests.api.conftest import client_for

TENANT = "t_metric"
FIRST = date(2026, 5, 4)  # a Monday
DAYS = 4
RANGE = {"date_from": FIRST.isoformat(), "date_to": (FIRST + timedelta(DAYS - 1)).isoformat()}
# (day offset, hour, event, person, revenue)
EVENTS = [
    (0, 9, "purchase", "p1", 10.0), (0, 10, "purchase", "p2", 20.0),
    (0, 11, "purchase", "p1", 30.0), (0, 12, "visit", "p3", None),
    (2, 9, "purchase", "p2", 40.0), (2, 15, "visit", "p1", None), (2, 16, "visit", "p4", None),
    (3, 8, "visit", "p2", None), (3, 9, "purchase", "p3", 5.0), (3, 10, "purchase", "p4", 0.0),
]
PURCHASES = "purchase"


@pytest.fixture(scope="module")
def events(clickhouse) -> None:
    names = ["tenant_id", "event_id", "event", "person_id", "session_id", "timestamp",
             "revenue", "source", "ingested_at"]
    rows = []
    for i, (day, hour, event, person, revenue) in enumerate(EVENTS):
        at = datetime(FIRST.year, FIRST.month, FIRST.day, hour, tzinfo=UTC) + timedelta(day)
        rows.append([TENANT, f"m{i}", event, person, f"s{i}", at, revenue, "metric-test", at])
    clickhouse.insert("raw_events", rows, column_names=names)


@pytest.fixture(scope="module")
def client(api_context, server_url, events):
    key = create_key(api_context.db, TENANT, ["read"], "metrics", user="mia")[0]
    with client_for(server_url, key) as http:
        yield http


def _preview(client, formula: str, **extra) -> list[float | None]:
    answer = client.post("/metrics/preview", json={"formula": formula, **RANGE, **extra})
    assert answer.status_code == 200, answer.text
    return [point["value"] for point in answer.json()["data"]["series"]]


def test_hand_computed_values(client) -> None:
    # purchases per day: 60 from p1, p2 (p1 twice) | none | 40 from p2 | 5 + 0 from p3, p4
    assert _preview(client, "SUM(revenue) / COUNT(DISTINCT person_id)",
                    event=PURCHASES) == [30.0, None, 40.0, 2.5]
    assert _preview(client, "SUM(revenue) - LAG(SUM(revenue), 1)",
                    event=PURCHASES) == [None, -60.0, 40.0, -35.0]
    assert _preview(client, "COUNT(*)") == [4.0, 0.0, 3.0, 3.0]
    assert _preview(client, "AVG(revenue)") == [20.0, None, 40.0, 2.5]
    # the parentheses hold: (a - b) / c, not a - b / c
    assert _preview(client, "(COUNT() - COUNT(DISTINCT person_id)) / COUNT()") == [
        0.25, None, 0.0, 0.0]
    assert _preview(client, "COUNT() - COUNT(DISTINCT person_id) / COUNT()") == [
        3.25, None, 2.0, 2.0]
    # a difference of counts may be negative (no unsigned wrap-around)
    assert _preview(client, "COUNT(DISTINCT event) - COUNT()") == [-2.0, 0.0, -1.0, -1.0]
    weekly = client.post("/metrics/preview", json={"formula": "SUM(revenue)", **RANGE,
                                                   "interval": "week"}).json()["data"]
    assert weekly["series"] == [{"bucket": RANGE["date_from"], "value": 105.0}]


@pytest.mark.parametrize(("formula", "position", "words"), [
    ("1; DROP TABLE x", 2, "unexpected character ';'"),
    ("SUM(revenue) + SUM(secret)", 20, "unknown column 'secret'"),
    ("SUM(revenue) + sleep(3)", 16, "unknown function 'sleep'"),
    ("SUM(person_id)", 5, "needs a numeric column"),
    ("revenue * 2", 1, "must be inside an aggregate"),
    ("LAG(SUM(revenue), 0)", 19, "offset"),
    ("SUM(revenue) 'x'", 14, "unexpected character"),
    ("SUM(revenue) +", 15, "ends too early"),
])
def test_refused_formulas_are_422_naming_the_position(client, formula, position,
                                                      words) -> None:
    for path, body in (("/metrics", {"name": "m", "formula": formula}),
                       ("/metrics/preview", {"formula": formula, **RANGE})):
        answer = client.post(path, json=body)
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["errors"]
        assert error["field"] == "formula" or error["field"] == "body"
        assert f"position {position}:" in error["message"] and words in error["message"]


def test_saved_metrics_are_the_tenants_and_feed_widgets(client, keys, server_url) -> None:
    made = client.post("/metrics", json={"name": "Revenue per buyer", "unit": "money",
                                         "formula": "SUM(revenue) / COUNT(DISTINCT person_id)",
                                         "event": PURCHASES})
    assert made.status_code == 201, made.text
    metric = made.json()["data"]
    assert metric["created_by"] == "mia"
    assert [m["id"] for m in client.get("/metrics").json()["data"]] == [metric["id"]]
    with client_for(server_url, keys.globex) as other:
        assert other.get(f"/metrics/{metric['id']}").status_code == 404
        assert metric["id"] not in [m["id"] for m in other.get("/metrics").json()["data"]]
    dashboard = client.post("/dashboards", json={"name": "money", "filters": RANGE, "widgets": [
        {"id": "rpb", "title": "Revenue per buyer", "kind": "line", "source": "metric",
         "params": {"metric_id": metric["id"]}}]})
    assert dashboard.status_code == 201, dashboard.text
    path = f"/dashboards/{dashboard.json()['data']['id']}/data"
    [widget] = client.get(path).json()["data"]["widgets"]
    assert [p["value"] for p in widget["data"]["series"]] == [30.0, None, 40.0, 2.5]
    replaced = client.put(f"/metrics/{metric['id']}", json={
        "name": "Revenue", "unit": "money", "formula": "SUM(revenue)", "event": PURCHASES})
    assert replaced.status_code == 200
    [widget] = client.get(path).json()["data"]["widgets"]
    assert [p["value"] for p in widget["data"]["series"]] == [60.0, 0.0, 40.0, 5.0]
    assert client.delete(f"/metrics/{metric['id']}").status_code == 204
    [widget] = client.get(path).json()["data"]["widgets"]
    assert widget["error"]["status"] == 404


# --- SQL and numpy agree on random formulas ------------------------------------------------

AGGREGATES = [Aggregate("sum", "revenue"), Aggregate("count", None),
              Aggregate("count", "person_id", distinct=True), Aggregate("avg", "revenue"),
              Aggregate("max", "revenue"), Aggregate("min", "revenue")]


def _text(node: Node) -> str:
    if isinstance(node, Number):
        return repr(node.value)
    if isinstance(node, Aggregate):
        return node.key.upper() if node.column is None else \
            f"{node.function.upper()}({'DISTINCT ' if node.distinct else ''}{node.column})"
    if isinstance(node, Negate):
        return f"-({_text(node.operand)})"
    if isinstance(node, Lag):
        return f"LAG({_text(node.operand)}, {node.offset})"
    return f"({_text(node.left)} {node.op} {_text(node.right)})"


def _formulas(lag: bool = True) -> st.SearchStrategy[Node]:
    leaves = st.sampled_from(AGGREGATES) | st.builds(
        Number, st.integers(min_value=0, max_value=5).map(float))

    def extend(children):
        options = st.builds(Binary, st.sampled_from(["+", "-", "*", "/"]), children, children) \
            | st.builds(Negate, children)
        return options

    tree = st.recursive(leaves, extend, max_leaves=6)
    if not lag:
        return tree
    return tree | st.builds(Binary, st.sampled_from(["+", "-", "/"]), tree,
                            st.builds(Lag, _formulas(lag=False), st.integers(1, 2)))


def _numpy(node: Node, per_day: dict[str, np.ndarray]) -> np.ndarray:
    """The formula per day with numpy: NaN where SQL gives null."""
    if isinstance(node, Number):
        return np.full(DAYS, node.value)
    if isinstance(node, Aggregate):
        return per_day[node.key]
    if isinstance(node, Negate):
        return -_numpy(node.operand, per_day)
    if isinstance(node, Lag):
        inner = _numpy(node.operand, per_day)
        return np.concatenate([np.full(node.offset, np.nan), inner[:-node.offset]])[:DAYS]
    left, right = _numpy(node.left, per_day), _numpy(node.right, per_day)
    with np.errstate(divide="ignore", invalid="ignore"):
        if node.op == "/":
            return np.where(right == 0, np.nan, left / np.where(right == 0, 1, right))
        return {"+": left + right, "-": left - right, "*": left * right}[node.op]


def _per_day() -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {a.key: [] for a in AGGREGATES}
    for day in range(DAYS):
        rows = [e for e in EVENTS if e[0] == day]
        revenue = np.array([r[4] for r in rows if r[4] is not None])
        out["sum(revenue)"].append(revenue.sum() if revenue.size else 0.0)
        out["count(*)"].append(float(len(rows)))
        out["count(DISTINCT person_id)"].append(float(len({r[3] for r in rows})))
        for name, reduce in (("avg", np.mean), ("max", np.max), ("min", np.min)):
            out[f"{name}(revenue)"].append(reduce(revenue) if revenue.size else np.nan)
    return {key: np.array(values) for key, values in out.items()}


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(node=_formulas())
def test_sql_and_numpy_agree_on_random_formulas(api_context, events, node) -> None:
    formula = _text(node)
    assert parse(formula, METRIC_SOURCES["events"].columns) == node  # the text round-trips
    query = MetricSeriesQuery.model_validate({"formula": formula, **RANGE})
    answer = compute_metric(api_context.store.scope(TENANT), query)
    got = np.array([np.nan if p["value"] is None else p["value"] for p in answer["series"]])
    expected = _numpy(node, _per_day())
    expected[~np.isfinite(expected)] = np.nan
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9, equal_nan=True,
                               err_msg=formula)
