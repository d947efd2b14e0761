"""The demo's injected crisis reaches the CMO and the Board with its evidence posts.

`sightline demo`, run on 2026-12-06, generates the 30 days ending yesterday
(2026-11-06..12-05) with `DemoConfig.for_window`, which injects a crisis of each tenant's
own company five days before the end: Acme, 2026-11-30. This test regenerates acme's demo
days 2026-11-23..30 with that same config (the z-score rule needs seven days of
baseline), scores the mentions with the pipeline's default sentiment scorer, builds the
crisis mart with dbt (`+fct_crisis_alerts` only), publishes it to ClickHouse as the
pipeline does — under a tenant of its own, since the session's other tests read acme's
latest days — and asks for the CMO and Board narratives and the board agenda over HTTP.
About 10 s.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from api.keys import create_key
from api.storytelling.claims import display
from ingestion.demo import DemoConfig
from ingestion.demo.transform_seed import seed_demo_days
from ingestion.sentiment import default_scorer
from tests.api.conftest import client_for
from warehouse.dataset_versions import publish_versions
from warehouse.dbt_window import environment
from warehouse.mart_publisher import month_starts, publish_months
from warehouse.transform_store import MARTS_SCHEMA, read_window

TENANT = "t_demo_crisis"
DEMO_FIRST, DEMO_LAST = date(2026, 11, 6), date(2026, 12, 5)  # `sightline demo` on 12-06
FIRST, CRISIS_DAY = date(2026, 11, 23), date(2026, 11, 30)
SPAN = {"date_from": "2026-11-24", "date_to": "2026-11-30"}
PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def _dbt_run(store: Path, target: Path, select: str) -> None:
    """`dbt run --select <select>` in-process on the DuckDB file `store`, over all its days
    (no partition window), as the dbt project's tests run it."""
    from dbt.cli.main import dbtRunner

    command = [
        "run",
        "--select",
        select,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
        "--quiet",
    ]
    with environment({"SIGHTLINE_DUCKDB_PATH": str(store)}):
        result = dbtRunner().invoke(command)
    assert result.success, f"dbt run --select {select} failed: {result.exception}"


def _crisis_mart(folder: Path) -> pa.Table:
    """fct_crisis_alerts of acme's demo days FIRST..CRISIS_DAY, as the pipeline builds it."""
    config = DemoConfig.for_window(DEMO_FIRST, DEMO_LAST)
    assert config.crisis_day == CRISIS_DAY and config.crisis_brand is None  # Acme's own
    store = folder / "transform.duckdb"
    seed_demo_days(store, FIRST, CRISIS_DAY, ("acme",), default_scorer(), config)
    _dbt_run(store, folder / "target", "+fct_crisis_alerts")
    with duckdb.connect(str(store)) as con:  # dbt-duckdb keeps it open: same config
        rows = read_window(
            con, f"{MARTS_SCHEMA}.fct_crisis_alerts", "alert_date", FIRST, date(2026, 12, 1)
        )
    index = rows.schema.get_field_index("tenant_id")
    return rows.set_column(index, "tenant_id", pa.array([TENANT] * rows.num_rows))


@pytest.fixture(scope="module")
def demo_crisis(tmp_path_factory, clickhouse, api_context, api_settings, server_url):
    """A client of the tenant holding the demo's crisis alerts, and the Acme alerts of the
    crisis day (as published)."""
    rows = _crisis_mart(tmp_path_factory.mktemp("demo-crisis"))
    counts = publish_months(
        clickhouse, "mart_crisis_alerts", rows, [TENANT], month_starts(FIRST, CRISIS_DAY)
    )
    publish_versions(clickhouse, api_settings.redis_url, "mart_crisis_alerts", counts)
    alerts = [a for a in rows.to_pylist() if a["alert_date"] == CRISIS_DAY and a["brand"] == "Acme"]
    key = create_key(api_context.db, TENANT, ["read"], "demo crisis")[0]
    with client_for(server_url, key) as client:
        yield client, alerts


def _quotes(alerts: list[dict]) -> list[str]:
    """The evidence posts a narrative quotes: the first two of the day's Acme alert (every
    rule of a brand and day has the same evidence)."""
    evidence = {tuple(a["evidence_texts"]) for a in alerts}
    assert len(evidence) == 1, "the rules of one brand and day share their evidence"
    return [display(text, "quote") for text in next(iter(evidence))[:2]]


def test_the_demo_detects_its_crisis(demo_crisis) -> None:
    _, alerts = demo_crisis
    assert any(a["severity"] == "crisis" for a in alerts), (
        "the demo's injected crisis of Acme on 2026-11-30 was not detected: "
        f"{[(a['rule'], a['severity']) for a in alerts]}"
    )
    assert len(alerts[0]["evidence_texts"]) >= 2


@pytest.mark.parametrize("audience", ["CMO", "Board"])
@pytest.mark.parametrize("brand", ["Acme", None])
def test_the_demo_crisis_leads_the_cmo_and_board_narratives_with_its_posts(
    demo_crisis, audience, brand
) -> None:
    # without a brand, the day's other alerts (Initech's is a crisis too) stand behind
    # Acme's, which has by far the most negative mentions
    client, alerts = demo_crisis
    made = client.post(
        "/storytelling/generate", json={**SPAN, "audience": audience, "brand": brand}
    )
    assert made.status_code == 201, made.text
    narrative = made.json()["data"]
    body = narrative["body"]
    assert "**Bottom line:** Acme drew a crisis alert on 2026-11-30: " in body
    for quote in _quotes(alerts):
        assert quote in body
    quoted = [
        c
        for c in (client.get(f"/claims/{i}").json()["data"] for i in narrative["claims"])
        if c["unit"] == "quote"
    ]
    assert [c["display"] for c in quoted] == _quotes(alerts)
    for claim in quoted:
        assert claim["dataset"] == "mart_crisis_alerts"
        assert claim["rows"][0]["text"] == claim["value"] and claim["rows"][0]["post_id"]


def test_the_demo_crisis_is_a_risk_on_the_board_agenda(demo_crisis) -> None:
    client, alerts = demo_crisis
    agenda = client.get("/board/agenda", params=SPAN).json()["data"]
    [crisis] = [r for r in agenda["risks"] if r["kind"] == "crisis"]
    assert crisis["text"].startswith("Acme drew a crisis alert on 2026-11-30: ")
    assert all(quote in crisis["text"] for quote in _quotes(alerts))
