"""Repeat reads answered before routing: the cache's fast path.

Routing a request through FastAPI (matching, dependency solving, body validation) costs
more CPU than answering a cached read itself. So when `cached_answer` has answered a
request, it teaches `ReplayBook` what that request *was*: the exact request bytes that
matter (method, path, query string, content type, body) map to the validated, canonical
parameters, the route and the datasets it reads. `HotPathMiddleware` sees the next
request with the same bytes and, without routing, does what the full path would:

    API key → tenant and scope → dataset versions → cache key → in-process cache entry

and sends the same response (200 with ETag, or 304). Anything it cannot answer this way
— an unknown request, a missing or invalid key, a lacking scope, an entry only in Redis,
a caller over the rate limit, a new UTC day (defaults such as "today" may validate
differently) — goes down the full path unchanged, which answers or refuses it as usual.
A key is authenticated and counted against the rate limit exactly once per request.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.authorize import admit, remembered
from api.cache import cache_key
from api.errors import ApiProblem
from api.middleware import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from api.context import ApiContext

FINGERPRINT = "sightline.fingerprint"  # scope key: set here, read by `cached_answer`
MAX_BODY = 16 * 1024  # larger bodies are not fingerprinted (they always route)

# (method, path, query string, content type, body)
Fingerprint = tuple[str, str, bytes, bytes, bytes]


def _utc_day() -> int:
    return int(time.time() // 86_400)


@dataclass(frozen=True)
class Replay:
    """What one request fingerprint means, as the full path validated it."""

    route: str  # cache route name, e.g. "analytics.trends"
    params_json: str  # canonical JSON of the validated parameters
    datasets: tuple[str, ...]
    scope: str  # API-key scope the route requires
    endpoint: Any  # the matched Starlette route (metrics label it by its path)
    day: int  # UTC day it was learned


class ReplayBook:
    """Fingerprint → Replay, least recently used first out."""

    def __init__(self, max_entries: int = 4_096, enabled: bool = True) -> None:
        self.max_entries = max_entries
        self.enabled = enabled  # False: every request is routed (SIGHTLINE_API_HOT_PATH=0)
        self._entries: OrderedDict[Fingerprint, Replay] = OrderedDict()

    def learn(self, fingerprint: Fingerprint, route: str, params_json: str,
              datasets: Sequence[str], scope: str, endpoint: Any) -> None:
        """Remember what `fingerprint` means (called by `cached_answer` after answering)."""
        self._entries[fingerprint] = Replay(route, params_json, tuple(datasets), scope,
                                            endpoint, _utc_day())
        self._entries.move_to_end(fingerprint)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def lookup(self, fingerprint: Fingerprint) -> Replay | None:
        """The replay learned today for `fingerprint`, if any."""
        if not self.enabled:
            return None
        replay = self._entries.get(fingerprint)
        if replay is None or replay.day != _utc_day():
            return None
        return replay


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    value = _header(headers, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class HotPathMiddleware:
    """Answers repeat cacheable reads from the in-process cache (see the module docstring)."""

    def __init__(self, app: ASGIApp, context: ApiContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        length = _header(headers, b"content-length")
        if _header(headers, b"transfer-encoding") is not None or (
                length is not None and (not length.isdigit() or int(length) > MAX_BODY)):
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive) if length else (b"", [])
        fingerprint = (scope["method"], scope["path"], scope["query_string"],
                       _header(headers, b"content-type") or b"", body)
        replay = self.context.replays.lookup(fingerprint)
        if replay is None or not await self._answer(scope, replay, send):
            scope[FINGERPRINT] = fingerprint
            await self.app(scope, _replaying(body, more, receive), send)

    async def _answer(self, scope: Scope, replay: Replay, send: Send) -> bool:
        """Send the cached answer; False (nothing sent) when the full path must answer."""
        from api.answers import answer_response  # answers → cache → here: import late

        context = self.context
        # Only keys the full path has authenticated lately (`api.authorize`): a new or bad
        # key is looked up (off the event loop) and counted against the failure limit there.
        principal = remembered(context, _bearer(scope["headers"]))
        if principal is None or not principal.allows(replay.scope):
            return False
        tenant = principal.tenant_id
        versions = await context.versions.versions(tenant, replay.datasets)
        key = cache_key(tenant, replay.route, replay.params_json, versions)
        answer = await context.cache.get_in_process(key)
        if answer is None:
            return False  # the full path fetches it from Redis or computes it
        try:
            await admit(context, principal)
        except ApiProblem:
            return False  # the full path answers the 429
        context.metrics.cache.labels("hit").inc()
        context.metrics.hot_path.inc()
        scope["route"] = replay.endpoint
        response = answer_response(answer, versions, hit=True,
                                   if_none_match=_header(scope["headers"], b"if-none-match"),
                                   max_age=context.settings.api.cache_ttl_seconds)
        await response(scope, _no_body, send)
        return True


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole request body, and any non-body message received meanwhile."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), []


def _replaying(body: bytes, more: list[Message], receive: Receive) -> Receive:
    """A `receive` that yields the already-read body first, then defers to `receive`."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False},
                              *more]

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
