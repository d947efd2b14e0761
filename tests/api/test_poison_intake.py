"""Poison files end to end: tenant A's malformed files and tenant B's good file go through
the real intake job and landing loads; B's rows reach raw_events, A's files are
quarantined in ClickHouse with their reasons, and GET /v1/connectors shows them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg

from api.keys import create_key
from orchestration.runner import run_job, run_range
from tests.api.conftest import client_for
from tests.ingestion.landing.test_poison_files import GOOD, POISON

POISONED, CLEAN, LATE_SENDER = "t_poison_a", "t_poison_b", "t_poison_c"
DAY = date(2026, 3, 9)  # GOOD's events
EARLY = (b'{"event_id":"old","event":"visit","person_id":"p","timestamp":'
         b'"2025-06-01T00:00:00Z"}\n')


def test_poison_is_quarantined_with_reasons_and_the_other_tenant_lands(
        settings, instance, clickhouse, server_url, api_context) -> None:
    for tenant, files in ((POISONED, {f"{s}.jsonl": c for s, (c, _) in POISON.items()}),
                          (CLEAN, {"good.jsonl": GOOD}),
                          (LATE_SENDER, {"early.jsonl": EARLY + GOOD})):
        folder = settings.landing_dir / "events" / tenant
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (folder / name).write_bytes(content)

    run_job("landing_intake_job", instance)
    today = datetime.now(UTC).date()
    events = dg.AssetSelection.assets(["raw", "landing_events"])
    run_range(events, DAY, DAY, instance)
    run_range(events, today, today, instance)  # file-level rows are filed under today

    def landed(tenant: str) -> list[str]:
        return [r[0] for r in clickhouse.query(
            "SELECT event_id FROM raw_events WHERE tenant_id = {t:String} ORDER BY event_id",
            parameters={"t": tenant}).result_rows]

    assert landed(CLEAN) == ["g0", "g1", "g2"]
    assert landed(POISONED) == []
    assert landed(LATE_SENDER) == ["g0", "g1", "g2"]  # the good lines of early.jsonl
    rows = clickhouse.query(
        "SELECT file, line_number, reason FROM quarantine WHERE tenant_id = {t:String} "
        "ORDER BY file", parameters={"t": POISONED}).result_rows
    by_file = {f.rsplit("/", 1)[1]: (n, reason) for f, n, reason in rows}
    assert len(rows) == len(POISON)
    for shape, (_, reason) in POISON.items():
        number, stored = by_file[f"{shape}.jsonl"]
        assert number == 0 and stored.startswith(reason), shape
    assert clickhouse.query("SELECT count() FROM quarantine WHERE tenant_id = {t:String}",
                            parameters={"t": CLEAN}).result_rows[0][0] == 0

    def events_status(tenant: str) -> dict:
        key = create_key(api_context.db, tenant, ["ingest"], "poison test")[0]
        with client_for(server_url, key) as http:
            status = http.get("/connectors").json()["data"]
        return next(c for c in status["landing"] if c["name"] == "events")

    poisoned = events_status(POISONED)
    assert (poisoned["quarantined"], poisoned["files"]["failed"]) == (len(POISON), len(POISON))
    assert len(poisoned["quarantine_reasons"]) == 5  # the five most frequent (all 1 row)
    late = events_status(LATE_SENDER)
    assert late["quarantine_reasons"] == [{
        "reason": "timestamp 2025-06-01 00:00:00+00:00 is before the first partition "
                  "2026-01-01 (SIGHTLINE_PARTITION_START); no daily partition can hold it",
        "rows": 1}]
