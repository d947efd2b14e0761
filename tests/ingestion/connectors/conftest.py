"""A scripted local HTTP server standing in for the SaaS APIs, plus shared fixtures.

`fake_server.script("GET", "/path", fake_server.json({...}), ...)` queues replies for a
method and path (query ignored); each request takes the next reply, and the last one
repeats when `repeat_last=True`. Every request is recorded with its raw path, query,
headers and body. Unscripted requests get a 404 so tests fail loudly.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from warehouse.settings import ConnectorSettings


@dataclass(frozen=True)
class Reply:
    """One scripted response."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    path: str
    raw_path: str  # path and query exactly as sent (percent-encoding intact)
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def param(self, name: str) -> str | None:
        """The single value of query parameter `name`, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class FakeServer:
    """ThreadingHTTPServer on 127.0.0.1 with per-(method, path) scripted replies."""

    Reply = Reply

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], deque[Reply]] = {}
        self._repeat: dict[tuple[str, str], bool] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown (once per test) from costing 0.5 s.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321 (no trailing slash)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @staticmethod
    def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        """A JSON reply."""
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        return Reply(status, json.dumps(body).encode(), hdrs)

    @staticmethod
    def text(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        """A plain-text (or HTML) reply."""
        hdrs = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        return Reply(status, body.encode(), hdrs)

    def script(self, method: str, path: str, *replies: Reply, repeat_last: bool = False) -> None:
        """Queue `replies` for `method path` (appending to what is already queued)."""
        key = (method.upper(), path)
        with self._lock:
            self._routes.setdefault(key, deque()).extend(replies)
            self._repeat[key] = repeat_last

    def to(self, path: str) -> list[Recorded]:
        """The recorded requests to `path`, in order."""
        return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next_reply(self, method: str, path: str) -> Reply:
        key = (method, path)
        with self._lock:
            queue = self._routes.get(key)
            if not queue:
                return self.json({"error": f"unscripted {method} {path}"}, status=404)
            if len(queue) == 1 and self._repeat.get(key):
                return queue[0]
            return queue.popleft()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; Nagle would delay each by ~40 ms.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    raw_path=self.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with server._lock:
                    server.requests.append(recorded)
                reply = server._next_reply(self.command, parts.path)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """A running fake API server, stopped after the test."""
    server = FakeServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client_factory() -> Callable[..., httpx.Client]:
    """httpx.Client factory for the plain-HTTP loopback server.

    Ignores proxy environment variables, and skips loading the CA bundle (verify=False:
    nothing here speaks TLS), which would otherwise cost ~30 ms per test.
    """

    def make(**kwargs: Any) -> httpx.Client:
        return httpx.Client(trust_env=False, verify=False, **kwargs)

    return make


@pytest.fixture
def sleeps() -> list[float]:
    """Waits requested through the injected `sleep` (tests pass `sleeps.append`)."""
    return []


@pytest.fixture
def base_settings(fake_server: FakeServer) -> ConnectorSettings:
    """Connector settings pointing every API at the fake server, with no credentials."""
    return ConnectorSettings(
        tenant_id="acme",
        x_base_url=fake_server.url,
        reddit_base_url=fake_server.url,
        reddit_auth_url=fake_server.url,
        linkedin_base_url=fake_server.url,
        ga4_base_url=fake_server.url,
        max_pages=50,
        max_retries=3,
        timeout_seconds=5.0,
    )
