"""ClickHouse access for the API: the serving store and the tenant-scoped query layer.

`ServingStore` opens ClickHouse per request batch. Against a server it keeps one HTTP
client. In embedded mode (chDB, one process per data directory) it takes the store lock
when a request needs it, keeps it while requests keep coming, and releases it after
`store_idle_release_seconds` without one, so a Dagster run can take its turn; a request
that cannot get the store within `store_wait_seconds` gets `StoreBusyError` (503).

`TenantScope` is the only way routes query. It adds the tenant predicate itself through
ClickHouse's `additional_table_filters` on every table that has a `tenant_id` column, so
a query cannot read another tenant's rows even if its SQL forgets the predicate, and it
applies the per-query limits (max_execution_time, max_rows_to_read, and the GROUP BY
spill threshold when one is set).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import Any

import clickhouse_connect
import pyarrow as pa
from clickhouse_connect.driver.client import Client

from warehouse.clickhouse import open_clickhouse
from warehouse.migrate import MIGRATIONS_DIR, applied_versions, load_migrations, migrate
from warehouse.settings import Settings
from warehouse.store_lock import StoreLockedError

QueryObserver = Callable[[float], None]


@functools.cache
def migrated_tenant_tables() -> frozenset[str]:
    """Tables with a `tenant_id` column in any migration file."""
    tables = set()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)\s*\((.*?)\)\s*ENGINE",
                                     path.read_text(), flags=re.S):
            if re.search(r"^\s*tenant_id\s", body, flags=re.M):
                tables.add(name)
    return frozenset(tables)


class StoreBusyError(RuntimeError):
    """The embedded store stayed busy (another process holds it) past the bounded wait."""

    def __init__(self, message: str, retry_after: int,
                 detail: str = "the embedded store is busy with a pipeline run; retry shortly"
                 ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.detail = detail  # what the caller is told (503)


class ServingStore:
    """The API's handle on ClickHouse (see the module docstring)."""

    def __init__(self, settings: Settings, on_query: QueryObserver | None = None) -> None:
        self.settings = settings
        self.on_query = on_query
        self._guard = threading.Lock()
        # chDB runs one query at a time per process; a server client is shared freely.
        self._query_lock = threading.Lock() if settings.embedded else None
        self._client: Client | None = None
        self._exit: ExitStack | None = None
        self._active = 0
        self._release_timer: threading.Timer | None = None
        self._tenant_tables: frozenset[str] | None = None
        self._schema_ready = False

    @property
    def is_open(self) -> bool:
        """True while the API holds a client (in embedded mode: the store lock)."""
        return self._client is not None

    def _open(self) -> Client:
        client = self._connect()
        if not self._schema_ready:
            try:
                self._ready_schema(client)
            except StoreBusyError:
                self._close_client(client)
                raise
        return client

    def _ready_schema(self, client: Client) -> None:
        """Bring a fresh embedded store up to date (it is this process's own); refuse to
        serve a server whose schema is behind (another process owns its migrations)."""
        if self.settings.embedded:
            migrate(client, self.settings.clickhouse_cluster)
        else:
            pending = [m for m in load_migrations() if m.version not in applied_versions(client)]
            if pending:
                message = (f"the ClickHouse schema is behind: {len(pending)} migration(s) "
                           f"pending ({pending[0].version:04d}_{pending[0].name} first); run "
                           "`sightline migrate`, then retry")
                raise StoreBusyError(message, retry_after=30, detail=message)
        self._schema_ready = True

    def _close_client(self, client: Client) -> None:
        if self._exit is not None:
            self._exit.close()
            self._exit = None
        else:
            client.close()

    def _connect(self) -> Client:
        if not self.settings.embedded:
            return clickhouse_connect.get_client(dsn=self.settings.clickhouse_url,
                                                 autogenerate_session_id=False)
        wait = self.settings.api.store_wait_seconds
        stack = ExitStack()
        try:
            client = stack.enter_context(open_clickhouse(
                dataclasses.replace(self.settings, store_lock_timeout_seconds=wait,
                                    store_linger_seconds=0),
                purpose="sightline api"))
        except StoreLockedError as exc:
            stack.close()
            raise StoreBusyError(str(exc), retry_after=max(1, int(wait))) from None
        self._exit = stack
        return client

    @contextmanager
    def client(self) -> Iterator[Client]:
        """Yield the open client for one request, opening the store if needed.

        Raises StoreBusyError when the embedded store is held elsewhere past the wait.
        """
        with self._guard:
            if self._release_timer is not None:
                self._release_timer.cancel()
                self._release_timer = None
            if self._client is None:
                self._client = self._open()
            self._active += 1
            client = self._client
        try:
            yield client
        finally:
            with self._guard:
                self._active -= 1
                if self._active == 0:
                    self._schedule_release()

    def _schedule_release(self) -> None:
        idle = self.settings.api.store_idle_release_seconds
        if not self.settings.embedded:
            return
        self._release_timer = threading.Timer(idle, self._release_if_idle)
        self._release_timer.daemon = True
        self._release_timer.start()

    def _release_if_idle(self) -> None:
        with self._guard:
            if self._active == 0:
                self._close_locked()

    def _close_locked(self) -> None:
        if self._exit is not None:
            self._exit.close()
        elif self._client is not None:
            self._client.close()
        self._client, self._exit = None, None

    def close(self) -> None:
        """Release the store now (app shutdown)."""
        with self._guard:
            if self._release_timer is not None:
                self._release_timer.cancel()
                self._release_timer = None
            self._close_locked()

    def tenant_tables(self, client: Client) -> frozenset[str]:
        """Tables that carry a `tenant_id` column: every one the migrations define (even
        those a later migration creates after the API started) and every one the
        database holds now (read once)."""
        if self._tenant_tables is None:
            rows = client.query(
                "SELECT DISTINCT table FROM system.columns "
                "WHERE database = currentDatabase() AND name = 'tenant_id'").result_rows
            self._tenant_tables = migrated_tenant_tables() | {r[0] for r in rows}
        return self._tenant_tables

    @contextmanager
    def serialized(self) -> Iterator[None]:
        """Hold the per-process query lock in embedded mode (no-op against a server)."""
        if self._query_lock is None:
            yield
            return
        with self._query_lock:
            yield

    def scope(self, tenant_id: str) -> TenantScope:
        """The query layer bound to one tenant."""
        return TenantScope(self, tenant_id)


def date_filters(date_from: date | None, date_to: date | None, column: str,
                 where: list[str], params: dict[str, Any]) -> None:
    """Append `column` ≥ date_from / ≤ date_to conditions (when given) to `where`, as
    query parameters. `column` is a caller's literal, never user text."""
    if date_from is not None:
        params["date_from"] = date_from
        where.append(f"{column} >= {{date_from:Date}}")
    if date_to is not None:
        params["date_to"] = date_to
        where.append(f"{column} <= {{date_to:Date}}")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class TenantScope:
    """Runs queries for one tenant: tenant filters and query limits are always applied."""

    def __init__(self, store: ServingStore, tenant_id: str) -> None:
        self.store = store
        self.tenant_id = tenant_id

    def _settings(self, client: Client, extra: Mapping[str, Any] | None) -> dict[str, Any]:
        predicate = f"tenant_id = {_quote(self.tenant_id)}"
        filters = ", ".join(f"{_quote(table)}: {_quote(predicate)}"
                            for table in sorted(self.store.tenant_tables(client)))
        limits = self.store.settings.api
        settings: dict[str, Any] = {
            "additional_table_filters": "{" + filters + "}",
            "max_execution_time": limits.query_max_execution_seconds,
            "max_rows_to_read": limits.query_max_rows_to_read,
        }
        if limits.query_group_by_spill_bytes:
            settings["max_bytes_before_external_group_by"] = limits.query_group_by_spill_bytes
        settings.update(extra or {})
        return settings

    def _run(self, method: str, sql: str, parameters: Mapping[str, Any] | None,
             settings: Mapping[str, Any] | None, **options: Any):
        params = {"tenant_id": self.tenant_id, **(parameters or {})}
        with self.store.client() as client, self.store.serialized():
            started = time.perf_counter()
            result = getattr(client, method)(sql, parameters=params,
                                             settings=self._settings(client, settings),
                                             **options)
            if self.store.on_query is not None:
                self.store.on_query(time.perf_counter() - started)
        return result

    def rows(self, sql: str, parameters: Mapping[str, Any] | None = None,
             settings: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts. `{tenant_id:String}` is bound to this tenant in every query."""
        result = self._run("query", sql, parameters, settings)
        names = result.column_names
        return [dict(zip(names, row, strict=True)) for row in result.result_rows]

    def arrow(self, sql: str, parameters: Mapping[str, Any] | None = None,
              settings: Mapping[str, Any] | None = None) -> pa.Table:
        """The result as an Arrow table."""
        return self._run("query_arrow", sql, parameters, settings)

    def row_binary(self, sql: str, parameters: Mapping[str, Any] | None = None,
                   settings: Mapping[str, Any] | None = None) -> bytes:
        """The result in ClickHouse's RowBinary format, unparsed (for a reader of one
        known shape that is cheaper than Arrow, such as the funnel read's)."""
        return self._run("raw_query", sql, parameters, settings, fmt="RowBinary")

    def scalar(self, sql: str, parameters: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        result = self._run("query", sql, parameters, None)
        return result.result_rows[0][0] if result.result_rows else None

    def dataset_versions(self) -> dict[str, int]:
        """Current version of every dataset of this tenant."""
        return {r["dataset"]: int(r["version"]) for r in self.rows(
            "SELECT dataset, max(version) AS version FROM dataset_versions GROUP BY dataset")}
