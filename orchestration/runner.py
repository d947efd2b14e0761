"""Run Dagster in-process for the CLI: a selection of assets over a range of days."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from orchestration.definitions import defs
from orchestration.jobs import pipeline_selection
from orchestration.partitions import daily_partitions
from orchestration.run_liveness import live_runs, reap_dead_runs, record_run_process
from orchestration.run_progress import RunObserver, StepWatcher
from warehouse.settings import Settings, load_settings
from warehouse.store_lock import StoreLockedError

_WAIT_POLL_SECONDS = 2.0

_INSTANCE_YAML = """\
# Written by `sightline` (rewritten when it changes; remove this line to keep your edits).
# One run at a time holds the embedded store: runs queue for the pool, steps never poll.
concurrency:
  pools:
    default_limit: 1
    granularity: run
# Runs that die without reporting their end are failed, and their slots freed.
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 30
telemetry:
  enabled: false
"""
_GENERATED_MARK = "# Written by `sightline`"


class RunFailedError(RuntimeError):
    """A Dagster run finished with failed steps; the message lists them."""


def ensure_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME with a dagster.yaml limiting the store pool to one run.

    A dagster.yaml that `sightline` wrote is brought up to date; one written by hand (no
    generated mark on its first line) is left alone.
    """
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists() or (config.read_text().startswith(_GENERATED_MARK)
                               and config.read_text() != _INSTANCE_YAML):
        config.write_text(_INSTANCE_YAML)
    return settings.dagster_home


def select_assets(select: str | None) -> dg.AssetSelection:
    """Parse `--select` (Dagster selection syntax, e.g. 'key:raw/demo' or 'group:ingest').

    Raises ValueError naming the known asset keys when nothing matches.
    """
    selection = pipeline_selection if not select else dg.AssetSelection.from_string(select)
    graph = defs.resolve_asset_graph()
    keys = selection.resolve(graph)
    if not keys:
        known = ", ".join(sorted(k.to_user_string() for k in graph.get_all_asset_keys()))
        raise ValueError(f"no asset matches --select {select!r}; known assets: {known}")
    unpartitioned = [k.to_user_string() for k in keys if not graph.get(k).is_partitioned]
    if unpartitioned:
        raise ValueError(f"{', '.join(unpartitioned)} not partitioned: select partitioned assets")
    return selection


def check_window(first: date, last: date, settings: Settings) -> None:
    """Raise ValueError unless [first, last] is a valid range of existing partitions."""
    latest = datetime.now(UTC).date() - timedelta(days=1)
    if first > last:
        raise ValueError(f"--from {first} is after --to {last}")
    if first < settings.partition_start:
        raise ValueError(
            f"--from {first} is before the first partition {settings.partition_start} "
            "(set SIGHTLINE_PARTITION_START to start earlier)")
    if last > latest:
        raise ValueError(f"--to {last} is not a complete day yet; the latest is {latest}")


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: its id and per-asset materialization metadata."""

    run_id: str
    metadata: dict[str, dict]


def run_range(selection: dg.AssetSelection, first: date, last: date,
              instance: dg.DagsterInstance, observer: RunObserver | None = None) -> RunOutcome:
    """Materialize `selection` for [first, last] as one run; raise RunFailedError on failure.

    One day runs as one partition key (as the schedule and the UI launch it), several
    as a partition range (a single-run backfill).
    """
    job = dg.define_asset_job("cli_materialize", selection=selection,
                              partitions_def=daily_partitions)
    job_def = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def(job.name)
    if first == last:
        tags = {PARTITION_NAME_TAG: first.isoformat()}
    else:
        tags = {ASSET_PARTITION_RANGE_START_TAG: first.isoformat(),
                ASSET_PARTITION_RANGE_END_TAG: last.isoformat()}
    return _execute(job_def, instance, tags, observer)


def run_job(name: str, instance: dg.DagsterInstance,
            observer: RunObserver | None = None) -> RunOutcome:
    """Run one of the code location's unpartitioned jobs in-process."""
    return _execute(defs.resolve_job_def(name), instance, {}, observer)


def _root_cause(error) -> str:  # SerializableErrorInfo
    """The innermost error message: what failed, not Dagster's wrapper around it."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _wait_for_other_runs(instance: dg.DagsterInstance, settings: Settings,
                         observer: RunObserver) -> None:
    """Reap dead runs, then wait (sleeping, bounded by the store lock timeout) while a live
    run of another process holds the store; raise StoreLockedError naming it."""
    reaped = reap_dead_runs(instance, settings.dagster_home)
    if reaped:
        observer.on_reaped(reaped)
    if not settings.embedded:
        return
    deadline = time.monotonic() + settings.store_lock_timeout_seconds
    while others := live_runs(instance, settings.dagster_home):
        if time.monotonic() >= deadline:
            raise StoreLockedError(
                f"the embedded store is busy with {others[0].describe()} since more than "
                f"{settings.store_lock_timeout_seconds:.0f}s; let it finish, stop it (a run "
                "killed meanwhile is reaped on the next start), raise "
                "SIGHTLINE_STORE_LOCK_TIMEOUT, or run a ClickHouse server "
                "(SIGHTLINE_CLICKHOUSE_URL) so runs can share it")
        observer.on_wait(others)
        time.sleep(_WAIT_POLL_SECONDS)
        if reaped := reap_dead_runs(instance, settings.dagster_home):
            observer.on_reaped(reaped)


def _execute(job_def: dg.JobDefinition, instance: dg.DagsterInstance,
             tags: dict[str, str], observer: RunObserver | None = None) -> RunOutcome:
    settings = load_settings()
    observer = observer or RunObserver()
    _wait_for_other_runs(instance, settings, observer)
    run_id = str(uuid.uuid4())
    if settings.embedded:
        record_run_process(settings.dagster_home, run_id)
    observer.on_start(run_id, len(job_def.nodes_in_topological_order))
    with StepWatcher(instance, run_id, observer.on_step):
        result = job_def.execute_in_process(
            instance=instance, tags=tags, raise_on_error=False, run_id=run_id,
            # Step-level DEBUG events belong in the run's event log, not on the terminal.
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    if not result.success:
        failures = [
            f"{event.step_key}: {_root_cause(event.step_failure_data.error)}"
            for event in result.all_events
            if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
        ]
        raise RunFailedError(f"run {result.run_id} failed: " + ("; ".join(failures) or "see logs"))
    metadata = {
        event.asset_key.to_user_string(): {
            k: v.value for k, v in event.materialization.metadata.items()}
        for event in result.get_asset_materialization_events()
    }
    return RunOutcome(result.run_id, metadata)
