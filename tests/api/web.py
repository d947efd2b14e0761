"""Signing in to the web app from tests, over HTTP: the sign-in form's double-submit
token is read from the page, as a browser would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from api.sessions import COOKIE

_LOGIN_CSRF = re.compile(r'name="login_csrf" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def sign_in(base_url: str, key: str) -> httpx.Client:
    """A client holding a web session opened with `key` (no Authorization header)."""
    client = httpx.Client(base_url=base_url, timeout=60)
    page = client.get("/sign-in")
    token = _LOGIN_CSRF.search(page.text).group(1)
    answer = client.post("/sign-in", data={"api_key": key, "login_csrf": token, "next": "/"})
    assert answer.status_code == 303, answer.text
    assert COOKIE in client.cookies
    return client


@contextmanager
def signed_in(base_url: str, key: str) -> Iterator[httpx.Client]:
    """`sign_in` as a context: the client is closed after."""
    client = sign_in(base_url, key)
    try:
        yield client
    finally:
        client.close()


def csrf_of(client: httpx.Client) -> str:
    """The session's CSRF token, read from a page's meta tag."""
    return _CSRF_META.search(client.get("/dashboards").text).group(1)
