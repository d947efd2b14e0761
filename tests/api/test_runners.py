"""Query runners: routes are one line over them; in-process calls (dashboards, the
storytelling engine) get the answer the route serves, from the same cache entry; the
datasets a runner reads are in its cache key (issue: API core, point 2)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pydantic
import pytest

from api.analytics.trends import TRENDS
from api.context import ApiContext, build_context
from api.social.service import SHARE_OF_VOICE
from tests.api.conftest import API_FIRST, API_LAST, client_for

RANGE = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat()}
QUESTION = {"series": [{"event": "visit", "math": "dau"}], **RANGE}


def in_process(settings, work: Callable[[ApiContext], Awaitable[Any]]) -> Any:
    """Run `work` with an app context of its own, on one event loop, as a dashboard or
    the storytelling engine would inside the API process (this one shares the test
    server's Redis and store, so it sees the server's cache entries)."""

    async def scenario() -> Any:
        context = build_context(settings)
        try:
            return await work(context)
        finally:
            await context.aclose()

    return asyncio.run(scenario())


def test_in_process_answers_are_the_routes_answers(demo_pipeline, api_settings, server_url,
                                                   keys) -> None:
    with client_for(server_url, keys.acme) as client:
        served = client.post("/analytics/trends", json=QUESTION)
    assert served.status_code == 200

    async def ask(context: ApiContext):
        return (await TRENDS.run(context, "acme", QUESTION),
                await TRENDS.run(context, "globex", QUESTION))

    answer, other = in_process(api_settings, ask)
    assert answer.data == served.json()["data"]
    assert answer.etag == served.headers["etag"]  # the same cache entry (shared Redis)
    assert answer.cached
    assert other.data != answer.data  # tenant-scoped like the route


def test_the_datasets_a_runner_reads_are_in_its_cache_key(demo_pipeline, api_settings) -> None:
    params = {**RANGE}
    # The same runner starting to read another table: its old answers are not reused.
    reads_more = dataclasses.replace(
        SHARE_OF_VOICE, datasets=(*SHARE_OF_VOICE.datasets, "mart_influencers"))

    async def ask(context: ApiContext):
        return (await SHARE_OF_VOICE.run(context, "acme", params),
                await SHARE_OF_VOICE.run(context, "acme", params),
                await reads_more.run(context, "acme", params))

    first, again, widened = in_process(api_settings, ask)
    assert again.cached and again.etag == first.etag
    assert not widened.cached
    assert set(widened.dataset_versions) == {"mart_share_of_voice_daily", "mart_influencers"}
    assert widened.data == first.data  # same compute, new key


def test_in_process_parameters_are_validated_by_the_runners_model(api_settings) -> None:
    with pytest.raises(pydantic.ValidationError, match="series"):
        in_process(api_settings, lambda context: TRENDS.run(context, "acme",
                                                            {**RANGE, "series": []}))
