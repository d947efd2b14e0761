"""Which in-progress runs are still alive, and what to do about the dead ones.

A run killed with SIGKILL (an OOM kill, a reboot, a hard Ctrl-C) never reports its end:
Dagster keeps it STARTED, and with the store's pool of one run every later run queues
behind it forever. Embedded runs execute in one process (the in-process executor), so a
run is alive exactly while that process is: each run records its process (pid, start
time, host) when its first resource is set up, and `reap_dead_runs` marks the runs whose
process is gone as failed and frees any concurrency slots they hold. The CLI reaps
before every run; `dead_runs_sensor` reaps under the daemon.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
               dg.DagsterRunStatus.CANCELING]
RECORDS_DIR = "run_processes"


@dataclass(frozen=True)
class RunProcess:
    """The process executing a run."""

    pid: int
    started: str  # the kernel's start time of the pid, so a reused pid is not taken for it
    host: str
    command: str

    def alive(self) -> bool:
        """True unless the process is gone (on this host; another host's is assumed alive)."""
        if self.host != socket.gethostname():
            return True
        return process_start_time(self.pid) == self.started


def process_start_time(pid: int) -> str | None:
    """The start time of `pid` as the kernel counts it (None when there is no such process).

    On systems without /proc, the pid's existence alone is checked ('' when it exists).
    """
    stat = Path(f"/proc/{pid}/stat")
    if stat.parent.parent.exists() and Path("/proc/self/stat").exists():
        try:
            # Field 22 (starttime) follows the command name, which may contain spaces.
            return stat.read_text().rsplit(")", 1)[1].split()[19]
        except (OSError, IndexError):
            return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return ""
    return ""


def record_run_process(dagster_home: Path, run_id: str) -> None:
    """Record that this process executes `run_id` (idempotent)."""
    folder = dagster_home / RECORDS_DIR
    path = folder / f"{run_id}.json"
    if path.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    me = RunProcess(os.getpid(), process_start_time(os.getpid()) or "", socket.gethostname(),
                    " ".join(sys.argv)[:200])
    temp = folder / f".{run_id}.{os.getpid()}.tmp"
    temp.write_text(json.dumps(me.__dict__))
    temp.replace(path)


def run_process(dagster_home: Path, run_id: str) -> RunProcess | None:
    """The recorded process of `run_id`, if it got as far as setting up a resource."""
    try:
        return RunProcess(**json.loads((dagster_home / RECORDS_DIR / f"{run_id}.json")
                                       .read_text()))
    except (OSError, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class LiveRun:
    """An in-progress run whose process is alive."""

    run_id: str
    job_name: str
    process: RunProcess | None

    def describe(self) -> str:
        """'run 1a2b3c4d (daily_pipeline, pid 123: `sightline materialize …`)'."""
        who = f", pid {self.process.pid}: `{self.process.command}`" if self.process else ""
        return f"run {self.run_id[:8]} ({self.job_name}{who})"


def reap_dead_runs(instance: dg.DagsterInstance, dagster_home: Path) -> list[str]:
    """Mark in-progress runs whose process died as failed and free their concurrency
    slots, and free slots still held by finished runs; return the reaped run ids."""
    reaped = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        process = run_process(dagster_home, run.run_id)
        if process is None or process.alive():
            continue
        instance.report_engine_event(
            f"The process of this run (pid {process.pid} on {process.host}) is gone: it was "
            "killed before the run could report its end. Marked failed; re-run its "
            "partitions (partition writes are idempotent).", run)
        instance.report_run_failed(run)
        reaped.append(run.run_id)
    _forget_finished(instance, dagster_home)
    storage = instance.event_log_storage
    holders = storage.get_concurrency_run_ids() if storage.supports_global_concurrency_limits \
        else set()
    if holders:
        finished = {r.dagster_run.run_id for r in instance.get_run_records(
            dg.RunsFilter(run_ids=list(holders))) if r.dagster_run.is_finished}
        for run_id in finished | (set(reaped) & holders):
            storage.free_concurrency_slots_for_run(run_id)
    return reaped


def _forget_finished(instance: dg.DagsterInstance, dagster_home: Path) -> None:
    """Remove the process records of runs that have ended (one file per run otherwise
    piles up, a run a day for years)."""
    records = {p.stem: p for p in (dagster_home / RECORDS_DIR).glob("*.json")}
    if not records:
        return
    for record in instance.get_run_records(dg.RunsFilter(run_ids=list(records))):
        if record.dagster_run.is_finished:
            records[record.dagster_run.run_id].unlink(missing_ok=True)


def live_runs(instance: dg.DagsterInstance, dagster_home: Path,
              exclude: str | None = None) -> list[LiveRun]:
    """In-progress runs other than `exclude` whose process is alive (or unknown)."""
    out = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        if run.run_id == exclude:
            continue
        process = run_process(dagster_home, run.run_id)
        if process is None or process.alive():
            out.append(LiveRun(run.run_id, run.job_name, process))
    return out
