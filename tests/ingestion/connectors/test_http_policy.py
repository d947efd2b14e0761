"""The shared HTTP policy: retries, backoff, rate-limit waits, errors, page cap."""

from __future__ import annotations

import dataclasses
import logging
import random
import socket
from typing import Any

import httpx
import pytest

from ingestion.http_policy import (
    ConnectorError,
    HttpPolicy,
    paginate,
    rate_limit_wait,
)


def _policy(settings, client_factory, sleeps, **kwargs: Any) -> HttpPolicy:
    kwargs.setdefault("rng", random.Random(42))
    return HttpPolicy(
        "demo",
        settings,
        credentials_hint="check SIGHTLINE_DEMO_TOKEN",
        client_factory=client_factory,
        sleep=sleeps.append,
        **kwargs,
    )


def _jitter(seed: int, ceilings: list[float]) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(0.0, c) for c in ceilings]


# --- reset headers ---------------------------------------------------------------------


def test_retry_after_seconds() -> None:
    assert rate_limit_wait({"Retry-After": "7"}, now=1000.0) == 7.0


def test_retry_after_http_date_is_relative_to_now() -> None:
    # Thu, 01 Jan 1970 00:16:50 GMT = epoch 1010
    assert rate_limit_wait({"Retry-After": "Thu, 01 Jan 1970 00:16:50 GMT"}, 1000.0) == 10.0


def test_x_reset_is_epoch_seconds_plus_margin() -> None:
    assert rate_limit_wait({"x-rate-limit-reset": "1042"}, now=1000.0) == 43.0
    assert rate_limit_wait({"x-rate-limit-reset": "900"}, now=1000.0) == 1.0


def test_reddit_reset_is_seconds_until_reset() -> None:
    assert rate_limit_wait({"x-ratelimit-reset": "12"}, now=1000.0) == 12.0


def test_retry_after_wins_and_no_header_means_none() -> None:
    headers = {"Retry-After": "3", "x-rate-limit-reset": "5000", "x-ratelimit-reset": "9"}
    assert rate_limit_wait(headers, now=1000.0) == 3.0
    assert rate_limit_wait({"x-rate-limit-remaining": "0"}, now=1000.0) is None


# --- retries ---------------------------------------------------------------------------


def test_timeout_comes_from_settings(base_settings) -> None:
    seen: dict[str, Any] = {}

    def factory(**kwargs: Any) -> httpx.Client:
        seen.update(kwargs)
        return httpx.Client(trust_env=False, **kwargs)

    settings = dataclasses.replace(base_settings, timeout_seconds=2.5)
    with HttpPolicy("demo", settings, credentials_hint="-", client_factory=factory):
        pass
    assert seen["timeout"] == 2.5


def test_5xx_retried_with_full_jitter_then_success(
    fake_server, base_settings, client_factory, sleeps
) -> None:
    fake_server.script(
        "GET",
        "/v1/items",
        fake_server.text("oops", status=503),
        fake_server.text("bad gateway", status=502),
        fake_server.json({"ok": True}),
    )
    with _policy(base_settings, client_factory, sleeps) as http:
        response = http.request("GET", f"{fake_server.url}/v1/items")
    assert response.json() == {"ok": True}
    assert len(fake_server.to("/v1/items")) == 3
    # Full jitter: uniform(0, base * 2**n) with base 1 s -> ceilings 1 s then 2 s.
    assert sleeps == _jitter(42, [1.0, 2.0])
    assert 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 2.0


def test_5xx_exhausted_raises_clear_error(
    fake_server, base_settings, client_factory, sleeps
) -> None:
    fake_server.script("GET", "/v1/items", fake_server.text("down", status=500), repeat_last=True)
    settings = dataclasses.replace(base_settings, max_retries=2)
    with (
        _policy(settings, client_factory, sleeps) as http,
        pytest.raises(ConnectorError) as caught,
    ):
        http.request("GET", f"{fake_server.url}/v1/items", params={"q": "acme"})
    error = caught.value
    assert (error.attempts, error.status, error.connector) == (3, 500, "demo")
    assert len(fake_server.to("/v1/items")) == 3
    assert len(sleeps) == 2
    message = str(error)
    assert f"{fake_server.url}/v1/items?q=acme" in message
    assert "after 3 attempts" in message
    assert "last status 500" in message
    assert "try again later" in message


def test_transport_error_retried_then_raised(base_settings, client_factory, sleeps) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = dataclasses.replace(base_settings, max_retries=1)
    with (
        _policy(settings, client_factory, sleeps) as http,
        pytest.raises(ConnectorError) as caught,
    ):
        http.request("GET", f"http://127.0.0.1:{port}/v1/items")
    assert caught.value.attempts == 2
    assert caught.value.status is None
    assert "no response: ConnectError" in str(caught.value)
    assert "try again later" in str(caught.value)
    assert sleeps == _jitter(42, [1.0])


def test_429_waits_for_retry_after_then_succeeds(
    fake_server, base_settings, client_factory, sleeps
) -> None:
    fake_server.script(
        "GET",
        "/v1/items",
        fake_server.json({"title": "Too Many Requests"}, 429, {"Retry-After": "5"}),
        fake_server.json({"ok": True}),
    )
    with _policy(base_settings, client_factory, sleeps) as http:
        assert http.request("GET", f"{fake_server.url}/v1/items").json() == {"ok": True}
    assert sleeps == [5.0]


def test_429_epoch_reset_uses_injected_clock(
    fake_server, base_settings, client_factory, sleeps
) -> None:
    fake_server.script(
        "GET",
        "/v1/items",
        fake_server.json({}, 429, {"x-rate-limit-reset": "1700000090"}),
        fake_server.json({"ok": True}),
    )
    with _policy(base_settings, client_factory, sleeps, clock=lambda: 1_700_000_000.0) as http:
        http.request("GET", f"{fake_server.url}/v1/items")
    assert sleeps == [91.0]


def test_429_without_header_backs_off(fake_server, base_settings, client_factory, sleeps) -> None:
    fake_server.script(
        "GET", "/v1/items", fake_server.json({}, 429), fake_server.json({"ok": True})
    )
    with _policy(base_settings, client_factory, sleeps) as http:
        http.request("GET", f"{fake_server.url}/v1/items")
    assert sleeps == _jitter(42, [1.0])


def test_429_reset_too_far_fails_at_once(
    fake_server, base_settings, client_factory, sleeps
) -> None:
    fake_server.script("GET", "/v1/items", fake_server.json({}, 429, {"Retry-After": "3600"}))
    with (
        _policy(base_settings, client_factory, sleeps) as http,
        pytest.raises(ConnectorError) as caught,
    ):
        http.request("GET", f"{fake_server.url}/v1/items")
    assert sleeps == []
    assert caught.value.attempts == 1
    assert "rate limit resets in 3600 s" in str(caught.value)
    assert "try again later" in str(caught.value)


def test_429_budget_shared_with_retries(fake_server, base_settings, client_factory, sleeps) -> None:
    fake_server.script(
        "GET", "/v1/items", fake_server.json({}, 429, {"Retry-After": "1"}), repeat_last=True
    )
    settings = dataclasses.replace(base_settings, max_retries=2)
    with (
        _policy(settings, client_factory, sleeps) as http,
        pytest.raises(ConnectorError) as caught,
    ):
        http.request("GET", f"{fake_server.url}/v1/items")
    assert sleeps == [1.0, 1.0]
    assert (caught.value.attempts, caught.value.status) == (3, 429)


def test_401_is_not_retried_and_points_at_credentials(
    fake_server, base_settings, client_factory, sleeps
) -> None:
    fake_server.script("GET", "/v1/items", fake_server.json({"title": "Unauthorized"}, 401))
    with (
        _policy(base_settings, client_factory, sleeps) as http,
        pytest.raises(ConnectorError) as caught,
    ):
        http.request("GET", f"{fake_server.url}/v1/items")
    assert sleeps == []
    assert len(fake_server.requests) == 1
    assert "after 1 attempt " in str(caught.value)
    assert "check SIGHTLINE_DEMO_TOKEN" in str(caught.value)


def test_400_is_not_retried_and_shows_the_api_message(
    fake_server, base_settings, client_factory, sleeps
) -> None:
    fake_server.script("GET", "/v1/items", fake_server.json({"detail": "start_time too old"}, 400))
    with (
        _policy(base_settings, client_factory, sleeps) as http,
        pytest.raises(ConnectorError) as caught,
    ):
        http.request("GET", f"{fake_server.url}/v1/items")
    assert caught.value.status == 400
    assert "start_time too old" in str(caught.value)
    assert "check the connector settings" in str(caught.value)


# --- pagination ------------------------------------------------------------------------


def _pages(total: int):
    def fetch_page(cursor: int, page_number: int) -> tuple[str, int | None]:
        assert cursor == page_number  # cursor i fetches page i
        return f"page{page_number}", cursor + 1 if cursor < total else None

    return fetch_page


def test_paginate_stops_at_last_page_without_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="ingestion.http_policy"):
        pages = list(paginate(_pages(3), 1, max_pages=3, what="demo"))
    assert pages == ["page1", "page2", "page3"]
    assert caplog.records == []


def test_paginate_cap_stops_and_warns(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="ingestion.http_policy"):
        pages = list(paginate(_pages(10), 1, max_pages=2, what="demo 2025-03-01"))
    assert pages == ["page1", "page2"]
    assert len(caplog.records) == 1
    assert "demo 2025-03-01: stopped after max_pages=2" in caplog.records[0].getMessage()


def test_redirect_is_an_error_not_a_page(
    fake_server, base_settings, client_factory, sleeps
) -> None:
    fake_server.script(
        "GET", "/v1/items", fake_server.text("", 301, {"Location": "https://elsewhere/"})
    )
    with (
        _policy(base_settings, client_factory, sleeps) as http,
        pytest.raises(ConnectorError) as caught,
    ):
        http.request("GET", f"{fake_server.url}/v1/items")
    assert (caught.value.status, caught.value.attempts) == (301, 1)
    assert "check the connector settings (base URL" in str(caught.value)
