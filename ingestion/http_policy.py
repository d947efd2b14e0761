"""The one HTTP client policy every SaaS connector uses, so no connector has its own retry loop.

`HttpPolicy` wraps `httpx.Client` with:

- the timeout from `ConnectorSettings.timeout_seconds`;
- retries with exponential backoff and full jitter on 5xx responses and transport errors;
- on 429, a wait taken from the reset header (`Retry-After`, X's `x-rate-limit-reset`,
  Reddit's `x-ratelimit-reset`), then a retry;
- a `ConnectorError` that tells the user which connector and URL failed, after how many
  attempts, the last status, and what to do about it.

`max_retries` counts retries, so a request is attempted at most `max_retries + 1` times;
429s use the same budget, so a permanently throttled API still ends in an error.
`sleep`, `rng` and `clock` are injectable so tests never really wait.

`paginate` drives cursor/offset pagination with a page cap (`max_pages`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from warehouse.settings import ConnectorSettings

logger = logging.getLogger(__name__)

T = TypeVar("T")
C = TypeVar("C")

ClientFactory = Callable[..., httpx.Client]
Sleep = Callable[[float], None]
Clock = Callable[[], float]

BASE_DELAY_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
# X resets its windows every 15 minutes; a longer wait means "come back later", not "wait".
MAX_RATE_LIMIT_WAIT_SECONDS = 15 * 60.0
# A reset given as an absolute epoch is whole seconds and our clock may lag the server's.
EPOCH_RESET_MARGIN_SECONDS = 1.0
USER_AGENT = "sightline-connector/0.1 (self-hosted analytics; +https://github.com/sightline)"

_BODY_SNIPPET_CHARS = 300


class ConnectorError(RuntimeError):
    """A connector request failed for good; the message says what to do about it.

    Attributes: `connector`, `url`, `attempts`, `status` (last HTTP status, None when no
    response arrived) and `hint` (the advice shown to the user).
    """

    def __init__(
        self,
        connector: str,
        url: str,
        attempts: int,
        status: int | None,
        hint: str,
        detail: str = "",
    ) -> None:
        self.connector = connector
        self.url = url
        self.attempts = attempts
        self.status = status
        self.hint = hint
        last = f"last status {status}" if status is not None else "no response"
        plural = "attempt" if attempts == 1 else "attempts"
        message = f"{connector}: request to {url} failed after {attempts} {plural} ({last}"
        message += f": {detail})" if detail else ")"
        super().__init__(f"{message}. {hint}")


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait before retrying a 429, from its headers; None when none says.

    Understands `Retry-After` (seconds or an HTTP date), X's `x-rate-limit-reset` (epoch
    seconds) and Reddit's `x-ratelimit-reset` (seconds until the window resets). `now` is
    the current epoch time, used for the absolute forms.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = lowered.get("retry-after")
    if retry_after is not None:
        seconds = _parse_float(retry_after)
        if seconds is not None:
            return max(seconds, 0.0)
        try:
            when = parsedate_to_datetime(retry_after).timestamp()
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(when - now, 0.0)
    epoch = _parse_float(lowered.get("x-rate-limit-reset"))
    if epoch is not None:
        return max(epoch - now, 0.0) + EPOCH_RESET_MARGIN_SECONDS
    relative = _parse_float(lowered.get("x-ratelimit-reset"))
    if relative is not None:
        return max(relative, 0.0)
    return None


def _parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


class HttpPolicy:
    """An `httpx.Client` plus the retry/rate-limit policy, for one connector run.

    Use as a context manager (closes the client), then call `request`. `credentials_hint`
    names the settings to check when the API rejects the credentials (401/403).
    """

    def __init__(
        self,
        connector: str,
        settings: ConnectorSettings,
        *,
        credentials_hint: str,
        client_factory: ClientFactory = httpx.Client,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.connector = connector
        self.max_retries = max(settings.max_retries, 0)
        self.credentials_hint = credentials_hint
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock
        self._client = client_factory(
            timeout=settings.timeout_seconds, headers={"User-Agent": USER_AGENT}
        )

    def __enter__(self) -> HttpPolicy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying client."""
        self._client.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request, retrying per the policy; return the first 2xx response.

        `kwargs` go to `httpx.Client.request` (params, headers, json, data, auth ...).
        Raises ConnectorError when retries are exhausted, on a 3xx (redirects are not
        followed: a moved API means a wrong base URL) or non-retryable 4xx, or when a rate
        limit resets later than MAX_RATE_LIMIT_WAIT_SECONDS.
        """
        attempts = 0
        shown_url = url
        while True:
            attempts += 1
            try:
                response = self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                shown_url = str(exc.request.url) if _has_request(exc) else url
                if attempts > self.max_retries:
                    raise self._error(shown_url, attempts, None, _transport_detail(exc)) from exc
                self._backoff(attempts, f"{type(exc).__name__} on {shown_url}")
                continue
            shown_url = str(response.request.url)
            status = response.status_code
            if status < 300:
                return response
            if status == 429:
                wait = rate_limit_wait(response.headers, self._clock())
                if wait is not None and wait > MAX_RATE_LIMIT_WAIT_SECONDS:
                    raise self._error(
                        shown_url, attempts, status, f"rate limit resets in {wait:.0f} s"
                    )
                if attempts > self.max_retries:
                    raise self._error(shown_url, attempts, status, _body_snippet(response))
                if wait is None:
                    self._backoff(attempts, f"429 without a reset header on {shown_url}")
                else:
                    logger.info(
                        "%s: rate limited on %s; waiting %.1f s for the reset",
                        self.connector,
                        shown_url,
                        wait,
                    )
                    self._sleep(wait)
                continue
            if status >= 500 and attempts <= self.max_retries:
                self._backoff(attempts, f"HTTP {status} on {shown_url}")
                continue
            raise self._error(shown_url, attempts, status, _body_snippet(response))

    def _backoff(self, attempts: int, why: str) -> None:
        # Full jitter: spreads retries of many workers instead of synchronising them.
        ceiling = min(MAX_BACKOFF_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempts - 1))
        delay = self._rng.uniform(0.0, ceiling)
        logger.info(
            "%s: %s; retry %d/%d in %.2f s",
            self.connector,
            why,
            attempts,
            self.max_retries,
            delay,
        )
        self._sleep(delay)

    def _error(self, url: str, attempts: int, status: int | None, detail: str) -> ConnectorError:
        if status in (401, 403):
            hint = f"The API rejected the credentials: {self.credentials_hint}."
        elif status is None or status == 429 or status >= 500:
            hint = "The service is unavailable or rate-limiting us; try again later."
        else:
            hint = (
                "The API rejected the request; check the connector settings "
                "(base URL, ids) and the requested day (some APIs only serve recent days)."
            )
        return ConnectorError(self.connector, url, attempts, status, hint, detail)


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 - the property raises when no request is attached
    except RuntimeError:
        return False
    return True


def _transport_detail(exc: httpx.TransportError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _body_snippet(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    if len(text) > _BODY_SNIPPET_CHARS:
        text = text[:_BODY_SNIPPET_CHARS] + "..."
    return text


def paginate(
    fetch_page: Callable[[C, int], tuple[T, C | None]],
    first_cursor: C,
    *,
    max_pages: int,
    what: str,
) -> Iterator[T]:
    """Yield pages until there is no next cursor or `max_pages` pages were fetched.

    `fetch_page(cursor, page_number)` (page numbers are 1-based) returns the page's result
    and the next cursor, or None when this was the last page. When the cap stops a
    listing that had more pages, a warning naming `what` is logged.
    """
    cursor: C | None = first_cursor
    page_number = 0
    while cursor is not None:
        if page_number >= max_pages:
            logger.warning(
                "%s: stopped after max_pages=%d pages although more results were available; "
                "raise SIGHTLINE_CONNECTOR_MAX_PAGES to fetch them",
                what,
                max_pages,
            )
            return
        page_number += 1
        result, cursor = fetch_page(cursor, page_number)
        yield result
