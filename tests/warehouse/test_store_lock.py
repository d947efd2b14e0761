from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse.store_lock import StoreLockedError, read_holder, store_lock

_OPEN_STORE = """
import time
from warehouse.clickhouse import open_clickhouse
from warehouse.settings import load_settings
from warehouse.store_lock import StoreLockedError
started = time.monotonic()
try:
    with open_clickhouse(load_settings(), purpose="second process"):
        print("OPENED")
except StoreLockedError as exc:
    print(f"LOCKED after {time.monotonic() - started:.2f}s: {exc}")
"""


def test_second_process_fails_within_bound_naming_the_holder(clickhouse) -> None:
    env = {**os.environ, "SIGHTLINE_STORE_LOCK_TIMEOUT": "1.5"}
    out = subprocess.run([sys.executable, "-c", _OPEN_STORE], env=env, capture_output=True,
                         text=True, timeout=60, cwd=Path(__file__).parents[2]).stdout
    assert out.startswith("LOCKED after "), out
    waited = float(out.split("after ")[1].split("s:")[0])
    assert 1.5 <= waited < 5
    assert f"pid {os.getpid()}" in out
    assert "pytest session" in out
    assert "SIGHTLINE_CLICKHOUSE_URL" in out


def test_lock_is_reentrant_and_released(tmp_path: Path) -> None:
    path = tmp_path / "store.lock"
    with store_lock(path, timeout=1, purpose="outer"):
        with store_lock(path, timeout=1, purpose="inner"):
            assert read_holder(path)["purpose"] == "outer"
        assert read_holder(path)["pid"] == os.getpid()
    assert read_holder(path) == {}


def test_waiter_gets_lock_once_holder_exits(tmp_path: Path) -> None:
    path = tmp_path / "store.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from warehouse.store_lock import store_lock\n"
         f"with store_lock(Path({str(path)!r}), 5, 'brief holder'):\n"
         "    print('held', flush=True); time.sleep(1.0)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(StoreLockedError, match="brief holder"), store_lock(path, timeout=0.2):
        pass
    started = time.monotonic()
    with store_lock(path, timeout=10, purpose="waiter"):
        assert read_holder(path)["purpose"] == "waiter"
    assert time.monotonic() - started < 5
    holder.wait(timeout=10)
