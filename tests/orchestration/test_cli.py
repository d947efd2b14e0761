"""The `sightline` CLI: clear errors, queries, status, and a locked store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from orchestration.cli import app

runner = CliRunner()


def test_bad_date_is_a_clear_error() -> None:
    result = runner.invoke(app, ["materialize", "--from", "2026-13-01", "--to", "2026-01-02"])
    assert result.exit_code == 2
    assert "--from '2026-13-01' is not a date; use YYYY-MM-DD" in result.output


def test_range_before_the_first_partition_is_refused() -> None:
    result = runner.invoke(app, ["materialize", "--from", "2025-06-01", "--to", "2025-06-02"])
    assert result.exit_code == 2
    assert "before the first partition 2026-01-01" in result.output
    assert "SIGHTLINE_PARTITION_START" in result.output


def test_unknown_asset_names_the_known_ones() -> None:
    result = runner.invoke(app, ["materialize", "--from", "2026-01-02", "--to", "2026-01-02",
                                 "--select", "key:raw/nope"])
    assert result.exit_code == 2
    assert "no asset matches --select 'key:raw/nope'" in result.output
    assert "raw/demo" in result.output


def test_materialize_and_sql_json(clickhouse) -> None:
    result = runner.invoke(app, ["materialize", "--from", "2026-01-20", "--to", "2026-01-21",
                                 "--select", "key:raw/demo"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [
        "sql", "--format", "json",
        "SELECT toString(toDate(timestamp)) AS day, uniqExact(tenant_id) AS tenants "
        "FROM raw_events WHERE source = 'demo' "
        "AND toDate(timestamp) IN ('2026-01-20', '2026-01-21') "
        "GROUP BY day ORDER BY day"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"day": "2026-01-20", "tenants": 2},
                                         {"day": "2026-01-21", "tenants": 2}]


def test_sql_error_is_reported_without_traceback(clickhouse) -> None:
    result = runner.invoke(app, ["sql", "SELECT * FROM no_such_table"])
    assert result.exit_code == 2
    assert "no_such_table" in result.output and "Traceback" not in result.output


def test_status_lists_partitions_and_quarantine(clickhouse) -> None:
    runner.invoke(app, ["materialize", "--from", "2026-01-22", "--to", "2026-01-22",
                        "--select", "key:raw/demo"])
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "raw_events" in result.output and "demo" in result.output
    assert "raw/demo" in result.output and "2026-01-22" in result.output


def test_cli_in_another_process_reports_the_locked_store(clickhouse) -> None:
    env = {**os.environ, "SIGHTLINE_STORE_LOCK_TIMEOUT": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "sql", "SELECT 1"], env=env,
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert result.returncode == 2
    assert "locked by pid" in result.stderr and "SIGHTLINE_CLICKHOUSE_URL" in result.stderr


def test_ingest_lands_waiting_events_and_then_says_why_nothing_landed(
        clickhouse, tmp_path, monkeypatch) -> None:
    # A landing zone of its own: other tests leave staged days in the session's.
    monkeypatch.setenv("SIGHTLINE_LANDING_DIR", str(tmp_path))
    folder = tmp_path / "events" / "t_cli_ingest"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "batch.jsonl").write_text("".join(
        f'{{"event_id":"ci{i}","event":"visit","person_id":"p{i}",'
        f'"timestamp":"2026-02-25T0{i}:00:00Z"}}\n' for i in range(3))
        + '{"event_id":"ci9","event":"visit","timestamp":"2026-02-25T09:00:00Z"}\n')
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "quarantined at intake: 1" in result.output
    assert "2026-02-25:" in result.output and "Landed" in result.output
    [[landed]] = clickhouse.query(
        "SELECT count() FROM raw_events WHERE tenant_id = 't_cli_ingest'").result_rows
    assert landed == 3
    again = runner.invoke(app, ["ingest"])
    assert again.exit_code == 0, again.output
    assert "Nothing landed" in again.output and "no file was waiting" in again.output


def test_materialize_says_when_no_source_wrote_a_row(clickhouse) -> None:
    result = runner.invoke(app, ["materialize", "--from", "2026-01-03", "--to", "2026-01-03",
                                 "--select", "key:raw/landing_mentions"])
    assert result.exit_code == 0, result.output
    assert "No source wrote a row for these days" in result.output
    assert "raw/landing_mentions" in result.output
