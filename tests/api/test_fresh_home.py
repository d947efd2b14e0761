"""An API started on a fresh home (no `sightline migrate`, no pipeline run yet) answers
the analytics routes from an empty store instead of a bare 500."""

from __future__ import annotations

import os

import httpx

from tests.api.processes import create_key, start_api


def test_a_fresh_home_initialises_its_store_on_first_request(tmp_path) -> None:
    env = {**os.environ, "SIGHTLINE_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dg")}
    env.pop("SIGHTLINE_REDIS_URL", None)  # this home's versions must not reach the tests'
    key = create_key(env, "acme")
    url, server = start_api(env)
    try:
        base, headers = f"{url}/v1", {"Authorization": f"Bearer {key}"}
        for path in ("/social/share-of-voice", "/wargaming/history"):
            answer = httpx.get(base + path, headers=headers, timeout=60)
            assert answer.status_code == 200, (path, answer.text)
        trends = httpx.post(base + "/analytics/trends", headers=headers, timeout=60, json={
            "series": [{"event": "visit"}], "date_from": "2026-03-01", "date_to": "2026-03-02"})
        assert trends.status_code == 200, trends.text
        assert [s["data"] for s in trends.json()["data"]["results"]] == [[0, 0]]
    finally:
        server.terminate()
        server.wait(timeout=30)
