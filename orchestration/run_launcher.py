"""The run launcher `sightline serve` gives the API: queues pipeline runs in the Dagster
instance (DAGSTER_HOME) for a daemon to start.

`DagsterRunLauncher` records a run and submits it to the instance's run queue, where a
running daemon (`sightline dev`, `dagster-daemon`) starts it in its own process. The API
process never executes steps and never opens the embedded ClickHouse store: it only
loads the code location's definitions (once, to snapshot the job as the Dagster UI does
when you click "Materialize") and writes to the instance's run storage.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from api.pipeline_runs import (
    PIPELINE_TAG,
    LaunchedRun,
    Pipeline,
    PipelineUnavailable,
)
from warehouse.settings import Settings

if TYPE_CHECKING:
    import dagster as dg

# The code location `sightline dev` serves (`dagster dev -m orchestration.definitions`):
# the daemon finds a queued run's code by this location name.
CODE_LOCATION_MODULE = "orchestration.definitions"


class DagsterRunLauncher:
    """Records and queues runs in the Dagster instance at `settings.dagster_home`.

    The first launch loads the code location in-process (about as long as `dagster dev`
    takes to load it); later launches reuse it. Thread-safe.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._guard = threading.Lock()
        self._instance: dg.DagsterInstance | None = None
        self._location = None

    def _load(self):
        from dagster import DagsterInstance
        from dagster._core.remote_origin import InProcessCodeLocationOrigin
        from dagster._core.remote_representation.code_location import InProcessCodeLocation
        from dagster._core.run_coordinator.queued_run_coordinator import QueuedRunCoordinator
        from dagster._core.workspace.load_target import ModuleTarget

        # the runner loads the code location: only when the first run is queued
        from orchestration.runner import ensure_dagster_home

        if self._location is not None:
            return self._instance, self._location
        instance = DagsterInstance.from_config(str(ensure_dagster_home(self.settings)))
        if not isinstance(instance.run_coordinator, QueuedRunCoordinator):
            raise PipelineUnavailable(
                f"the Dagster instance at {self.settings.dagster_home} uses "
                f"{type(instance.run_coordinator).__name__}, which launches runs in the "
                "submitting process; configure the QueuedRunCoordinator (the default) so a "
                "daemon runs them")
        # the same origin `dagster dev -m orchestration.definitions` serves, so the daemon
        # resolves the queued run's location by its name
        origin = ModuleTarget(CODE_LOCATION_MODULE, None, os.getcwd(), None).create_origins()[0]
        self._location = InProcessCodeLocation(
            InProcessCodeLocationOrigin(origin.loadable_target_origin,
                                        location_name=origin.location_name), instance)
        self._instance = instance
        return instance, self._location

    def launch(self, pipeline: Pipeline, partition: str,
               tags: Mapping[str, str]) -> LaunchedRun:
        """Record a run of `pipeline`'s assets for `partition` and queue it; an identical
        run still waiting in the queue is returned instead of queueing a second one."""
        from dagster import AssetKey, DagsterRunStatus, RunsFilter
        from dagster._core.definitions.selector import JobSubsetSelector
        from dagster._core.storage.tags import PARTITION_NAME_TAG

        with self._guard:
            instance, location = self._load()
            (repo_name,) = location.get_repository_names()
            repo = location.get_repository(repo_name)
            keys = sorted((k for k in repo.asset_graph.get_all_asset_keys()
                           if pipeline.selects(list(k.path))), key=AssetKey.to_user_string)
            if not keys:
                raise PipelineUnavailable(f"the code location has no assets of the "
                                          f"{pipeline.name} pipeline")
            run_tags = {**tags, PIPELINE_TAG: pipeline.name, PARTITION_NAME_TAG: partition}
            waiting = instance.get_runs(RunsFilter(
                job_name=pipeline.job, tags={PIPELINE_TAG: pipeline.name,
                                             PARTITION_NAME_TAG: partition},
                statuses=[DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED]), limit=1)
            if waiting:
                return _launched(waiting[0], keys)
            selector = JobSubsetSelector(location_name=location.name, repository_name=repo_name,
                                         job_name=pipeline.job, op_selection=None,
                                         asset_selection=keys)
            job = location.get_job(selector)
            plan = location.get_execution_plan(job, {}, step_keys_to_execute=None,
                                               known_state=None, instance=instance)
            snapshot = plan.execution_plan_snapshot
            run = instance.create_run(
                job_name=pipeline.job, run_id=None, run_config={}, status=None,
                tags={**job.tags, **run_tags}, root_run_id=None, parent_run_id=None,
                step_keys_to_execute=snapshot.step_keys_to_execute,
                execution_plan_snapshot=snapshot, job_snapshot=job.job_snapshot,
                parent_job_snapshot=job.parent_job_snapshot, asset_selection=frozenset(keys),
                asset_check_selection=None, resolved_op_selection=None, op_selection=None,
                remote_job_origin=job.get_remote_origin(),
                job_code_origin=job.get_python_origin(), asset_graph=repo.asset_graph)
            # The queued coordinator only enqueues (no workspace needed); the daemon launches.
            return _launched(instance.submit_run(run.run_id, None), keys)


def _launched(run, keys) -> LaunchedRun:
    from dagster._core.storage.tags import PARTITION_NAME_TAG

    return LaunchedRun(run_id=run.run_id, status=run.status.value, job=run.job_name,
                       assets=[k.to_user_string() for k in keys],
                       partition=run.tags.get(PARTITION_NAME_TAG, ""), tags=dict(run.tags))
