"""The API as a deployment serves it: `uvicorn orchestration.serving:app` (docker compose)
or `sightline serve` — `api.main`'s app with the Dagster run launcher injected, so
`POST /v1/modules/growth-pulse/run` queues runs while `api/` imports no orchestrator."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def build_app() -> FastAPI:
    """The API with the run launcher of the Dagster instance at DAGSTER_HOME."""
    from api.main import create_app
    from orchestration.run_launcher import DagsterRunLauncher
    from warehouse.settings import load_settings

    settings = load_settings()
    return create_app(settings, run_launcher=DagsterRunLauncher(settings))


def __getattr__(name: str) -> Any:
    # `orchestration.serving:app` builds the app on first access: importing opens nothing.
    if name == "app":
        globals()["app"] = build_app()
        return globals()["app"]
    raise AttributeError(name)
