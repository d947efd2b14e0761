"""ClickHouse client factory: a server over HTTP, or the embedded chDB engine.

Open late, close early (DESIGN §3): `open_clickhouse` is a context manager around one
unit of work. In embedded mode it takes the store lock and shares one chDB client per
process (chDB binds a process to one data directory), closing it when the outermost
block exits so another process can take its turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from warehouse.settings import Settings
from warehouse.store_lock import store_lock


class _SharedEmbeddedClient:
    """The process's one chDB client, opened by the outermost block and closed by it."""

    def __init__(self) -> None:
        self.guard = threading.RLock()
        self.client: Client | None = None
        self.depth = 0

    def acquire(self, settings: Settings) -> Client:
        with self.guard:
            if self.client is None:
                settings.chdb_path.mkdir(parents=True, exist_ok=True)
                self.client = clickhouse_connect.get_client(dsn=f"chdb://{settings.chdb_path}")
            self.depth += 1
            return self.client

    def release(self) -> None:
        with self.guard:
            self.depth -= 1
            if self.depth == 0 and self.client is not None:
                self.client.close()
                self.client = None


_embedded = _SharedEmbeddedClient()


def _server_client(url: str) -> Client:
    """Connect to a ClickHouse server, creating the URL's database if it is missing."""
    parts = urlsplit(url)
    database = parts.path.strip("/") or "default"
    bootstrap = clickhouse_connect.get_client(dsn=urlunsplit(parts._replace(path="/default")))
    try:
        bootstrap.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    finally:
        bootstrap.close()
    return clickhouse_connect.get_client(dsn=url)


def lock_path(settings: Settings) -> Path:
    """Path of the lock file guarding the embedded store."""
    return settings.home / "clickhouse.lock"


@contextmanager
def open_clickhouse(settings: Settings, purpose: str = "") -> Iterator[Client]:
    """Yield a ClickHouse client for one unit of work.

    Raises StoreLockedError (embedded mode) when another process holds the store past
    `settings.store_lock_timeout_seconds`.
    """
    if not settings.embedded:
        client = _server_client(settings.clickhouse_url or "")
        try:
            yield client
        finally:
            client.close()
        return
    with store_lock(lock_path(settings), settings.store_lock_timeout_seconds, purpose):
        client = _embedded.acquire(settings)
        try:
            yield client
        finally:
            _embedded.release()
