"""API fixtures: one app over the session's embedded store, Redis on 127.0.0.1 (db 9,
flushed at session start), keys for two tenants, and a real uvicorn server on loopback.

chDB admits one process per data directory, so the server runs in a thread of the test
process and shares the session's store.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
import uvicorn

from api.context import ApiContext, build_context
from api.keys import create_key
from api.main import create_app

REDIS_URL = os.environ["SIGHTLINE_REDIS_URL"]  # set by tests/conftest.py
# Demo days the API tests read (tenants acme and globex), published by `demo_pipeline`.
API_FIRST, API_LAST = date(2026, 4, 6), date(2026, 4, 12)


@pytest.fixture(scope="session")
def api_settings(settings):
    """The session's settings (Redis db 9, flushed by tests/conftest.py) with a high rate
    limit; the rate-limit test builds its own app."""
    return dataclasses.replace(
        settings, database_url=f"sqlite:///{settings.home / 'api.db'}",
        api=dataclasses.replace(settings.api, rate_limit_per_minute=100_000,
                                auth_failures_per_minute=100_000))


@pytest.fixture(scope="session")
def api_context(api_settings, clickhouse) -> ApiContext:
    """Shared services of the test app (the store is already migrated)."""
    return build_context(api_settings)


@pytest.fixture(scope="session")
def app(api_settings, api_context):
    """The FastAPI app under test."""
    from orchestration.run_launcher import DagsterRunLauncher

    return create_app(api_settings, api_context, DagsterRunLauncher(api_settings))


@dataclass(frozen=True)
class Keys:
    """Plaintext keys of the test tenants."""

    acme: str  # read + ingest
    globex: str  # read + ingest
    acme_read: str  # read only
    acme_admin: str


@pytest.fixture(scope="session")
def keys(api_context) -> Keys:
    db = api_context.db
    return Keys(
        acme=create_key(db, "acme", ["read", "ingest"], "tests")[0],
        globex=create_key(db, "globex", ["read", "ingest"], "tests")[0],
        acme_read=create_key(db, "acme", ["read"], "read only")[0],
        acme_admin=create_key(db, "acme", ["admin"], "admin")[0],
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(app, lifespan: str = "off") -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port; yield its base URL. With
    lifespan "on", the app's startup and shutdown run (shutdown closes its context)."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def server_url(app) -> Iterator[str]:
    """Base URL of a uvicorn server running the app on loopback."""
    with running_server(app) as url:
        yield url


def client_for(base_url: str, key: str | None) -> httpx.Client:
    """An HTTP client with the bearer key set (or none)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=base_url + "/v1", headers=headers, timeout=60)


@pytest.fixture(scope="session")
def acme(server_url, keys) -> Iterator[httpx.Client]:
    with client_for(server_url, keys.acme) as client:
        yield client


@pytest.fixture(scope="session")
def globex(server_url, keys) -> Iterator[httpx.Client]:
    with client_for(server_url, keys.globex) as client:
        yield client


@pytest.fixture(scope="session")
def demo_pipeline(instance):
    """The whole pipeline (demo data → marts in ClickHouse) over API_FIRST..API_LAST."""
    from orchestration.jobs import pipeline_selection
    from orchestration.runner import run_range

    return run_range(pipeline_selection, API_FIRST, API_LAST, instance)
