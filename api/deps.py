"""FastAPI dependencies: the app context, the caller (API key → tenant + scopes, rate
limited), and the tenant-scoped query layer. Routes never take a tenant parameter."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.context import ApiContext
from api.errors import ApiProblem
from api.keys import Principal
from api.store import TenantScope

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer sl_…`")


# Dependencies are `async def`: FastAPI runs sync ones in the thread pool, a hop that
# would cost more than the work they do on a cached request.
async def get_context(request: Request) -> ApiContext:
    """The app's shared services."""
    return request.app.state.context


Context = Annotated[ApiContext, Depends(get_context)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _too_many_failures(retry_after: int) -> ApiProblem:
    return ApiProblem(429, "too many failed authentications from this client; check the "
                      "API key and retry later", headers={"Retry-After": str(retry_after)})


async def _principal(request: Request, context: Context,
                     credentials: Credentials) -> Principal:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or not credentials.credentials:
        raise ApiProblem(401, "missing API key: send `Authorization: Bearer <key>`",
                         headers=challenge)
    client = request.client.host if request.client else "unknown"
    principal = context.auth.remembered(credentials.credentials)
    if principal is None:
        # A client that keeps sending bad keys is refused before any lookup.
        if (retry_after := await context.auth_failures.blocked(client)) is not None:
            raise _too_many_failures(retry_after)
        principal = await anyio.to_thread.run_sync(context.auth.authenticate,
                                                   credentials.credentials)
    if principal is None:
        if (retry_after := await context.auth_failures.check(client)) is not None:
            raise _too_many_failures(retry_after)
        raise ApiProblem(401, "invalid or revoked API key", headers=challenge)
    retry_after = await context.limiter.check(principal.tenant_id)
    if retry_after is not None:
        context.metrics.rate_limited.inc()
        limiter = context.limiter
        raise ApiProblem(429, f"rate limit of {limiter.limit} requests per "
                         f"{limiter.window_seconds}s reached for this tenant",
                         headers={"Retry-After": str(retry_after)})
    return principal


def require(scope: str):
    """Dependency: the caller, who must hold `scope` (401/403/429 otherwise)."""

    async def dependency(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        if not principal.allows(scope):
            raise ApiProblem(403, f"this API key lacks the '{scope}' scope")
        return principal

    return dependency


Reader = Annotated[Principal, Depends(require("read"))]
Ingester = Annotated[Principal, Depends(require("ingest"))]
Admin = Annotated[Principal, Depends(require("admin"))]


async def tenant_scope(context: Context, principal: Reader) -> TenantScope:
    """The query layer bound to the caller's tenant."""
    return context.store.scope(principal.tenant_id)


Scoped = Annotated[TenantScope, Depends(tenant_scope)]
