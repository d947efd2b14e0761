"""Golden narratives: every audience × format on a small hand-made tenant, byte for byte
against `tests/api/golden/storytelling/` (regenerate them with
`SIGHTLINE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/api/test_storytelling_golden.py` and
read the diff before committing). Every claim of every golden output resolves through
`GET /v1/claims/{id}` to rows that hold its value.

The tenant: two weeks of events — the previous week 2026-08-03..09 and the current
2026-08-10..16, away from every pipeline test's window — where signups from google fall
from 20 to 6 a day while the other sources hold, visits hold at 100 a day, purchases fall
from 10 to 8 a day at 50 → 45 of revenue each; share of voice of Nimbus falls from 60% to
40%; one crisis alert on 2026-08-13; one published wargame. Every event has its own
session (the growth pulse's invariants hold if a pipeline ever reads these days), and the
growth pulse mart holds what the pipeline would build for the current week: every day,
sessions 124 against 140 a week earlier (low), signups 16 against 30 (medium), conversions
8 against 10 (low) and revenue 360 against 500 (medium); the conversion rate, 6.5%
against 7.1%, falls less than the pulse's 20% rule.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from api.keys import create_key
from tests.api.conftest import client_for
from tests.raw_events import STORY_EVENT_COLUMNS, STORY_PULSE_COLUMNS

TENANT = "t_golden"
GOLDEN = Path(__file__).parent / "golden" / "storytelling"
PREVIOUS, CURRENT = date(2026, 8, 3), date(2026, 8, 10)
SPAN = {"date_from": "2026-08-10", "date_to": "2026-08-16", "brand": "Nimbus"}
AUDIENCES = ("CEO", "CMO", "CFO", "Board", "Team")
PULSE = (
    ("sessions", "low", 1, 124.0, 140.0),
    ("signups", "medium", 2, 16.0, 30.0),
    ("conversions", "low", 1, 8.0, 10.0),
    ("revenue", "medium", 2, 360.0, 500.0),
)
FORMATS = ("text", "slides", "video_script")


def _events() -> list[list]:
    rows, n = [], 0
    for week_start, google_signups, purchases, price in (
        (PREVIOUS, 20, 10, 50.0),
        (CURRENT, 6, 8, 45.0),
    ):
        for day in range(7):
            at = datetime.combine(
                week_start + timedelta(days=day), datetime.min.time(), tzinfo=UTC
            ) + timedelta(hours=9)
            plan = (
                [("visit", "direct", None)] * 100
                + [("signup", "google", None)] * google_signups
                + [("signup", "twitter", None)] * 10
                + [("purchase", "direct", price)] * purchases
            )
            for event, source, revenue in plan:
                n += 1
                rows.append(
                    [
                        TENANT,
                        f"g{n}",
                        event,
                        f"person-{n % 400}",
                        f"session-{n}",
                        at + timedelta(seconds=n % 3600),
                        source,
                        "US",
                        "desktop",
                        revenue,
                        "golden",
                        at,
                    ]
                )
    return rows


@pytest.fixture(scope="module")
def golden_tenant(clickhouse, api_context, server_url):
    clickhouse.insert(
        "raw_events",
        _events(),
        column_names=STORY_EVENT_COLUMNS,
    )
    shares = []
    for week_start, nimbus in ((PREVIOUS, 60), (CURRENT, 40)):
        for day in range(7):
            when = week_start + timedelta(days=day)
            shares += [
                [TENANT, when, "mentions", "Nimbus", nimbus, 100, nimbus / 100, 1],
                [TENANT, when, "mentions", "Cirrus", 100 - nimbus, 100, (100 - nimbus) / 100, 2],
            ]
    clickhouse.insert(
        "mart_share_of_voice_daily",
        shares,
        column_names=[
            "tenant_id",
            "mention_date",
            "metric",
            "brand",
            "value",
            "metric_total",
            "share",
            "brand_rank",
        ],
    )
    clickhouse.insert(
        "mart_crisis_alerts",
        [
            [
                TENANT,
                date(2026, 8, 13),
                "Nimbus",
                "negative_zscore",
                "crisis",
                2,
                42.0,
                6.0,
                36.0,
                ["p1"],
                ["x"],
                ["Nimbus is down again"],
                ["https://x/p1"],
                "Nimbus: spike",
            ]
        ],
        column_names=[
            "tenant_id",
            "alert_date",
            "brand",
            "rule",
            "severity",
            "severity_rank",
            "value",
            "baseline",
            "change",
            "evidence_post_ids",
            "evidence_platforms",
            "evidence_texts",
            "evidence_urls",
            "summary",
        ],
    )
    clickhouse.insert(
        "sim_wargame_results",
        [
            [
                TENANT,
                "golden",
                date(2026, 8, 16),
                "Price War Response",
                "price_cut",
                "Nimbus",
                ["Cirrus"],
                "mart",
                0.4,
                3,
                1000,
                0.35,
                -120000.0,
                -250000.0,
                -400000.0,
                80000.0,
                "match price",
                "high",
                0.8,
            ]
        ],
        column_names=[
            "tenant_id",
            "source",
            "as_of_date",
            "scenario",
            "action_type",
            "our_company",
            "competitors",
            "baseline_source",
            "our_share",
            "depth",
            "simulations",
            "probability_of_loss",
            "profit_change_p50",
            "profit_change_p10",
            "cvar_10",
            "profit_change_p90",
            "recommended_counter_move",
            "risk_level",
            "confidence",
        ],
    )
    clickhouse.insert(
        "mart_growth_pulse_insights",
        [
            [
                TENANT,
                CURRENT + timedelta(days=day),
                f"{metric}:wow",
                metric,
                "wow",
                "down",
                severity,
                rank,
                value,
                previous,
                (value - previous) / previous,
                f"{metric} fell.",
            ]
            for day in range(7)
            for metric, severity, rank, value, previous in PULSE
        ],
        column_names=STORY_PULSE_COLUMNS,
    )
    key = create_key(api_context.db, TENANT, ["read"], "golden")[0]
    with client_for(server_url, key) as client:
        yield client


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_narratives(golden_tenant, audience, fmt) -> None:
    made = golden_tenant.post(
        "/storytelling/generate", json={**SPAN, "audience": audience, "format": fmt}
    )
    assert made.status_code == 201, made.text
    narrative = made.json()["data"]
    path = GOLDEN / f"{audience.lower()}_{fmt}.md"
    if os.environ.get("SIGHTLINE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(narrative["body"])
    assert narrative["body"] == path.read_text()
    again = golden_tenant.post(f"/storytelling/{narrative['id']}/regenerate").json()["data"]
    assert again["body"].encode() == narrative["body"].encode()
    for claim_id in narrative["claims"]:
        claim = golden_tenant.get(f"/claims/{claim_id}").json()["data"]
        assert claim["display"] in narrative["body"] or fmt != "text"
        if claim["formula"] is None and claim["column"] != "sum(data)":
            assert any(claim["value"] in row.values() for row in claim["rows"]), claim
        if claim["column"] == "sum(data)":
            assert sum(r["value"] for r in claim["rows"]) == pytest.approx(claim["value"])
