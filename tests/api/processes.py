"""API servers in their own processes (`sightline serve`), for tests that need a home
other than the session's (chDB admits one process per store) or several processes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_api(env: dict[str, str]) -> tuple[str, subprocess.Popen]:
    """`sightline serve` with `env` on a free port; its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "serve"], cwd=ROOT,
                               env={**env, "SIGHTLINE_API_PORT": str(port)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(f"{url}/v1/health", timeout=2)
            return url, process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the API on {url} did not start") from None
            time.sleep(0.3)


def create_key(env: dict[str, str], tenant: str, scope: str = "read") -> str:
    """A new API key made with `sightline keys create` in `env`'s home."""
    import re

    created = subprocess.run([sys.executable, "-m", "orchestration.cli", "keys", "create",
                              "--tenant", tenant, "--scope", scope], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=True)
    return re.search(r"sl_\S+", created.stdout).group(0)
