"""Sensors: new landing files → intake run; staged days that changed → partition runs.

The sensor only reads the file system; moving and validating files is the intake
asset's job, so a sensor tick is cheap and safe to repeat. Run keys carry file and
marker fingerprints, so a tick that sees nothing new requests nothing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import dagster as dg

from ingestion.landing.intake import pending_files, staged_dir
from ingestion.landing.staging import pending_days
from orchestration.jobs import landing_intake_job, landing_load_job
from orchestration.partitions import daily_partitions
from orchestration.run_liveness import reap_dead_runs
from orchestration.sources import landing_source
from warehouse.settings import load_settings


def _fingerprint(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@dg.sensor(
    jobs=[landing_intake_job, landing_load_job],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request an intake run for waiting files and a load run per changed staged day."""
    landing = load_settings().landing_dir
    requests: list[dg.RunRequest] = []
    skipped: list[str] = []
    files = pending_files(landing) if landing.exists() else []
    if files:
        stamp = [f"{f.path}:{f.path.stat().st_size}:{f.path.stat().st_mtime_ns}" for f in files]
        requests.append(dg.RunRequest(run_key=f"intake:{_fingerprint(stamp)}",
                                      job_name=landing_intake_job.name))
    valid_keys = set(daily_partitions.get_partition_keys(datetime.now(UTC)))
    for connector, day in pending_days(landing) if landing.exists() else []:
        key = day.isoformat()
        if key not in valid_keys:
            skipped.append(f"{connector} {key}: outside the partition range")
            continue
        marker = staged_dir(landing, connector, day) / "PENDING"
        requests.append(dg.RunRequest(
            run_key=f"load:{connector}:{key}:{marker.stat().st_mtime_ns}",
            job_name=landing_load_job.name, partition_key=key,
            asset_selection=[landing_source(connector).key],
        ))
    if skipped:
        context.log.warning("staged days not loaded: " + "; ".join(skipped))
    return dg.SensorResult(run_requests=requests)


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def dead_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    """Fail runs whose process died (kill -9, OOM, reboot) and free their store slots, so
    the schedule's and this sensor's next runs do not queue behind them forever."""
    reaped = reap_dead_runs(context.instance, load_settings().dagster_home)
    if reaped:
        context.log.warning(f"marked failed (process gone): {', '.join(reaped)}")
        return dg.SkipReason(f"reaped {len(reaped)} dead run(s): {', '.join(reaped)}")
    return dg.SkipReason("no dead runs")
