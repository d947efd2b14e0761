"""FastAPI dependencies: the app context, the caller (API key → tenant + scopes, rate
limited), and the tenant-scoped query layer. Routes never take a tenant parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.authorize import admit, identify, require_scope
from api.context import ApiContext
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


async def _principal(request: Request, context: Context,
                     credentials: Credentials) -> Principal:
    token = credentials.credentials if credentials is not None else None
    principal = await identify(context, token,
                               request.client.host if request.client else "unknown")
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
