"""FastAPI dependencies: the app context, the caller (API key → tenant + scopes, rate
limited), and the tenant-scoped query layer. Routes never take a tenant parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.authorize import (
    CHALLENGE,
    admit,
    identify,
    identify_session,
    require_csrf,
    require_scope,
)
from api.context import ApiContext
from api.errors import ApiProblem
from api.keys import Principal
from api.sessions import COOKIE, CSRF_HEADER
from api.store import TenantScope

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer sl_…`")


# Dependencies are `async def`: FastAPI runs sync ones in the thread pool, a hop that
# would cost more than the work they do on a cached request.
async def get_context(request: Request) -> ApiContext:
    """The app's shared services."""
    return request.app.state.context


Context = Annotated[ApiContext, Depends(get_context)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def client_of(request: Request) -> str:
    """The client address failed authentications are counted by."""
    return request.client.host if request.client else "unknown"


async def _principal(request: Request, context: Context,
                     credentials: Credentials) -> Principal:
    # A bearer key wins; without one, a signed-in browser's session cookie stands for the
    # key it was opened with (and must carry its CSRF token to change anything).
    cookie = request.cookies.get(COOKIE) if credentials is None else None
    if cookie:
        identity = await identify_session(context, cookie, client_of(request))
        if identity is None:
            raise ApiProblem(401, "the session has ended, expired or is not valid: sign in "
                             "again at /sign-in, or send `Authorization: Bearer <key>`",
                             headers=CHALLENGE)
        require_csrf(identity, request.method, request.headers.get(CSRF_HEADER))
        await admit(context, identity.principal)
        return identity.principal
    token = credentials.credentials if credentials is not None else None
    principal = await identify(context, token, client_of(request))
    await admit(context, principal)
    return principal


def require(scope: str):
    """Dependency: the caller, who must hold `scope` (401/403/429 otherwise)."""

    async def dependency(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        require_scope(principal, scope)
        return principal

    return dependency


Reader = Annotated[Principal, Depends(require("read"))]
Ingester = Annotated[Principal, Depends(require("ingest"))]
Admin = Annotated[Principal, Depends(require("admin"))]


async def tenant_scope(context: Context, principal: Reader) -> TenantScope:
    """The query layer bound to the caller's tenant."""
    return context.store.scope(principal.tenant_id)


Scoped = Annotated[TenantScope, Depends(tenant_scope)]
