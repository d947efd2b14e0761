"""Signing in and out, and the dependency every signed-in page takes.

Sign-in takes an API key once, checks it like any bearer key (same failed-authentication
limit), and answers with the session cookie: signed, HttpOnly, SameSite=Lax, Secure when
served over HTTPS. The key itself is never stored in the browser. The sign-in form is
protected against login CSRF by a double-submit token (a cookie and a hidden field that
must match); every later form carries the session's own CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.authorize import admit, identify, identify_session, require_scope
from api.deps import Context, client_of
from api.errors import PAGE_SCOPE, ApiProblem
from api.sessions import COOKIE, CSRF_FIELD, WebIdentity, csrf_matches
from api.web.templating import render

LOGIN_CSRF_COOKIE = "sightline_login_csrf"

router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    """Raised by `signed_in` when there is no live session: the page redirects."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def mark_page(request: Request) -> None:
    """Dependency of every page: errors on this request render as a page."""
    request.scope[PAGE_SCOPE] = True


def _local(path: str | None) -> str:
    """`path` when it is a path on this site, else "/" (no open redirects)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


async def signed_in(request: Request, context: Context) -> WebIdentity:
    """The page's caller: the live session of its cookie, counted against the tenant's
    rate limit. Redirects to the sign-in page when there is none."""
    cookie = request.cookies.get(COOKIE)
    identity = (await identify_session(context, cookie, client_of(request))
                if cookie else None)
    if identity is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    require_scope(identity.principal, "read")
    await admit(context, identity.principal)
    return identity


SignedIn = Annotated[WebIdentity, Depends(signed_in)]


def check_form_csrf(identity: WebIdentity, presented: str | None) -> None:
    """Raises ApiProblem 403 unless a posted form carries the session's CSRF token."""
    if not csrf_matches(identity, presented):
        raise ApiProblem(403, "this form has expired or did not come from this site: "
                         "reload the page and try again")


def redirect_to_sign_in(request: Request, exc: SignInRequired) -> Response:
    """The answer to a page that needs a session (the exception handler)."""
    return RedirectResponse(f"/sign-in?next={quote(exc.next_path, safe='/')}",
                            status_code=303)


def _sign_in_page(request: Request, next_path: str, error: str | None = None,
                  status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", {"next": next_path, "error": error,
                                                "login_csrf": token}, status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/sign-in")
    return response


@router.get("/sign-in", dependencies=[Depends(mark_page)])
async def sign_in_form(request: Request, next: str | None = None) -> Response:
    return _sign_in_page(request, _local(next))


@router.post("/sign-in", dependencies=[Depends(mark_page)])
async def sign_in(
    request: Request, context: Context,
    api_key: Annotated[str, Form(max_length=200)],
    login_csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2_000)] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, login_csrf):
        return _sign_in_page(request, _local(next), "The form expired: please sign in again.",
                             status=403)
    try:
        principal = await identify(context, api_key.strip(), client_of(request))
    except ApiProblem as problem:
        if problem.status == 429:
            raise
        return _sign_in_page(request, _local(next), "That API key is not valid or was "
                             "revoked. Ask an admin for a key (`sightline keys create`).",
                             status=401)
    cookie, _ = await anyio.to_thread.run_sync(context.web_sessions.open, principal)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https",
                        max_age=context.settings.api.web_session_hours * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out", dependencies=[Depends(mark_page)])
async def sign_out(request: Request, context: Context, identity: SignedIn,
                   csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=100)] = ""
                   ) -> Response:
    check_form_csrf(identity, csrf_token)
    await anyio.to_thread.run_sync(context.web_sessions.end, request.cookies[COOKIE])
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE)
    return response
