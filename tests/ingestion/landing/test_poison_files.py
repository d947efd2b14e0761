"""Poison files: whatever bytes a tenant drops, its file is quarantined with a reason and
every other file — other tenants' included, sorted after it — is processed normally."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ingestion.landing import intake as intake_module
from ingestion.landing.intake import intake_pending, pending_files
from ingestion.landing.staging import load_staged_day

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = date(2026, 3, 9)
GOOD = b"".join(
    f'{{"event_id":"g{i}","event":"visit","person_id":"p{i}","timestamp":"2026-03-09T0{i}:00:00Z"}}\n'
    .encode() for i in range(3))
EVENT = b'{"event_id":"x1","event":"visit","person_id":"p1","timestamp":"2026-03-09T01:00:00Z"'

# (file content, the start of the file-level quarantine reason)
POISON = {
    "schema_version_array": (EVENT + b',"schema_version":[1]}\n',
                             "no line of the file is a record (1 line(s) unreadable); line 1: "
                             "schema_version must be an integer, got an array"),
    "schema_version_object": (EVENT + b',"schema_version":{}}\n',
                              "no line of the file is a record (1 line(s) unreadable); line 1: "
                              "schema_version must be an integer, got an object"),
    "non_object_lines": (b'[1, 2]\n"text"\n42\n',
                         "no line of the file is a record (3 line(s) unreadable); line 1: "
                         "a JSONL line must be a JSON object"),
    "broken_utf8": (b'{"event":"\xff\xfe"}\n\xc3\x28\n',
                    "no line of the file is a record (2 line(s) unreadable); line 1: "
                    "line is not valid UTF-8"),
    "garbage": (bytes(range(256)) * 64,
                "no line of the file is a record"),
    "zero_bytes": (b"", "empty file: expected one JSON object per line"),
    "ten_mb_line": (b"x" * (10 * 1024 * 1024),
                    "no line of the file is a record (1 line(s) unreadable); line 1: "
                    "malformed JSON"),
}


def _drop(landing: Path, tenant: str, name: str, content: bytes) -> Path:
    folder = landing / "events" / tenant
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def _staged_state(landing: Path) -> dict[str, bytes]:
    return {str(p.relative_to(landing)): p.read_bytes()
            for p in sorted((landing / "_staged").rglob("*.parquet"))}


@pytest.mark.parametrize("shape", sorted(POISON))
def test_a_poison_file_is_quarantined_whole_and_the_other_tenant_lands(
        tmp_path: Path, shape: str) -> None:
    content, reason = POISON[shape]
    _drop(tmp_path, "a_tenant", f"{shape}.jsonl", content)
    _drop(tmp_path, "b_tenant", "good.jsonl", GOOD)
    reports = {r.file.tenant_id: r for r in intake_pending(tmp_path, NOW)}

    assert (reports["b_tenant"].outcome, reports["b_tenant"].landed) == ("processed", 3)
    staged = load_staged_day(tmp_path, "events", DAY)
    assert sorted(staged.batch.tables["raw_events"]["event_id"].to_pylist()) == ["g0", "g1", "g2"]

    poisoned = reports["a_tenant"]
    assert (poisoned.outcome, poisoned.landed, poisoned.quarantined) == ("failed", 0, 1)
    assert poisoned.moved_to.parent == tmp_path / "events" / "failed" / "a_tenant"
    assert poisoned.moved_to.read_bytes() == content  # nothing is lost: the file is kept
    # The file-level row: tenant, connector (source), file, line 0 and the reason.
    [row] = load_staged_day(tmp_path, "events", NOW.date()).batch.quarantine.to_pylist()
    assert (row["tenant_id"], row["source"], row["file"], row["line_number"]) == (
        "a_tenant", "landing:events", f"events/a_tenant/{shape}.jsonl", 0)
    assert row["reason"].startswith(reason)
    assert len(row["raw"]) <= 4096

    # Re-running the intake changes nothing: no file waits, the staged state is the same.
    before = _staged_state(tmp_path)
    assert intake_pending(tmp_path, NOW) == []
    assert _staged_state(tmp_path) == before


def test_an_unexpected_error_in_one_file_does_not_stop_the_others(
        tmp_path: Path, monkeypatch) -> None:
    real = intake_module._validate

    def explode_for_a(file, *args, **kwargs):
        if file.tenant_id == "a_tenant":
            raise RuntimeError("contract bug")
        return real(file, *args, **kwargs)

    monkeypatch.setattr(intake_module, "_validate", explode_for_a)
    _drop(tmp_path, "a_tenant", "fine.jsonl", GOOD)
    _drop(tmp_path, "b_tenant", "good.jsonl", GOOD)
    reports = {r.file.tenant_id: r for r in intake_pending(tmp_path, NOW)}
    assert reports["b_tenant"].landed == 3
    assert reports["a_tenant"].outcome == "failed"
    [row] = load_staged_day(tmp_path, "events", NOW.date()).batch.quarantine.to_pylist()
    assert row["reason"].startswith("file could not be validated (RuntimeError: contract bug)")
    assert pending_files(tmp_path) == []


def test_rows_before_the_first_partition_are_quarantined_with_that_reason(tmp_path) -> None:
    early = (b'{"event_id":"o1","event":"visit","person_id":"p",'
             b'"timestamp":"2025-12-31T23:00:00Z"}\n')
    _drop(tmp_path, "c_tenant", "mixed.jsonl", early + GOOD)
    [report] = intake_pending(tmp_path, NOW, first_day=date(2026, 1, 1))
    assert (report.landed, report.quarantined) == (3, 1)
    # Filed under the file's first good day: a day that a partition can hold.
    [row] = load_staged_day(tmp_path, "events", DAY).batch.quarantine.to_pylist()
    assert row["line_number"] == 1
    assert row["reason"] == ("timestamp 2025-12-31 23:00:00+00:00 is before the first "
                             "partition 2026-01-01 (SIGHTLINE_PARTITION_START); no daily "
                             "partition can hold it")
