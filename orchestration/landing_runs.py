"""`sightline ingest`: land what waits in the landing zone now, and say what happened.

The same two steps the sensor automates — the intake run, then one landing-load run per
staged day that changed — executed in-process, one after the other, with a summary that
says why nothing landed when nothing did.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import dagster as dg

from ingestion.landing.intake import pending_files
from ingestion.landing.staging import pending_days
from orchestration.partitions import daily_partitions
from orchestration.run_progress import RunObserver
from orchestration.runner import run_job, run_range
from orchestration.sources import landing_source
from warehouse.settings import Settings


@dataclass
class LandingSummary:
    """What one `land_pending` call did."""

    files_read: int = 0
    files_failed: int = 0
    files_left_waiting: dict[str, str] = field(default_factory=dict)  # path -> OS error
    rows_staged: int = 0
    rows_quarantined_at_intake: int = 0
    rows_written: Counter[str] = field(default_factory=Counter)  # day -> rows
    rows_quarantined: int = 0  # written to quarantine by the landing loads
    days_not_written: dict[str, str] = field(default_factory=dict)  # connector/day -> why

    def reasons_nothing_landed(self, settings: Settings) -> list[str]:
        """Why no row was written (empty when rows were written)."""
        if sum(self.rows_written.values()):
            return []
        reasons = []
        if not self.files_read and not self.days_not_written:
            reasons.append(
                f"no file was waiting in {settings.landing_dir}: files go under "
                "<connector>/<tenant>/ there (or arrive through POST /v1/events, webhooks "
                "and uploads)")
        if self.files_failed:
            reasons.append(f"{self.files_failed} file(s) were unreadable as a whole and "
                           "moved to failed/ (their reasons are in quarantine)")
        if self.rows_quarantined_at_intake and not self.rows_staged:
            reasons.append(f"all {self.rows_quarantined_at_intake} row(s) read were "
                           "quarantined: see `sightline status` or GET /v1/connectors")
        reasons.extend(f"{key}: {why}" for key, why in self.days_not_written.items())
        reasons.extend(f"{path} left waiting: {error}"
                       for path, error in self.files_left_waiting.items())
        return reasons


def land_pending(settings: Settings, instance: dg.DagsterInstance,
                 observer: RunObserver | None = None) -> LandingSummary:
    """Intake every waiting file, then write every staged day that changed into ClickHouse
    (one run per day, the day's changed connectors only)."""
    summary = LandingSummary()
    landing = settings.landing_dir
    if landing.exists() and pending_files(landing):
        intake = run_job("landing_intake_job", instance, observer).metadata["landing/intake"]
        summary.files_read = int(intake["files"])
        summary.files_failed = int(intake["failed_files"])
        summary.files_left_waiting = dict(intake.get("files_left_waiting") or {})
        summary.rows_staged = int(intake["rows_staged"])
        summary.rows_quarantined_at_intake = int(intake["rows_quarantined"])
    valid = set(daily_partitions.get_partition_keys(datetime.now(UTC)))
    by_day: dict[date, list[str]] = defaultdict(list)
    for connector, day in pending_days(landing) if landing.exists() else []:
        if day.isoformat() in valid:
            by_day[day].append(connector)
        else:
            summary.days_not_written[f"{connector}/{day}"] = (
                f"outside the daily partitions ({settings.partition_start} to today); "
                "set SIGHTLINE_PARTITION_START earlier to write it")
    for day, connectors in sorted(by_day.items()):
        selection = dg.AssetSelection.assets(*(landing_source(c).key for c in connectors))
        outcome = run_range(selection, day, day, instance, observer)
        for meta in outcome.metadata.values():
            summary.rows_written[day.isoformat()] += int(meta.get("rows_written", 0))
            summary.rows_quarantined += int(meta.get("rows_quarantined", 0))
    return summary
