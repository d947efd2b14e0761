"""An API started on a fresh home (no `sightline migrate`, no pipeline run yet) answers
the analytics routes from an empty store instead of a bare 500."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_fresh_home_initialises_its_store_on_first_request(tmp_path) -> None:
    port = _free_port()
    env = {**os.environ, "SIGHTLINE_HOME": str(tmp_path), "SIGHTLINE_API_PORT": str(port),
           "DAGSTER_HOME": str(tmp_path / "dagster")}
    env.pop("SIGHTLINE_REDIS_URL", None)  # this home's versions must not reach the tests'
    created = subprocess.run([sys.executable, "-m", "orchestration.cli", "keys", "create",
                              "--tenant", "acme", "--scope", "read"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=True)
    key = re.search(r"sl_\S+", created.stdout).group(0)
    server = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "serve"], env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, \
                    server.stderr.read().decode() if server.poll() is not None else "timeout"
                time.sleep(0.5)
        headers = {"Authorization": f"Bearer {key}"}
        for path in ("/social/share-of-voice", "/wargaming/history"):
            answer = httpx.get(base + path, headers=headers, timeout=60)
            assert answer.status_code == 200, (path, answer.text)
        trends = httpx.post(base + "/analytics/trends", headers=headers, timeout=60, json={
            "series": [{"event": "visit"}], "date_from": "2026-03-01", "date_to": "2026-03-02"})
        assert trends.status_code == 200, trends.text
        assert [s["data"] for s in trends.json()["data"]["results"]] == [[0, 0]]
    finally:
        server.terminate()
        server.wait(timeout=30)
