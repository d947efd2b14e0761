"""ClickHouse client factory: a server over HTTP, or the embedded chDB engine.

Open late, close early (DESIGN §3): `open_clickhouse` is a context manager around one
unit of work. In embedded mode it takes the store lock and shares one chDB client per
process (chDB binds a process to one data directory), closing it when the outermost
block exits (after a short linger) so another process can take its turn.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from warehouse.settings import Settings
from warehouse.store_lock import note_purpose, store_lock


class _SharedEmbeddedClient:
    """The process's one chDB client and the store lock it holds.

    The outermost block opens both; when the last block exits they stay open for the
    settings' linger (one second by default), so the steps of a run — which follow each
    other within milliseconds — share one open store instead of paying ~0.5 s each to
    start chDB, while a pause (a dbt step, an idle API) still hands the store over.
    """

    def __init__(self) -> None:
        self.guard = threading.RLock()
        self.client: Client | None = None
        self.depth = 0
        self._held: ExitStack | None = None
        self._timer: threading.Timer | None = None

    def acquire(self, settings: Settings, purpose: str) -> Client:
        """The open client (opening it if needed); call with the store lock held."""
        with self.guard:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self.client is not None and self.depth == 0:
                # A lingering store taken up by a new unit of work: record what it is.
                note_purpose(lock_path(settings), purpose)
            if self.client is None:
                held = ExitStack()
                # The client keeps its own hold on the lock while it lingers.
                held.enter_context(store_lock(lock_path(settings),
                                              settings.store_lock_timeout_seconds))
                try:
                    settings.chdb_path.mkdir(parents=True, exist_ok=True)
                    self.client = clickhouse_connect.get_client(
                        dsn=f"chdb://{settings.chdb_path}")
                except BaseException:
                    held.close()
                    raise
                self._held = held
            self.depth += 1
            return self.client

    def release(self, linger: float) -> None:
        with self.guard:
            self.depth -= 1
            if self.depth > 0 or self.client is None:
                return
            if linger <= 0:
                self._close()
                return
            self._timer = threading.Timer(linger, self.close_if_idle)
            self._timer.daemon = True
            self._timer.start()

    def close_if_idle(self) -> None:
        """Close the lingering store now, unless a block is using it."""
        with self.guard:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self.depth == 0:
                self._close()

    def _close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self._held is not None:
            self._held.close()
            self._held = None


_embedded = _SharedEmbeddedClient()
# A store still lingering when the process ends is closed, not abandoned.
atexit.register(_embedded.close_if_idle)


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
        client = _embedded.acquire(settings, purpose)
        try:
            yield client
        finally:
            _embedded.release(settings.store_linger_seconds)
