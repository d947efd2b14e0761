"""Authorising a request, written once: key → principal (with the failed-authentication
limit), the tenant's rate limit, the route's scope. The routes' dependencies (`api.deps`)
and the hot path (`api.hot_path`) both call these."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import anyio

from api.errors import ApiProblem
from api.keys import Principal
from api.sessions import SAFE_METHODS, WebIdentity, csrf_matches

if TYPE_CHECKING:  # the context builds the hot path, which imports this module
    from api.context import ApiContext

CHALLENGE = {"WWW-Authenticate": "Bearer"}
T = TypeVar("T")


def _too_many_failures(retry_after: int) -> ApiProblem:
    return ApiProblem(429, "too many failed authentications from this client; check the "
                      "API key and retry later", headers={"Retry-After": str(retry_after)})


def remembered(context: ApiContext, token: str | None) -> Principal | None:
    """The principal of a key authenticated lately (no lookup: safe on the event loop)."""
    return context.auth.remembered(token) if token else None


async def identify(context: ApiContext, token: str | None, client: str) -> Principal:
    """The principal of `token`. Raises ApiProblem: 401 for a missing or bad key, 429 when
    `client` failed too often lately (then no lookup is made at all)."""
    if not token:
        raise ApiProblem(401, "missing API key: send `Authorization: Bearer <key>`",
                         headers=CHALLENGE)
    principal = remembered(context, token)
    if principal is None:
        if (retry_after := await context.auth_failures.blocked(client)) is not None:
            raise _too_many_failures(retry_after)
        principal = await anyio.to_thread.run_sync(context.auth.authenticate, token)
    if principal is None:
        if (retry_after := await context.auth_failures.check(client)) is not None:
            raise _too_many_failures(retry_after)
        raise ApiProblem(401, "invalid or revoked API key", headers=CHALLENGE)
    return principal


async def identify_session(context: ApiContext, cookie: str, client: str
                           ) -> WebIdentity | None:
    """The web session a cookie names, or None for a forged, ended or expired one (counted
    as a failed authentication of `client`; 429 when it failed too often lately)."""
    if (retry_after := await context.auth_failures.blocked(client)) is not None:
        raise _too_many_failures(retry_after)
    identity = await anyio.to_thread.run_sync(context.web_sessions.resolve, cookie)
    if identity is None and (retry_after := await context.auth_failures.check(client)):
        raise _too_many_failures(retry_after)
    return identity


def require_csrf(identity: WebIdentity, method: str, presented: str | None) -> None:
    """Raises ApiProblem 403 when a cookie-authenticated request that changes something
    does not carry the session's CSRF token."""
    if method not in SAFE_METHODS and not csrf_matches(identity, presented):
        raise ApiProblem(403, "missing or wrong X-CSRF-Token: a signed-in browser must send "
                         "its session's token with every change; reload the page")


async def identify_link(context: ApiContext, client: str, open_link: Callable[[], T]) -> T:
    """What a share-link token opens (`open_link` looks it up, raising ApiProblem 404 for
    a bad token): with the same failed-authentication limit per client as API keys, so
    tokens cannot be guessed faster than keys."""
    if (retry_after := await context.auth_failures.blocked(client)) is not None:
        raise _too_many_failures(retry_after)
    try:
        return await anyio.to_thread.run_sync(open_link)
    except ApiProblem:
        if (retry_after := await context.auth_failures.check(client)) is not None:
            raise _too_many_failures(retry_after) from None
        raise


async def admit(context: ApiContext, principal: Principal) -> None:
    """Count the request against its tenant's rate limit; raises ApiProblem 429 past it."""
    retry_after = await context.limiter.check(principal.tenant_id)
    if retry_after is not None:
        context.metrics.rate_limited.inc()
        limiter = context.limiter
        raise ApiProblem(429, f"rate limit of {limiter.limit} requests per "
                         f"{limiter.window_seconds}s reached for this tenant",
                         headers={"Retry-After": str(retry_after)})


def require_scope(principal: Principal, scope: str) -> None:
    """Raises ApiProblem 403 unless the key holds `scope`."""
    if not principal.allows(scope):
        raise ApiProblem(403, f"this API key lacks the '{scope}' scope")
