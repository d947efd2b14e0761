"""Queue pipeline runs from the API without running them here: what the API asks of an
orchestrator.

`RunLauncher` is what routes depend on. The API knows no orchestrator: `sightline serve`
injects one (`orchestration.run_launcher.DagsterRunLauncher`, which queues the run in the
Dagster instance for a daemon to start), so `api/` never imports `orchestration/`.

The run is the `daily_pipeline` job restricted to a selection of assets (an asset subset,
like a UI materialization) for one daily partition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

PIPELINE_TAG = "sightline/pipeline"
TRIGGER_TAG = "sightline/trigger"
TENANT_TAG = "sightline/requested_by_tenant"
KEY_TAG = "sightline/requested_by_key"


@dataclass(frozen=True)
class Pipeline:
    """A named asset selection of a partitioned job: assets whose key is
    `<prefix[0]>/<name starting with prefix[1]>`."""

    name: str
    job: str
    key_prefixes: tuple[tuple[str, str], ...]

    def selects(self, path: list[str]) -> bool:
        """True when an asset key path belongs to this pipeline."""
        return len(path) == 2 and any(
            path[0] == top and path[1].startswith(name) for top, name in self.key_prefixes)


# The growth pulse: dbt models marts/fct_growth_pulse_* and their publish assets
# clickhouse/mart_growth_pulse_* (orchestration/assets/transform.py, publish.py).
GROWTH_PULSE = Pipeline("growth_pulse", "daily_pipeline",
                        (("marts", "fct_growth_pulse_"), ("clickhouse", "mart_growth_pulse_")))


@dataclass(frozen=True)
class LaunchedRun:
    """A run recorded in the orchestrator."""

    run_id: str
    status: str
    job: str
    assets: list[str]
    partition: str
    tags: Mapping[str, str] = field(default_factory=dict)


class PipelineUnavailable(RuntimeError):
    """The orchestrator cannot take the run (its message says why and what to do)."""


class RunLauncher(Protocol):
    """Queues a run of `pipeline` for one daily `partition` (YYYY-MM-DD); must return
    without waiting for the run. Raises PipelineUnavailable."""

    def launch(self, pipeline: Pipeline, partition: str,
               tags: Mapping[str, str]) -> LaunchedRun: ...
