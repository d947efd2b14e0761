"""Scheduled reports: local-time cadences across the US and EU clock changes; firings that
deliver by SMTP (a real server on loopback), webhook (a real receiver) and outbox, skip
when no dataset version moved, and deliver nothing once the owner's key is revoked; the
Dagster sensor's run request, executed, delivers too."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import http.server
import threading
from datetime import UTC, datetime, time

import pytest
from aiosmtpd.controller import Controller

from api.context import build_context
from api.dashboards import store
from api.ingest.webhooks import sign
from api.keys import create_key, revoke_key
from api.reports.cadence import Recurrence
from api.reports.firing import fire
from api.reports.schedules import ScheduleIn, create_schedule
from tests.api.conftest import API_FIRST, API_LAST, client_for
from tests.api.processes import free_port
from warehouse.settings import ReportSettings

RANGE = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat()}
SECRET = "report-secret"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("rule", "after", "expected"), [
    # Berlin: 08:00 local is 07:00 UTC in winter, 06:00 UTC from 29 March (CEST)
    (Recurrence("daily", time(8), "Europe/Berlin"), utc(2026, 3, 28, 7, 0, 1),
     utc(2026, 3, 29, 6)),
    (Recurrence("daily", time(8), "Europe/Berlin"), utc(2026, 10, 24, 6, 0, 1),
     utc(2026, 10, 25, 7)),
    # New York: 09:00 local is 14:00 UTC (EST) and 13:00 UTC from 8 March (EDT)
    (Recurrence("weekly", time(9), "America/New_York", weekday=0), utc(2026, 3, 2, 14, 1),
     utc(2026, 3, 9, 13)),
    (Recurrence("weekly", time(9), "America/New_York", weekday=0), utc(2026, 10, 26, 13, 1),
     utc(2026, 11, 2, 14)),
    # 02:30 does not exist on 8 March in New York: it fires when the gap ends (03:00 EDT)
    (Recurrence("daily", time(2, 30), "America/New_York"), utc(2026, 3, 7, 12),
     utc(2026, 3, 8, 7)),
    # 01:30 happens twice on 1 November: it fires once, at the first (EDT)
    (Recurrence("daily", time(1, 30), "America/New_York"), utc(2026, 10, 31, 12),
     utc(2026, 11, 1, 5, 30)),
    (Recurrence("daily", time(1, 30), "America/New_York"), utc(2026, 11, 1, 5, 30),
     utc(2026, 11, 2, 6, 30)),
    # monthly on the 31st: the last day of shorter months
    (Recurrence("monthly", time(9), "Europe/London", day_of_month=31), utc(2026, 2, 1),
     utc(2026, 2, 28, 9)),
    (Recurrence("monthly", time(9), "Europe/London", day_of_month=31), utc(2026, 3, 1),
     utc(2026, 3, 31, 8)),
])
def test_next_run_is_the_local_time_across_clock_changes(rule, after, expected) -> None:
    assert rule.next_after(after) == expected


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox():
    box = _Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture(scope="module")
def receiver():
    received: list[tuple[dict, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}/reports"
    server.shutdown()


@pytest.fixture(scope="module")
def owner(demo_pipeline, api_context, server_url):
    """Rita's key, client and a dashboard of hers over the demo days."""
    key, info = create_key(api_context.db, "acme", ["read"], "reports", user="rita")
    client = client_for(server_url, key)
    made = client.post("/dashboards", json={"name": "Daily numbers", "filters": RANGE,
                                            "widgets": [
        {"id": "signups", "title": "Signups", "kind": "line", "source": "trends",
         "params": {"series": [{"event": "signup"}]}}]})
    assert made.status_code == 201, made.text
    yield client, info, made.json()["data"]["id"]
    client.close()


def _fire(settings, schedule_id: int, due: datetime, now: datetime) -> dict:
    async def run() -> dict:
        context = build_context(settings)
        try:
            return await fire(context, schedule_id, due, now=now)
        finally:
            await context.aclose()
    return asyncio.run(run())


def test_firings_deliver_skip_without_change_and_deny_a_revoked_owner(
        owner, api_context, api_settings, mailbox, receiver, tmp_path) -> None:
    client, info, dashboard_id = owner
    box, smtp_url = mailbox
    received, hook_url = receiver
    settings = dataclasses.replace(api_settings, reports=ReportSettings(
        smtp_url=smtp_url, outbox_dir=tmp_path / "outbox", webhook_secret=SECRET))
    caller = store.Caller("acme", "rita")
    created = utc(2026, 3, 27, 12)  # Friday, before Berlin's clocks go forward
    made = {channel: create_schedule(api_context.db, caller, info.id, dashboard_id,
                                     ScheduleIn(cadence="daily", time="08:00",
                                                timezone="Europe/Berlin", format=fmt,
                                                channel=channel, target=target),
                                     created, email_enabled=True)
            for channel, fmt, target in (("email", "pdf", "cmo@example.com"),
                                         ("webhook", "xlsx", hook_url),
                                         ("outbox", "csv", "daily"))}
    assert {s["next_run_at"] for s in made.values()} == {"2026-03-28T07:00:00+00:00"}
    due = utc(2026, 3, 28, 7)
    outcomes = {c: _fire(settings, s["id"], due, now=due) for c, s in made.items()}
    assert {o["status"] for o in outcomes.values()} == {"delivered"}

    exported = {fmt: client.get(f"/dashboards/{dashboard_id}/export",
                                params={"format": fmt}).content for fmt in ("pdf", "xlsx", "csv")}
    [mail] = box.messages
    assert mail["To"] == "cmo@example.com" and "Daily numbers" in mail["Subject"]
    [attachment] = [p for p in mail.walk() if p.get_filename()]
    assert attachment.get_payload(decode=True) == exported["pdf"]
    [(headers, body)] = received
    assert body == exported["xlsx"]
    assert headers["X-Sightline-Signature"] == sign(
        SECRET, headers["X-Sightline-Delivery"], headers["X-Sightline-Timestamp"], body)
    [written] = (tmp_path / "outbox" / "acme" / "daily").iterdir()
    assert written.read_bytes() == exported["csv"]

    listed = client.get(f"/dashboards/{dashboard_id}/schedules").json()["data"]
    # after the clocks change, 08:00 in Berlin is 06:00 UTC
    assert {s["next_run_at"] for s in listed} == {"2026-03-29T06:00:00+00:00"}

    # the next day nothing moved: skipped, nothing sent
    next_due = utc(2026, 3, 29, 6)
    again = _fire(settings, made["email"]["id"], next_due, now=next_due)
    assert again["status"] == "skipped" and again["reason"].startswith("no change")
    assert len(box.messages) == 1
    # a retried run of a firing sends nothing again
    assert _fire(settings, made["email"]["id"], due, now=next_due)["status"] == "delivered"
    assert len(box.messages) == 1

    # a schedule made with a key that is revoked later delivers nothing
    _, doomed = create_key(api_context.db, "acme", ["read"], "doomed", user="rita")
    revocable = create_schedule(api_context.db, caller, doomed.id, dashboard_id,
                                ScheduleIn(cadence="daily", time="08:00", timezone="UTC",
                                           channel="webhook", target=hook_url), created,
                                email_enabled=True)
    revoke_key(api_context.db, doomed.prefix)
    later = utc(2026, 3, 28, 8)
    denied = _fire(settings, revocable["id"], later, now=later)
    assert denied == {**denied, "status": "denied", "reason": "the owner's API key is revoked"}
    assert len(received) == 1

    admin = create_key(api_context.db, "acme", ["admin"], "reports admin")[0]
    with client_for(str(client.base_url).removesuffix("/v1/"), admin) as boss:
        answer = boss.get("/reports/deliveries")
        assert answer.status_code == 200, answer.text
        log = answer.json()["data"]
    mine = [d for d in log if d["dashboard_id"] == dashboard_id]
    assert sorted(d["status"] for d in mine) == ["delivered"] * 3 + ["denied", "skipped"]


def test_schedules_over_http_validate_and_email_needs_smtp(owner) -> None:
    client, _, dashboard_id = owner
    path = f"/dashboards/{dashboard_id}/schedules"
    bad = client.post(path, json={"cadence": "daily", "time": "25:00", "timezone": "Mars/Base",
                                  "channel": "webhook", "target": "ftp://x"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"time", "timezone"}
    mail = client.post(path, json={"cadence": "daily", "time": "08:00", "timezone": "UTC",
                                   "channel": "email", "target": "a@example.com"})
    assert mail.status_code == 422 and "SIGHTLINE_SMTP_URL" in mail.text
    made = client.post(path, json={"cadence": "weekly", "weekday": 4, "time": "17:30",
                                   "timezone": "Asia/Tokyo", "channel": "outbox",
                                   "target": "friday", "format": "xlsx"})
    assert made.status_code == 201, made.text
    schedule = made.json()["data"]
    assert datetime.fromisoformat(schedule["next_run_at"]).astimezone(UTC).time() == time(8, 30)
    assert client.delete(f"{path}/{schedule['id']}").status_code == 204
    assert client.delete(f"{path}/{schedule['id']}").status_code == 404


def test_the_sensors_run_request_delivers(owner, api_context, instance, monkeypatch,
                                          tmp_path) -> None:
    from orchestration.report_runs import deliver_report_job, report_run_requests

    _, info, dashboard_id = owner
    monkeypatch.setenv("SIGHTLINE_DATABASE_URL", api_context.settings.database_url)
    monkeypatch.setenv("SIGHTLINE_REPORTS_OUTBOX", str(tmp_path))
    made = create_schedule(api_context.db, store.Caller("acme", "rita"), info.id, dashboard_id,
                           ScheduleIn(cadence="daily", time="06:00", timezone="UTC",
                                      format="csv", channel="outbox", target="sensor"),
                           utc(2026, 4, 1), email_enabled=False)
    requests = [r for r in report_run_requests(utc(2026, 4, 1, 6))
                if r.tags["sightline/report_schedule"] == str(made["id"])]
    assert [r.run_key for r in requests] == [f"report:{made['id']}:2026-04-01T06:00:00+00:00"]
    result = deliver_report_job.execute_in_process(run_config=requests[0].run_config,
                                                   instance=instance)
    assert result.success
    assert [p.name for p in (tmp_path / "acme" / "sensor").iterdir()] == [
        f"report-{made['id']}-20260401T060000Z-daily-numbers-v1.csv"]
    assert not [r for r in report_run_requests(utc(2026, 4, 1, 6, 30))
                if r.tags["sightline/report_schedule"] == str(made["id"])]
