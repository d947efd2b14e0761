"""Dashboard warming over HTTP, with the app's real startup: a dashboard viewed before the
daily run publishes new versions is evaluated again in the background, so its next view
is all cache hits with the new versions; a dashboard nobody viewed is left alone."""

from __future__ import annotations

import dataclasses
import time

import pytest

from api.context import build_context
from api.keys import create_key
from api.main import create_app
from tests.api.conftest import API_FIRST, API_LAST, client_for, running_server
from warehouse.dataset_versions import publish_versions

RANGE = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat()}
WIDGETS = [
    {"id": "signups", "title": "Signups", "kind": "line", "source": "trends",
     "params": {"series": [{"event": "signup"}], "interval": "day"}},
    {"id": "funnel", "title": "Visit to purchase", "kind": "funnel", "source": "funnels",
     "params": {"steps": ["visit", "signup", "purchase"]}},
]


@pytest.fixture(scope="module")
def warming(api_settings, demo_pipeline):
    """A server of its own with warming on (its startup hooks the warmer in)."""
    settings = dataclasses.replace(
        api_settings, api=dataclasses.replace(api_settings.api, dashboard_warming=True))
    context = build_context(settings)
    app = create_app(settings, context)
    key = create_key(context.db, "acme", ["read"], "warming", user="wendy")[0]
    with running_server(app, lifespan="on") as url, client_for(url, key) as client:
        yield client, app.state.warmer


def _data(client, dashboard_id: int) -> list[dict]:
    answer = client.get(f"/dashboards/{dashboard_id}/data")
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["widgets"]


def test_a_viewed_dashboard_is_warm_after_a_publish(warming, clickhouse, api_settings) -> None:
    client, warmer = warming
    made = [client.post("/dashboards", json={"name": name, "widgets": WIDGETS,
                                            "filters": RANGE}).json()["data"]
            for name in ("viewed", "never viewed")]
    first = _data(client, made[0]["id"])
    assert all("data" in w for w in first)
    before = first[0]["meta"]["dataset_versions"]["raw_events"]
    warmed = warmer.warmed

    publish_versions(clickhouse, api_settings.redis_url, "raw_events", {"acme": 0})
    deadline = time.monotonic() + 60
    while warmer.warmed == warmed or warmer.busy:
        assert time.monotonic() < deadline, "no warm within 60 s of the publish"
        time.sleep(0.1)

    assert warmer.warmed == warmed + 1  # the viewed dashboard only
    again = _data(client, made[0]["id"])
    assert [w["meta"]["cached"] for w in again] == [True, True]
    assert {w["meta"]["dataset_versions"]["raw_events"] for w in again} == {before + 1}
    assert [w["data"] for w in again] == [w["data"] for w in first]  # same rows, new version
