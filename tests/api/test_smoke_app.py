"""The app answers over a real server: health, problem+json 404s, auth errors."""

from tests.api.conftest import client_for


def test_health_and_unknown_route(server_url) -> None:
    with client_for(server_url, None) as client:
        assert client.get("/health").json()["data"] == {"status": "ok"}
        missing = client.get("/no/such/route")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["status"] == 404


def test_ready_checks_every_dependency(server_url) -> None:
    with client_for(server_url, None) as client:
        checks = client.get("/ready").json()["data"]["checks"]
    assert checks == {"clickhouse": "ok", "app_db": "ok", "redis": "ok"}
