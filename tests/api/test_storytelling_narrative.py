"""Narratives on the demo data, in-process through the query runners: every audience and
tone renders through the claim gate, every number shown is a claim whose rows hold its
value, the audience decides the order, and the same inputs give the same bytes."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from api.context import build_context
from api.storytelling.claims import ClaimBook, ClaimGateError, realise
from api.storytelling.facts import gather_facts
from api.storytelling.insights import find_insights
from api.storytelling.narrative import AUDIENCE_ORDER, Request, write
from tests.api.conftest import API_FIRST, API_LAST


def _narratives(settings, requests: list[Request], brand: str | None = "Acme"):
    async def run():
        context = build_context(settings)
        try:
            facts = await gather_facts(context, "acme", API_FIRST, API_LAST, brand)
            out = []
            for request in requests:
                book = ClaimBook()
                out.append(write(request, find_insights(facts, book), book))
            return facts, out
        finally:
            await context.aclose()
    return asyncio.run(run())


@pytest.fixture(scope="module")
def written(demo_pipeline, api_settings):
    requests = [Request(API_FIRST, API_LAST, audience, tone, "text", length)
                for audience, tone, length in itertools.product(
                    AUDIENCE_ORDER, ("formal", "casual", "technical"), ("brief", "detailed"))]
    facts, narratives = _narratives(api_settings, requests)
    return facts, dict(zip(requests, narratives, strict=True))


def test_every_audience_and_tone_renders_with_claims_only(written) -> None:
    _, narratives = written
    for request, narrative in narratives.items():
        assert narrative.body.startswith(f"# {request.audience} brief: ")
        assert "**Bottom line:**" in narrative.body and "## Next steps" in narrative.body
        expected = 3 if request.length == "brief" else 5
        assert 1 <= len(narrative.insights) <= expected
        for claim in narrative.claims.values():
            assert claim.display in narrative.body


def test_every_claim_resolves_to_rows_that_hold_its_value(written) -> None:
    _, narratives = written
    for narrative in narratives.values():
        for claim_id, claim in narrative.claims.items():
            rows = narrative.rows[claim_id]
            assert rows, claim
            if claim.formula is None and claim.column not in ("sum(data)",):
                assert any(claim.value in row.values() for row in rows), (claim, rows)
            if claim.column == "sum(data)":
                assert sum(row["value"] for row in rows) == pytest.approx(claim.value)


def test_the_audience_decides_the_order(written) -> None:
    _, narratives = written
    for request, narrative in narratives.items():
        order = AUDIENCE_ORDER[request.audience]
        positions = [order.index(kind) for kind in narrative.insights]
        assert positions == sorted(positions)


def test_the_same_inputs_give_the_same_bytes(written, api_settings) -> None:
    request = Request(API_FIRST, API_LAST, "CMO", "formal", "text", "standard")
    _, [first] = _narratives(api_settings, [request])
    _, [second] = _narratives(api_settings, [request])
    assert first.body == second.body and first.body.encode() == second.body.encode()
    assert list(first.claims) == list(second.claims)


def test_a_number_slipped_into_a_template_fails_the_gate() -> None:
    book = ClaimBook()
    with pytest.raises(ClaimGateError):
        realise("# Brief\n\nSignups rose by 12 this week.\n", book)


def test_generate_stores_the_narrative_and_every_claim_resolves_over_http(
        demo_pipeline, acme, globex) -> None:
    body = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat(),
            "audience": "Board", "tone": "formal", "length": "detailed", "brand": "Acme"}
    made = acme.post("/storytelling/generate", json=body)
    assert made.status_code == 201, made.text
    narrative = made.json()["data"]
    assert narrative["body"].startswith("# Board brief: ")
    assert made.json()["meta"]["dataset_versions"] == narrative["dataset_versions"]
    again = acme.post("/storytelling/generate", json=body).json()["data"]
    assert again["body"] == narrative["body"] and again["id"] != narrative["id"]
    fetched = acme.get(f"/storytelling/{narrative['id']}")
    assert fetched.json()["data"] == narrative
    assert fetched.headers["ETag"] == made.headers["ETag"]
    assert acme.get(f"/storytelling/{narrative['id']}",
                    headers={"If-None-Match": made.headers["ETag"]}).status_code == 304
    assert narrative["claims"]
    for claim_id in narrative["claims"]:
        claim = acme.get(f"/claims/{claim_id}")
        assert claim.status_code == 200, claim.text
        found = claim.json()["data"]
        assert found["display"] in narrative["body"] and found["rows"]
        assert globex.get(f"/claims/{claim_id}").status_code == 404
    assert globex.get(f"/storytelling/{narrative['id']}").status_code == 404
    bad = acme.post("/storytelling/generate", json={**body, "audience": "Investors"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "audience"


def test_slides_carry_a_chart_per_insight_and_scripts_are_timed(demo_pipeline,
                                                                api_settings) -> None:
    slides_request = Request(API_FIRST, API_LAST, "Team", "casual", "slides", "detailed")
    script_request = Request(API_FIRST, API_LAST, "CEO", "formal", "video_script", "brief")
    _, [slides, script] = _narratives(api_settings, [slides_request, script_request])
    insight_slides = slides.slides[1:1 + len(slides.insights)]
    assert all(s["chart"]["$schema"].endswith("vega-lite/v6.json") for s in insight_slides)
    assert slides.body.startswith("## Slide 1: Team brief: ")
    for slide in slides.slides:
        for point in slide["points"]:
            assert "⟦" not in point  # claims realised
    starts = [scene["start"] for scene in script.scenes]
    ends = [scene["end"] for scene in script.scenes]
    assert starts[0] == "0:00" and starts[1:] == ends[:-1]
    for scene in script.scenes:
        start, end = ((int(t.split(":")[0]) * 60 + int(t.split(":")[1]))
                      for t in (scene["start"], scene["end"]))
        words = len(scene["narration"].split())
        assert end - start == max(5, -(-words * 2 // 5))  # 2.5 words a second, ≥ 5 s


def _wait_for_version(client, version: int) -> None:
    """Until the API serves raw_events at `version` (pub/sub, or its version TTL)."""
    import time

    question = {"series": [{"event": "visit"}], "date_from": API_FIRST.isoformat(),
                "date_to": API_FIRST.isoformat()}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        meta = client.post("/analytics/trends", json=question).json()["meta"]
        if meta["dataset_versions"].get("raw_events") == version:
            return
        time.sleep(0.1)
    raise AssertionError(f"the API never saw raw_events version {version}")


def test_regenerate_is_identical_until_a_version_moves_and_then_says_so(
        demo_pipeline, acme, clickhouse, api_settings) -> None:
    from warehouse.dataset_versions import publish_versions

    body = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat(),
            "audience": "CFO", "length": "brief"}
    first = acme.post("/storytelling/generate", json=body).json()["data"]
    same = acme.post(f"/storytelling/{first['id']}/regenerate")
    assert same.status_code == 201, same.text
    same = same.json()["data"]
    assert same["body"].encode() == first["body"].encode()
    assert (same["changed"], same["changes"]["dataset_versions"]) == (False, {})
    new = publish_versions(clickhouse, api_settings.redis_url, "raw_events", {"acme": 0})
    _wait_for_version(acme, new["acme"])
    moved = acme.post(f"/storytelling/{first['id']}/regenerate").json()["data"]
    change = moved["changes"]["dataset_versions"]["raw_events"]
    assert change["to"] == change["from"] + 1
    assert moved["regenerated_from"] == first["id"]


def test_a_brief_is_one_page_with_a_decision(demo_pipeline, acme) -> None:
    made = acme.post("/storytelling/brief", json={
        "date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat(),
        "audience": "CEO", "brand": "Acme"})
    assert made.status_code == 201, made.text
    brief = made.json()["data"]
    assert brief["body"].startswith("# Executive brief for the CEO: ")
    assert "**Decision needed:**" in brief["body"]
    assert len([line for line in brief["body"].splitlines() if line.startswith("- ")]) <= 3
    assert made.headers["ETag"].startswith('"')


STORY_TENANT = "t_story"


@pytest.fixture(scope="module")
def crisis_tenant(clickhouse, api_context, server_url):
    """A hand-made crisis: 42 negative mentions of Nimbus on 2026-03-12 against a usual 6,
    with two evidence posts (one with numbers of its own)."""
    from datetime import date

    from api.keys import create_key
    from tests.api.conftest import client_for

    clickhouse.insert("mart_crisis_alerts", [[
        STORY_TENANT, date(2026, 3, 12), "Nimbus", "negative_zscore", "crisis", 2, 42.0, 6.0,
        36.0, ["p1", "p2"], ["x", "reddit"],
        ["Nimbus down for 3 hours, 2nd outage this week", "Cancelling my Nimbus plan"],
        ["https://x/p1", "https://reddit/p2"], "Nimbus: spike"]],
        column_names=["tenant_id", "alert_date", "brand", "rule", "severity", "severity_rank",
                      "value", "baseline", "change", "evidence_post_ids", "evidence_platforms",
                      "evidence_texts", "evidence_urls", "summary"])
    key = create_key(api_context.db, STORY_TENANT, ["read"], "story")[0]
    with client_for(server_url, key) as client:
        yield client


@pytest.mark.parametrize("audience", ["CMO", "Board"])
def test_the_crisis_appears_for_the_cmo_and_the_board_with_its_evidence(crisis_tenant,
                                                                        audience) -> None:
    made = crisis_tenant.post("/storytelling/generate", json={
        "date_from": "2026-03-09", "date_to": "2026-03-15", "audience": audience,
        "length": "brief"})
    assert made.status_code == 201, made.text
    body = made.json()["data"]["body"]
    assert ("Nimbus drew a crisis alert on 2026-03-12: 42 negative mentions against a usual "
            "6 a day. Evidence: “Nimbus down for 3 hours, 2nd outage this week”; "
            "“Cancelling my Nimbus plan”") in body
    assert "**Bottom line:** Nimbus drew a crisis alert" in body
    for claim_id in made.json()["data"]["claims"]:
        claim = crisis_tenant.get(f"/claims/{claim_id}").json()["data"]
        assert claim["dataset"] == "mart_crisis_alerts" and claim["rows"]


def test_the_board_agenda_lists_risks_decisions_and_follow_ups(crisis_tenant,
                                                              globex) -> None:
    span = {"date_from": "2026-03-09", "date_to": "2026-03-15"}
    agenda = crisis_tenant.get("/board/agenda", params=span)
    assert agenda.status_code == 200, agenda.text
    agenda = agenda.json()["data"]
    [risk] = agenda["risks"]
    assert risk["kind"] == "crisis" and "42 negative mentions" in risk["text"]
    assert agenda["decisions_needed"] == [{"kind": "crisis", "claims": risk["claims"],
                                           "text": "Agree a response to the crisis with "
                                                   "communications today."}]
    assert agenda["highlights"] == [] and agenda["follow_ups"] == []
    for claim_id in risk["claims"]:
        assert crisis_tenant.get(f"/claims/{claim_id}").status_code == 200
    made = crisis_tenant.post("/board/decisions", json={
        "title": "Nimbus outage response", "decision": "Publish a status page and credits.",
        "claim_ids": risk["claims"][:2], "owner": "comms", "due_date": "2026-03-16"})
    assert made.status_code == 201, made.text
    bad = crisis_tenant.post("/board/decisions", json={
        "title": "x", "decision": "y", "claim_ids": ["0123456789abcdef"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "claim_ids"
    [follow_up] = crisis_tenant.get("/board/agenda", params=span).json()["data"]["follow_ups"]
    assert follow_up["title"] == "Nimbus outage response"
    assert follow_up["claims"] == risk["claims"][:2]
    assert [d["id"] for d in crisis_tenant.get("/board/decisions").json()["data"]] == [
        made.json()["data"]["id"]]
    assert globex.get("/board/decisions").json()["data"] == []
