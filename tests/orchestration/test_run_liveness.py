"""Dead runs are reaped, live ones are waited for (sleeping, naming them), and the CLI's
progress follows the run's own step events."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import uuid
from datetime import date

import dagster as dg
import pytest

from orchestration import runner
from orchestration.run_liveness import RECORDS_DIR, live_runs, reap_dead_runs
from orchestration.run_progress import RunObserver, StepEvent
from orchestration.sensors import dead_runs_sensor
from warehouse.store_lock import StoreLockedError


def _started_run(instance, settings, pid: int, started: str) -> str:
    """A STARTED run (as a killed process leaves it) whose recorded process is `pid`."""
    run_id = str(uuid.uuid4())
    instance.add_run(dg.DagsterRun(job_name="daily_pipeline", run_id=run_id,
                                   status=dg.DagsterRunStatus.STARTED))
    folder = settings.dagster_home / RECORDS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    import socket

    (folder / f"{run_id}.json").write_text(json.dumps(
        {"pid": pid, "started": started, "host": socket.gethostname(),
         "command": "sightline materialize --from 2026-03-01 --to 2026-03-01"}))
    return run_id


def _gone_process() -> tuple[int, str]:
    """A pid whose process has exited, with the start time it had."""
    from orchestration.run_liveness import process_start_time

    child = subprocess.Popen(["sleep", "30"])
    started = process_start_time(child.pid)
    child.kill()
    child.wait()
    return child.pid, started


def test_the_sensor_fails_a_dead_run_and_leaves_live_ones(instance, settings) -> None:
    pid, started = _gone_process()
    dead = _started_run(instance, settings, pid, started)
    with subprocess.Popen(["sleep", "30"]) as alive_process:
        from orchestration.run_liveness import process_start_time

        alive = _started_run(instance, settings, alive_process.pid,
                             process_start_time(alive_process.pid))
        context = dg.build_sensor_context(instance=instance)
        result = dead_runs_sensor(context)
        assert dead in result.skip_message
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive).status == dg.DagsterRunStatus.STARTED
        assert [r.run_id for r in live_runs(instance, settings.dagster_home)] == [alive]
        alive_process.kill()
    assert reap_dead_runs(instance, settings.dagster_home) == [alive]
    assert dead_runs_sensor(context).skip_message == "no dead runs"
    # The records of ended runs are removed once they are reaped.
    records = settings.dagster_home / RECORDS_DIR
    assert not (records / f"{dead}.json").exists() and not (records / f"{alive}.json").exists()


class _Recorder(RunObserver):
    def __init__(self) -> None:
        self.waits: list[str] = []
        self.reaped: list[str] = []
        self.steps: list[StepEvent] = []
        self.started: list[int] = []

    def on_wait(self, others) -> None:
        self.waits.extend(o.describe() for o in others)

    def on_reaped(self, run_ids) -> None:
        self.reaped.extend(run_ids)

    def on_start(self, run_id, steps) -> None:
        self.started.append(steps)

    def on_step(self, event) -> None:
        self.steps.append(event)


def test_a_run_waits_for_a_live_holder_by_sleeping_and_names_it(
        instance, settings, monkeypatch) -> None:
    monkeypatch.setattr(runner, "load_settings", lambda: dataclasses.replace(
        settings, store_lock_timeout_seconds=3))
    with subprocess.Popen(["sleep", "30"]) as holder:
        from orchestration.run_liveness import process_start_time

        run_id = _started_run(instance, settings, holder.pid, process_start_time(holder.pid))
        recorder = _Recorder()
        with pytest.raises(StoreLockedError, match=f"run {run_id[:8]} .*pid {holder.pid}"):
            runner.run_range(dg.AssetSelection.assets(["raw", "x_api"]), date(2026, 3, 2),
                             date(2026, 3, 2), instance, recorder)
        holder.kill()
    # It polled every 2 s over a 3 s wait (a spinning wait would poll thousands of times).
    assert 1 <= len(recorder.waits) <= 2
    assert f"pid {holder.pid}: `sightline materialize" in recorder.waits[0]
    # The holder died meanwhile: the next run reaps it and goes ahead.
    recorder = _Recorder()
    runner.run_range(dg.AssetSelection.assets(["raw", "x_api"]), date(2026, 3, 2),
                     date(2026, 3, 2), instance, recorder)
    assert recorder.reaped == [run_id]
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE


def test_progress_hears_every_step_of_the_run(instance) -> None:
    recorder = _Recorder()
    selection = dg.AssetSelection.assets(["raw", "x_api"], ["raw", "reddit_api"])
    runner.run_range(selection, date(2026, 3, 3), date(2026, 3, 3), instance, recorder)
    assert recorder.started == [4]  # two sources and their two checks
    finished = [e.step_key for e in recorder.steps if e.finished]
    assert sorted(finished) == ["check_reddit_api", "check_x_api", "raw__reddit_api",
                                "raw__x_api"]
    for step in finished:  # each step was heard starting before finishing
        states = [e.state for e in recorder.steps if e.step_key == step]
        assert states == ["started", "succeeded"]
