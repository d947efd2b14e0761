"""The CLI's view of in-process runs: a rich progress bar driven by Dagster step events,
plus a line for every dead run reaped and every wait for the store."""

from __future__ import annotations

from rich.progress import Progress, TaskID

from orchestration.run_liveness import LiveRun
from orchestration.run_progress import RunObserver, StepEvent


class ProgressObserver(RunObserver):
    """Advances one progress task by finished steps; shows the window and running step.

    `runs` is how many runs the command will execute: the bar's total is the steps of
    the runs started so far plus, for each run still to come, the last run's steps.
    """

    def __init__(self, progress: Progress, task: TaskID, runs: int = 1) -> None:
        self.progress, self.task, self.runs = progress, task, runs
        self.label = ""
        self._waited_for: set[str] = set()
        self._started_steps: list[int] = []

    def start_window(self, label: str) -> None:
        """Name what the next run works on (e.g. '2026-03-01 → 2026-03-07')."""
        self.label = label
        self.progress.update(self.task, description=f"{label} · starting")

    def on_reaped(self, run_ids: list[str]) -> None:
        self.progress.console.print(
            f"[yellow]marked failed:[/] {', '.join(r[:8] for r in run_ids)} — the process "
            "of each was gone (killed before it could report its end)")

    def on_wait(self, others: list[LiveRun]) -> None:
        for other in others:
            if other.run_id not in self._waited_for:
                self._waited_for.add(other.run_id)
                self.progress.console.print(
                    f"[yellow]waiting for the store:[/] it is held by {other.describe()}")
        self.progress.update(self.task, description=f"{self.label} · waiting for the store")

    def on_start(self, run_id: str, steps: int) -> None:
        self._started_steps.append(steps)
        still_to_come = max(0, self.runs - len(self._started_steps))
        self.progress.update(self.task, total=sum(self._started_steps) + steps * still_to_come)

    def on_step(self, event: StepEvent) -> None:
        if event.finished:
            self.progress.advance(self.task)
        else:
            self.progress.update(self.task, description=f"{self.label} · {event.step_key}")
