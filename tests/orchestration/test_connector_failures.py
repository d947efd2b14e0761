"""A connector that fails for good fails its run and writes nothing (no partial pages)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from orchestration.runner import RunFailedError, run_range


class _AlwaysUnavailable(BaseHTTPRequestHandler):
    """First page fine with a next_token, every later page a 503."""

    def do_GET(self) -> None:
        if "next_token" not in self.path:
            body = (b'{"data":[{"id":"1","text":"Acme is great","author_id":"u1",'
                    b'"created_at":"2026-01-09T10:00:00.000Z","public_metrics":{"like_count":1,'
                    b'"retweet_count":0,"reply_count":0,"quote_count":0}}],'
                    b'"includes":{"users":[{"id":"u1","username":"fan"}]},'
                    b'"meta":{"result_count":1,"next_token":"p2"}}')
            self.send_response(200)
        else:
            body = b'{"title":"Service Unavailable"}'
            self.send_response(503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def unavailable_x(monkeypatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysUnavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("SIGHTLINE_X_BEARER_TOKEN", "test-token")
    monkeypatch.setenv("SIGHTLINE_X_BASE_URL", url)
    monkeypatch.setenv("SIGHTLINE_CONNECTOR_MAX_RETRIES", "1")
    monkeypatch.setenv("SIGHTLINE_CONNECTOR_TENANT", "acme")
    yield url
    server.shutdown()


def test_exhausted_retries_fail_the_run_and_write_nothing(unavailable_x, instance,
                                                          clickhouse) -> None:
    with pytest.raises(RunFailedError, match="x") as failure:
        run_range(dg.AssetSelection.assets(["raw", "x_api"]), date(2026, 1, 9),
                  date(2026, 1, 9), instance)
    assert "503" in str(failure.value)
    rows = clickhouse.query("SELECT count() FROM raw_social_mentions WHERE source = 'x_api'")
    assert rows.result_rows[0][0] == 0
