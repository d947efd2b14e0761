"""Inter-process lock around the embedded chDB store (DESIGN §3).

chDB lets one process at a time open a data directory. Every unit of work that opens
the embedded store takes this lock first, waits at most `timeout` seconds, and fails
with a message naming the process that holds it. The lock is re-entrant inside one
process, because nested units of work (a CLI command running Dagster in-process) share
one opened store.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


class StoreLockedError(RuntimeError):
    """The embedded store is held by another process for longer than the wait bound."""


_guard = threading.RLock()
_held: dict[Path, tuple[IO[str], int]] = {}


def read_holder(lock_path: Path) -> dict[str, object]:
    """Return what the current holder wrote into the lock file ({} if nothing)."""
    try:
        return json.loads(lock_path.read_text() or "{}")
    except (OSError, ValueError):
        return {}


def _describe(holder: dict[str, object]) -> str:
    if not holder:
        return "another process"
    return (
        f"pid {holder.get('pid')} on {holder.get('host')} "
        f"(`{holder.get('command')}`, {holder.get('purpose') or 'no purpose given'}, "
        f"since {holder.get('since')})"
    )


def locked_message(lock_path: Path, waited: float) -> str:
    """The error text for a store that stayed locked for `waited` seconds."""
    return (
        f"The embedded ClickHouse store is locked by {_describe(read_holder(lock_path))}; "
        f"waited {waited:.0f}s for it (lock file {lock_path}). Let that process finish or "
        "stop it, raise SIGHTLINE_STORE_LOCK_TIMEOUT, or run a ClickHouse server "
        "(`docker compose up -d clickhouse`) and set "
        "SIGHTLINE_CLICKHOUSE_URL=http://default:@127.0.0.1:8123/sightline so several "
        "processes can share it."
    )


def _record_holder(handle: IO[str], purpose: str) -> None:
    handle.seek(0)
    handle.truncate()
    json.dump(
        {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": " ".join(sys.argv)[:200],
            "purpose": purpose,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        handle,
    )
    handle.flush()


def note_purpose(lock_path: Path, purpose: str) -> None:
    """Record a new purpose for a lock this process already holds (for `locked_message`
    and anyone watching the lock file); does nothing when it is not held here."""
    with _guard:
        held = _held.get(lock_path.resolve())
        if held is not None:
            _record_holder(held[0], purpose)


@contextmanager
def store_lock(lock_path: Path, timeout: float, purpose: str = "") -> Iterator[None]:
    """Hold the store lock for the duration of the block.

    Raises StoreLockedError when another process keeps it longer than `timeout` seconds.
    """
    lock_path = lock_path.resolve()
    with _guard:
        if lock_path in _held:
            handle, depth = _held[lock_path]
            _held[lock_path] = (handle, depth + 1)
            reentered = True
        else:
            reentered = False
    if not reentered:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - lives as long as the lock
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise StoreLockedError(
                        locked_message(lock_path, time.monotonic() - started)
                    ) from None
                time.sleep(0.1)
        _record_holder(handle, purpose)
        with _guard:
            _held[lock_path] = (handle, 1)
    try:
        yield
    finally:
        with _guard:
            handle, depth = _held[lock_path]
            if depth > 1:
                _held[lock_path] = (handle, depth - 1)
            else:
                del _held[lock_path]
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
                handle.close()
