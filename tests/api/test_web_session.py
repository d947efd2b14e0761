"""The web app's sign-in, session cookie, CSRF and tenant scope, over HTTP: a page needs a
live session, the cookie never holds the key, forged/ended sessions and other tenants'
rows get nothing, and /docs works without the internet."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from api.keys import create_key
from api.sessions import COOKIE, CSRF_HEADER
from tests.api.web import csrf_of, sign_in, signed_in

SPEC = {"name": "Web test", "filters": {"date_from": "2026-04-06", "date_to": "2026-04-12"},
        "widgets": [{"id": "signups", "title": "Signups", "kind": "line", "source": "trends",
                     "params": {"series": [{"event": "signup"}]}}]}


@pytest.fixture
def browser_acme(server_url, keys) -> Iterator[httpx.Client]:
    with signed_in(server_url, keys.acme) as client:
        yield client


def test_pages_need_a_session_and_come_back_after_sign_in(server_url, keys) -> None:
    with httpx.Client(base_url=server_url) as anonymous:
        answer = anonymous.get("/social?brand=Acme")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/sign-in?next=/social%3Fbrand%3DAcme"
    with signed_in(server_url, keys.acme) as client:
        assert client.get("/social?brand=Acme").status_code == 200


def test_the_cookie_is_signed_httponly_samesite_and_never_holds_the_key(server_url,
                                                                        keys) -> None:
    with httpx.Client(base_url=server_url) as client:
        token = re.search(r'name="login_csrf" value="([^"]+)"',
                          client.get("/sign-in").text).group(1)
        answer = client.post("/sign-in", data={"api_key": keys.acme, "login_csrf": token})
    header = answer.headers["set-cookie"]
    assert header.startswith(f"{COOKIE}=")
    assert "HttpOnly" in header and "SameSite=lax" in header and "Max-Age=43200" in header
    value = header.split(";")[0].split("=", 1)[1]
    assert keys.acme not in value and keys.acme.split("_")[2] not in value
    assert value.count(".") == 1  # token.signature


def test_sign_in_refuses_a_bad_key_and_a_form_without_its_token(server_url, keys) -> None:
    with httpx.Client(base_url=server_url) as client:
        token = re.search(r'name="login_csrf" value="([^"]+)"',
                          client.get("/sign-in").text).group(1)
        bad = client.post("/sign-in", data={"api_key": "sl_00000000_" + "x" * 43,
                                            "login_csrf": token})
        assert bad.status_code == 401 and "not valid" in bad.text
        assert COOKIE not in client.cookies
    with httpx.Client(base_url=server_url) as stranger:  # no login cookie: cross-site post
        forged = stranger.post("/sign-in", data={"api_key": keys.acme, "login_csrf": "guess"})
        assert forged.status_code == 403 and COOKIE not in stranger.cookies


def test_a_session_reads_the_api_and_changes_only_with_its_csrf_token(browser_acme,
                                                                     keys) -> None:
    assert browser_acme.get("/v1/dashboards").status_code == 200
    refused = browser_acme.post("/v1/dashboards", json=SPEC)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = browser_acme.post("/v1/dashboards", json=SPEC, headers={CSRF_HEADER: "nope"})
    assert wrong.status_code == 403
    made = browser_acme.post("/v1/dashboards", json=SPEC,
                             headers={CSRF_HEADER: csrf_of(browser_acme)})
    assert made.status_code == 201
    assert made.json()["data"]["owner"] == f"key:{keys.acme.split('_')[1]}"  # the key acts


def test_a_forged_cookie_gets_nothing(server_url, browser_acme) -> None:
    value = browser_acme.cookies[COOKIE]
    token, signature = value.split(".")
    for forged in (f"{token[:-1]}{'A' if token[-1] != 'A' else 'B'}.{signature}",
                   f"{token}.{signature[::-1]}", "garbage"):
        with httpx.Client(base_url=server_url, cookies={COOKIE: forged}) as client:
            assert client.get("/").status_code == 303
            api = client.get("/v1/dashboards")
            assert api.status_code == 401 and "sign in again" in api.json()["detail"]


def test_another_tenants_dashboard_is_not_found_from_a_session(server_url, browser_acme,
                                                               globex) -> None:
    theirs = globex.post("/dashboards", json=SPEC).json()["data"]["id"]
    page = browser_acme.get(f"/dashboards/{theirs}")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Web test" not in page.text
    assert browser_acme.get(f"/v1/dashboards/{theirs}").status_code == 404
    assert browser_acme.get(f"/v1/dashboards/{theirs}/data").status_code == 404


def test_sign_out_ends_the_session_even_for_a_copied_cookie(server_url, keys) -> None:
    client = sign_in(server_url, keys.acme)
    copied = client.cookies[COOKIE]
    csrf = csrf_of(client)
    assert client.post("/sign-out", data={"csrf_token": "wrong"}).status_code == 403
    out = client.post("/sign-out", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    with httpx.Client(base_url=server_url, cookies={COOKIE: copied}) as thief:
        assert thief.get("/").status_code == 303
        assert thief.get("/v1/dashboards").status_code == 401


def test_a_revoked_key_ends_its_sessions(server_url, api_context) -> None:
    key = create_key(api_context.db, "acme", ["read"], "to revoke")[0]
    client = sign_in(server_url, key)
    assert client.get("/").status_code == 200
    api_context.auth.revoke(key.split("_")[1])
    api_context.web_sessions.forget()  # this process's memo; others see it within its TTL
    assert client.get("/").status_code == 303


def test_sign_in_goes_back_only_to_a_page_of_this_site(server_url, keys) -> None:
    with httpx.Client(base_url=server_url) as client:
        page = client.get("/sign-in", params={"next": "//evil.example/x"}).text
        assert 'name="next" value="/"' in page
        token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)
        answer = client.post("/sign-in", data={"api_key": keys.acme, "login_csrf": token,
                                               "next": "https://evil.example/"})
        assert answer.headers["location"] == "/"


def test_page_errors_are_pages_and_api_errors_stay_problem_json(browser_acme) -> None:
    page = browser_acme.get("/dashboards/2147483647")
    assert page.status_code == 404 and "<h1>Not Found</h1>" in page.text
    bad = browser_acme.get("/explore/funnels", params={"steps": "visit", "window": "0"})
    assert bad.status_code == 422 and "window" in bad.text
    assert browser_acme.get("/v1/dashboards/2147483647").headers[
        "content-type"] == "application/problem+json"


def test_an_explorer_question_the_api_refuses_shows_the_apis_message(browser_acme) -> None:
    page = browser_acme.get("/explore/funnels", params={"steps": "visit"})
    assert page.status_code == 200
    assert "steps: List should have at least 2 items" in page.text


def test_docs_and_redoc_load_only_local_assets(server_url) -> None:
    with httpx.Client(base_url=server_url) as client:
        for path in ("/docs", "/redoc"):
            page = client.get(path).text
            sources = re.findall(r'(?:src|href)="([^"]+)"', page)
            assert sources and all(s.startswith("/") for s in sources), sources
            assert "openapi.json" in page
            for asset in sources:
                answer = client.get(asset)
                assert answer.status_code == 200, asset
                if "/vendor/" in asset:
                    assert "immutable" in answer.headers["cache-control"]
        assert client.get("/openapi.json").json()["info"]["title"] == "Sightline API"


HOSTILE_PAGES = [
    "/dashboards/abc", "/dashboards/1?date_from=2026-13-01", "/dashboards/1?last_days=-3",
    "/dashboards/1?property_key=country&property_operator=nope&property_value=x",
    "/explore/funnels?window=abc", "/explore/retention?intervals=9999",
    "/social?platform=bad", "/social?cursor=%ff%fe", "/s/" + "x" * 200, "/s/nope",
    "/briefs/0", "/briefs/2147483647", "/claims/xyz", "/wargaming/nonexistent",
    "/wargaming/" + "a" * 100, "/explore/trends?events=%00&formula=A%2F%2F",
]


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_hostile_page_requests_are_4xx_pages(browser_acme, path) -> None:
    answer = browser_acme.get(path)
    assert 400 <= answer.status_code < 500 or (
        answer.status_code == 200 and 'role="alert"' in answer.text), answer.status_code
    assert answer.headers["content-type"].startswith("text/html")


def test_hostile_sign_in_posts_are_4xx(server_url) -> None:
    with httpx.Client(base_url=server_url) as client:
        assert client.post("/sign-in", data={"api_key": "x" * 500,
                                             "login_csrf": "a"}).status_code == 422
        assert client.post("/sign-in", json={}).status_code == 422
