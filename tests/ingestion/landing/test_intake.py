"""Landing-zone intake: every input line lands or is quarantined, files are read once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ingestion.landing.intake import intake_pending, pending_files
from ingestion.landing.staging import clear_pending, load_staged_day, pending_days
from warehouse.partition_writer import write_batch

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

# 10 data lines, worked out by hand:
#   line 2  good                              → lands 2026-03-09
#   line 3  good (v2 product column)          → lands 2026-03-09
#   line 4  amount "abc"                      → quarantine: not a number
#   line 5  missing customer_id               → quarantine: missing required field
#   line 6  only 4 fields                     → quarantine: expected 6 fields
#   line 7  currency "dollars"                → quarantine: not a 3-letter code
#   line 8  oversized product (70,000 chars)  → quarantine: limit
#   line 9  good, next day                    → lands 2026-03-10
#   line 10 timestamp "yesterday"             → quarantine: not ISO 8601
#   line 11 duplicate order_id of line 2      → quarantine: duplicate
# → 3 landed + 7 quarantined = 10 input rows
REVENUE_CSV = "\n".join([
    "order_id,customer_id,occurred_at,amount,currency,product",
    "o-1,c-1,2026-03-09T10:00:00Z,29.0,USD,starter",
    "o-2,c-2,2026-03-09T11:30:00+01:00,99.5,usd,pro",
    "o-3,c-3,2026-03-09T12:00:00Z,abc,USD,pro",
    "o-4,,2026-03-09T12:00:00Z,10,USD,pro",
    "o-5,c-5,2026-03-09T12:00:00Z,10",
    "o-6,c-6,2026-03-09T12:00:00Z,10,dollars,pro",
    "o-7,c-7,2026-03-09T12:00:00Z,10,USD," + "x" * 70_000,
    "o-8,c-8,2026-03-10T08:00:00Z,299,EUR,enterprise",
    "o-9,c-9,yesterday,10,USD,pro",
    "o-1,c-1,2026-03-09T10:00:00Z,29.0,USD,starter",
]) + "\n"


def _drop(landing: Path, connector: str, tenant: str, name: str, content: str | bytes) -> Path:
    folder = landing / connector / tenant
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_every_csv_row_is_landed_or_quarantined_with_a_reason(tmp_path: Path) -> None:
    _drop(tmp_path, "revenue", "lz1", "orders.csv", REVENUE_CSV)
    [report] = intake_pending(tmp_path, NOW)
    assert (report.landed, report.quarantined, report.outcome) == (3, 7, "processed")
    assert report.days == {date(2026, 3, 9), date(2026, 3, 10)}

    day9 = load_staged_day(tmp_path, "revenue", date(2026, 3, 9))
    rows = day9.batch.tables["raw_connector_records"].to_pylist()
    assert [(r["record_id"], r["amount"], r["currency"]) for r in rows] == [
        ("o-1", 29.0, "USD"), ("o-2", 99.5, "USD")]
    assert rows[1]["occurred_at"] == datetime(2026, 3, 9, 10, 30, tzinfo=UTC)  # +01:00 → UTC
    assert rows[1]["payload"] == ('{"amount":99.5,"currency":"USD","customer_id":"c-2",'
                                  '"order_id":"o-2","product":"pro"}')
    # Quarantined lines are filed under their own day when readable, else under the
    # file's first good day (2026-03-09): here every bad line lands on the 9th.
    assert load_staged_day(tmp_path, "revenue", NOW.date()).batch.quarantine.num_rows == 0
    bad = day9.batch.quarantine.to_pylist()
    reasons = {r["line_number"]: r["reason"] for r in bad}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 10, 11]
    assert "'amount'='abc' is not a number" in reasons[4]
    assert "missing required field 'customer_id'" in reasons[5]
    assert "expected 6 fields, got 4" in reasons[6]
    assert "not a 3-letter currency code" in reasons[7]
    assert "70000 characters, limit 200" in reasons[8]
    assert "not an ISO 8601 timestamp" in reasons[10]
    assert "duplicate record_id 'o-1'" in reasons[11]
    assert {r["file"] for r in bad} == {"revenue/lz1/orders.csv"}
    assert next(r for r in bad if r["line_number"] == 6)["raw"] == "o-5,c-5,2026-03-09T12:00:00Z,10"


def test_file_moves_to_processed_and_is_never_read_again(tmp_path: Path) -> None:
    source = _drop(tmp_path, "revenue", "lz1", "orders.csv", REVENUE_CSV)
    [report] = intake_pending(tmp_path, NOW)
    assert not source.exists()
    assert report.moved_to is not None and report.moved_to.parent == tmp_path / "revenue" / \
        "processed" / "lz1"
    assert pending_files(tmp_path) == []
    assert intake_pending(tmp_path, NOW) == []
    # The same bytes dropped again replace their staged rows instead of doubling them.
    _drop(tmp_path, "revenue", "lz1", "orders-again.csv", REVENUE_CSV)
    intake_pending(tmp_path, NOW)
    day9 = load_staged_day(tmp_path, "revenue", date(2026, 3, 9))
    assert day9.batch.tables["raw_connector_records"].num_rows == 2


def test_unknown_header_fails_the_file_and_quarantines_every_line(tmp_path: Path) -> None:
    _drop(tmp_path, "revenue", "lz1", "wrong.csv", "id,total\n1,2\n3,4\n")
    [report] = intake_pending(tmp_path, NOW)
    assert (report.outcome, report.landed, report.quarantined) == ("failed", 0, 2)
    assert (tmp_path / "revenue" / "failed" / "lz1").glob("*wrong.csv")
    # No good row: the lines are filed under the intake day.
    bad = load_staged_day(tmp_path, "revenue", NOW.date()).batch.quarantine.to_pylist()
    assert [r["line_number"] for r in bad] == [2, 3]
    assert all("unknown CSV header 'id,total'" in r["reason"] for r in bad)


def test_jsonl_events_with_bad_lines(tmp_path: Path) -> None:
    lines = [
        '{"event_id":"e1","event":"signup","person_id":"p1","timestamp":"2026-03-09T09:00:00Z",'
        '"properties":{"plan":"pro","seats":3}}',
        "not json",
        '{"event_id":"e2","event":"visit","timestamp":"2026-03-09T09:00:00Z"}',
        '{"event_id":"e3","event":"visit","person_id":"p2","timestamp":"2026-03-09T10:00:00Z",'
        '"colour":"red"}',
        '[1, 2]',
        '{"event_id":"e4","event":"purchase","person_id":"p1","timestamp":"2026-03-09T09:05:00Z",'
        '"revenue":"99","schema_version":1}',
    ]
    _drop(tmp_path, "events", "lz2", "batch.jsonl", "\n".join(lines) + "\n")
    _drop(tmp_path, "events", "lz2", "bad-bytes.jsonl", b'{"event":"\xff"}\n')
    reports = intake_pending(tmp_path, NOW)
    assert sum(r.landed for r in reports) == 2
    assert sum(r.quarantined for r in reports) == 5
    staged = load_staged_day(tmp_path, "events", date(2026, 3, 9))
    events = staged.batch.tables["raw_events"].to_pylist()
    assert [(e["event_id"], e["revenue"]) for e in events] == [("e1", None), ("e4", 99.0)]
    assert events[0]["properties"] == [("plan", "pro"), ("seats", "3")]
    assert events[0]["utm_source"] == "direct"
    reasons = sorted(r["reason"] for r in staged.batch.quarantine.to_pylist())
    assert reasons == ["a JSONL line must be a JSON object",
                       "malformed JSON: Expecting value: line 1 column 1 (char 0)",
                       "missing required field 'person_id'", "unknown field(s) ['colour']"]
    # The undecodable file has no readable line: it fails whole, one row under the intake day.
    assert [r.outcome for r in reports] == ["processed", "failed"]
    [undecodable] = load_staged_day(tmp_path, "events", NOW.date()).batch.quarantine.to_pylist()
    assert undecodable["line_number"] == 0
    assert undecodable["reason"] == ("no line of the file is a record (1 line(s) unreadable); "
                                     "line 1: line is not valid UTF-8")


def test_pending_markers_follow_intake_and_writes(tmp_path: Path) -> None:
    _drop(tmp_path, "revenue", "lz1", "orders.csv", REVENUE_CSV)
    intake_pending(tmp_path, NOW)
    assert pending_days(tmp_path) == [("revenue", date(2026, 3, 9)), ("revenue", date(2026, 3, 10))]
    staged = load_staged_day(tmp_path, "revenue", date(2026, 3, 9))
    clear_pending(tmp_path, "revenue", date(2026, 3, 9), staged.pending_token)
    assert pending_days(tmp_path) == [("revenue", date(2026, 3, 10))]


@pytest.mark.parametrize("suffix", [".xlsx"])
def test_unsupported_file_type_is_failed_with_one_quarantine_row(tmp_path: Path, suffix) -> None:
    _drop(tmp_path, "revenue", "lz1", "orders" + suffix, b"PK\x03\x04binary")
    [report] = intake_pending(tmp_path, NOW)
    assert (report.outcome, report.quarantined) == ("failed", 1)
    [bad] = pq.read_table(next((tmp_path / "_staged").rglob("*.quarantine.parquet"))).to_pylist()
    assert bad["line_number"] == 0 and "unsupported file type '.xlsx'" in bad["reason"]


def test_staged_day_written_to_clickhouse_accounts_for_every_row(clickhouse, tmp_path) -> None:
    _drop(tmp_path, "revenue", "lz3", "orders.csv", REVENUE_CSV)
    intake_pending(tmp_path, NOW)
    for day in (date(2026, 3, 9), date(2026, 3, 10)):  # every line is filed on these days
        for _ in range(2):  # writing a staged day twice changes nothing
            staged = load_staged_day(tmp_path, "revenue", day)
            write_batch(clickhouse, staged.batch, staged.tenants)
    landed = clickhouse.query("SELECT count() FROM raw_connector_records WHERE tenant_id='lz3' "
                              "AND source='landing:revenue'").result_rows[0][0]
    quarantined = clickhouse.query("SELECT count() FROM quarantine WHERE tenant_id='lz3' "
                                   "AND source='landing:revenue'").result_rows[0][0]
    assert (landed, quarantined) == (3, 7)
    assert landed + quarantined == len(REVENUE_CSV.strip().splitlines()) - 1
