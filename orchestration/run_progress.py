"""Follow an in-process run's steps from Dagster's event log, for progress displays.

The run executes in the caller's thread; a background thread reads the run's STEP_START,
STEP_SUCCESS and STEP_FAILURE records from the instance's event log (the same records
the UI shows) and hands each to a callback. No hook inside the assets is needed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import dagster as dg

from orchestration.run_liveness import LiveRun

_STEP_EVENTS = {
    dg.DagsterEventType.STEP_START: "started",
    dg.DagsterEventType.STEP_SUCCESS: "succeeded",
    dg.DagsterEventType.STEP_FAILURE: "failed",
    dg.DagsterEventType.STEP_SKIPPED: "skipped",
}


@dataclass(frozen=True)
class StepEvent:
    """One step changing state: its key (e.g. `publish_marts`) and new state."""

    step_key: str
    state: str  # started | succeeded | failed | skipped

    @property
    def finished(self) -> bool:
        """True once the step no longer runs."""
        return self.state != "started"


class RunObserver:
    """What a caller of the runner hears about; the base class ignores everything."""

    def on_reaped(self, run_ids: list[str]) -> None:
        """Dead runs were marked failed before this one started."""

    def on_wait(self, others: list[LiveRun]) -> None:
        """This run waits for the store, held by `others` (called every poll)."""

    def on_start(self, run_id: str, steps: int) -> None:
        """The run starts with `steps` steps."""

    def on_step(self, event: StepEvent) -> None:
        """A step started or finished."""


class StepWatcher:
    """Context manager: polls `run_id`'s step events and calls `on_step` for each, in
    order, until the block exits (then reads what is left once more)."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str,
                 on_step: Callable[[StepEvent], None], interval: float = 0.3) -> None:
        self._instance, self._run_id, self._on_step = instance, run_id, on_step
        self._interval = interval
        self._cursor: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="step-watcher", daemon=True)

    def __enter__(self) -> StepWatcher:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._poll()

    def _poll(self) -> None:
        if not self._instance.has_run(self._run_id):
            return
        connection = self._instance.get_records_for_run(
            self._run_id, cursor=self._cursor, of_type=set(_STEP_EVENTS))
        self._cursor = connection.cursor
        for record in connection.records:
            event = record.event_log_entry.dagster_event
            if event is not None and event.step_key:
                self._on_step(StepEvent(event.step_key, _STEP_EVENTS[event.event_type]))
