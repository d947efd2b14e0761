"""Tests of the deterministic demo generator (ingestion.demo)."""

from __future__ import annotations

import io
import itertools
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from ingestion.brands import DEMO_TENANTS, match_brands
from ingestion.demo import DemoConfig, generate_day, iter_event_batches
from ingestion.demo.text import CRISIS, LAUNCH, PAIR, SINGLE, Tone, brand_reference, render
from warehouse.raw_schemas import RAW_CONNECTOR_RECORDS, RAW_EVENTS, RAW_SOCIAL_MENTIONS
from warehouse.source_batch import SourceBatch

FIRST, LAST = date(2024, 3, 1), date(2024, 3, 21)  # Fri .. Thu, three weekends
WINDOW = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
CONFIG = DemoConfig.for_window(FIRST, LAST)  # crisis 2024-03-16, launch 2024-03-08
TENANTS = ("acme", "globex")
SCHEMAS = {
    "raw_social_mentions": RAW_SOCIAL_MENTIONS,
    "raw_events": RAW_EVENTS,
    "raw_connector_records": RAW_CONNECTOR_RECORDS,
}
# Words the templates use for each tone (see ingestion/demo/text.py).
NEGATIVE_WORDS = (
    "terrible",
    "awful",
    "worst",
    "worse",
    "hate",
    "horrible",
    "disappointed",
    "frustrated",
    "angry",
    "disaster",
    "outage",
    "breach",
    "refund",
    "mess",
)
POSITIVE_WORDS = (
    "love",
    "great",
    "amazing",
    "awesome",
    "excellent",
    "fantastic",
    "happy",
    "best",
    "better",
    "glad",
    "wonderful",
    "brilliant",
    "impressive",
)


def has_word(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{w}\b", text, re.IGNORECASE) for w in words)


def ipc_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@pytest.fixture(scope="module")
def window() -> dict[date, SourceBatch]:
    """Every day of the window, generated in order (as a backfill would)."""
    return {day: generate_day(day, TENANTS, CONFIG) for day in WINDOW}


@pytest.fixture(scope="module")
def frames(window: dict[date, SourceBatch]) -> dict[str, pl.DataFrame]:
    """All days of each table as one polars frame, with a `day` column."""
    out = {}
    for name in SCHEMAS:
        parts = [
            pl.from_arrow(batch.tables[name]).with_columns(day=pl.lit(day))
            for day, batch in window.items()
        ]
        out[name] = pl.concat(parts)
    return out


# --- contract -----------------------------------------------------------------------


def test_batch_has_the_three_tables_with_exact_schemas(window: dict[date, SourceBatch]) -> None:
    batch = window[FIRST]
    assert batch.source == "demo" and batch.day == FIRST
    assert set(batch.tables) == set(SCHEMAS)
    for name, schema in SCHEMAS.items():
        table = batch.tables[name]
        assert table.schema.equals(schema), name
        assert table.num_rows > 0
        assert set(table["tenant_id"].to_pylist()) == set(TENANTS)
        assert set(table["source"].to_pylist()) == {"demo"}
        table.validate(full=True)
    assert batch.quarantine.num_rows == 0


def test_rows_fall_inside_their_day_and_default_ingested_at_is_the_days_end(
    frames: dict[str, pl.DataFrame],
) -> None:
    for name, column in (
        ("raw_social_mentions", "created_at"),
        ("raw_events", "timestamp"),
        ("raw_connector_records", "occurred_at"),
    ):
        frame = frames[name]
        assert (frame[column].dt.date() == frame["day"]).all(), name
        end = frame["day"].cast(pl.Datetime("ms", "UTC")) + timedelta(days=1, milliseconds=-1)
        assert (frame["ingested_at"] == end).all(), name


def test_explicit_ingested_at_is_used_and_naive_datetimes_are_refused() -> None:
    moment = datetime(2024, 4, 1, 8, 30, tzinfo=UTC)
    batch = generate_day(FIRST, ["acme"], CONFIG, ingested_at=moment)
    for table in batch.tables.values():
        assert set(table["ingested_at"].to_pylist()) == {moment}
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_day(FIRST, ["acme"], CONFIG, ingested_at=datetime(2024, 4, 1))


def test_unknown_tenant_is_refused_naming_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="acme, globex, initech"):
        generate_day(FIRST, ["acme", "wayne"])
    with pytest.raises(ValueError, match="not tracked"):
        generate_day(FIRST, ["acme"], replace(CONFIG, crisis_brand="Wayne"))


def test_for_window_places_the_story_inside_the_window() -> None:
    assert CONFIG.crisis_day == LAST - timedelta(days=5)
    assert CONFIG.launch_day == FIRST + timedelta(days=7)
    short = DemoConfig.for_window(FIRST, FIRST + timedelta(days=2), seed=7)
    assert short.crisis_day == FIRST and short.launch_day == FIRST + timedelta(days=2)
    assert short.seed == 7
    assert DemoConfig.for_window(FIRST, LAST, crisis_day=None).crisis_day is None
    with pytest.raises(ValueError):
        DemoConfig.for_window(LAST, FIRST)


# --- determinism --------------------------------------------------------------------


def test_same_inputs_give_identical_bytes_and_another_seed_does_not() -> None:
    day = date(2024, 3, 12)
    first, again = generate_day(day, TENANTS, CONFIG), generate_day(day, TENANTS, CONFIG)
    other = generate_day(day, TENANTS, replace(CONFIG, seed=CONFIG.seed + 1))
    for name in SCHEMAS:
        assert ipc_bytes(first.tables[name]) == ipc_bytes(again.tables[name]), name
        assert ipc_bytes(first.tables[name]) != ipc_bytes(other.tables[name]), name


def test_a_day_generated_alone_equals_the_same_day_inside_the_range(
    window: dict[date, SourceBatch],
) -> None:
    for day in (CONFIG.crisis_day, CONFIG.launch_day, LAST):
        alone = generate_day(day, TENANTS, CONFIG)
        for name in SCHEMAS:
            assert ipc_bytes(alone.tables[name]) == ipc_bytes(window[day].tables[name])
    # A tenant's rows do not depend on which other tenants are generated with it.
    acme_alone = generate_day(LAST, ["acme"], CONFIG).tables["raw_events"]
    both = window[LAST].tables["raw_events"]
    assert acme_alone.equals(both.slice(0, acme_alone.num_rows))


# --- social mentions ----------------------------------------------------------------


def test_templates_carry_the_words_of_their_tone() -> None:
    for templates, tone in (
        [(SINGLE[t], t) for t in Tone]
        + [(PAIR[t], t) for t in Tone]
        + [(CRISIS, Tone.NEGATIVE), (LAUNCH, Tone.POSITIVE)]
    ):
        for template in templates:
            positive, negative = (
                has_word(template, POSITIVE_WORDS),
                has_word(template, NEGATIVE_WORDS),
            )
            assert (positive, negative) == (tone is Tone.POSITIVE, tone is Tone.NEGATIVE), template


@pytest.mark.parametrize("tenant", sorted(DEMO_TENANTS))
def test_every_template_names_exactly_its_brands_in_every_spelling(tenant: str) -> None:
    brands = DEMO_TENANTS[tenant].brands
    spellings = {b.name: {brand_reference(b, u) for u in np.linspace(0, 0.999, 40)} for b in brands}
    assert all(len(s) >= 2 for s in spellings.values())  # name plus alias or hashtag
    templates = [t for group in (*SINGLE.values(), *PAIR.values(), CRISIS, LAUNCH) for t in group]
    for template in templates:
        for brand, other in itertools.permutations(brands, 2):
            expected = {brand.name, other.name} if "{o}" in template else {brand.name}
            for b, o in itertools.product(spellings[brand.name], spellings[other.name]):
                assert set(match_brands(render(template, b, o), brands)) == expected


def test_mentions_name_their_brands_and_look_like_posts(frames: dict[str, pl.DataFrame]) -> None:
    mentions = frames["raw_social_mentions"]
    for row in mentions.select("tenant_id", "text", "matched_brands").iter_rows():
        tenant, text, matched = row
        assert matched, text
        assert matched == match_brands(text, DEMO_TENANTS[tenant].brands)
    assert mentions["matched_brands"].list.len().max() == 2
    assert (mentions["impressions"] >= mentions["likes"]).all()
    assert set(mentions["lang"]) == {"en"}
    platforms = mentions["platform"].value_counts(sort=True)
    assert platforms["platform"].to_list()[0] == "x"
    assert set(platforms["platform"]) == {"x", "reddit", "linkedin"}
    assert 0 < mentions["author_verified"].sum() < 0.2 * mentions.height
    followers = mentions["author_followers"].cast(pl.Float64)
    assert followers.max() > 20 * followers.median()  # heavy tail
    assert (
        np.corrcoef(np.log1p(followers), np.log1p(mentions["likes"].cast(pl.Float64)))[0, 1] > 0.5
    )
    for platform, prefix in (
        ("x", "https://x.com/"),
        ("reddit", "https://www.reddit.com/r/"),
        ("linkedin", "https://www.linkedin.com/feed/update/"),
    ):
        urls = mentions.filter(pl.col("platform") == platform)["url"]
        assert urls.str.starts_with(prefix).all()
    per_day = mentions.group_by("tenant_id", "day").agg(
        pl.len().alias("n"), pl.col("post_id").n_unique().alias("unique")
    )
    assert (per_day["n"] == per_day["unique"]).all()
    assert mentions["post_id"].str.contains(r"^(acme|globex)-(x|reddit|linkedin)-\d{8}-\d+$").all()


def test_reposts_point_to_earlier_posts_of_the_same_tenant_day(
    frames: dict[str, pl.DataFrame],
) -> None:
    mentions = frames["raw_social_mentions"]
    reposts = mentions.filter(pl.col("parent_id").is_not_null())
    assert 0.08 < reposts.height / mentions.height < 0.2
    parents = mentions.select(
        "tenant_id",
        "day",
        parent_id="post_id",
        parent_platform="platform",
        parent_text="text",
        parent_handle="author_handle",
        parent_created="created_at",
        parent_parent="parent_id",
    )
    joined = reposts.join(parents, on=["tenant_id", "day", "parent_id"], how="left")
    assert joined["parent_text"].null_count() == 0  # every parent exists that day
    assert joined["parent_parent"].null_count() == joined.height  # parents are originals
    assert (joined["created_at"] > joined["parent_created"]).all()
    assert (joined["platform"] == joined["parent_platform"]).all()
    for platform, text, parent_text, handle in joined.select(
        "platform", "text", "parent_text", "parent_handle"
    ).iter_rows():
        expected = f"RT @{handle}: {parent_text}" if platform == "x" else parent_text
        assert text == expected


def _brand_days(mentions: pl.DataFrame, tenant: str, brand: str) -> pl.DataFrame:
    rows = mentions.filter(
        (pl.col("tenant_id") == tenant) & pl.col("matched_brands").list.contains(brand)
    )
    return (
        rows.with_columns(
            negative=pl.col("text").map_elements(
                lambda t: has_word(t, NEGATIVE_WORDS), return_dtype=pl.Boolean
            ),
            positive=pl.col("text").map_elements(
                lambda t: has_word(t, POSITIVE_WORDS), return_dtype=pl.Boolean
            ),
        )
        .group_by("day")
        .agg(pl.len().alias("n"), pl.col("negative").mean(), pl.col("positive").mean())
    )


@pytest.mark.parametrize("tenant", TENANTS)
def test_crisis_day_spikes_negative_volume_of_the_company(
    frames: dict[str, pl.DataFrame], tenant: str
) -> None:
    company = DEMO_TENANTS[tenant].company.name
    days = _brand_days(frames["raw_social_mentions"], tenant, company)
    crisis = days.filter(pl.col("day") == CONFIG.crisis_day)
    others = days.filter(pl.col("day") != CONFIG.crisis_day)
    assert crisis["n"][0] >= 3 * others["n"].mean()
    assert crisis["negative"][0] > 0.7
    assert others["negative"].max() < 0.45


@pytest.mark.parametrize("tenant", TENANTS)
def test_launch_buzz_lifts_positive_volume_of_the_first_competitor(
    frames: dict[str, pl.DataFrame], tenant: str
) -> None:
    brand = next(b.name for b in DEMO_TENANTS[tenant].brands if not b.is_company)
    days = _brand_days(frames["raw_social_mentions"], tenant, brand)
    buzz_days = [CONFIG.launch_day, CONFIG.launch_day + timedelta(days=1)]
    buzz = days.filter(pl.col("day").is_in(buzz_days))
    others = days.filter(~pl.col("day").is_in(buzz_days))
    assert buzz.height == 2
    assert buzz["n"].min() >= 2 * others["n"].mean()
    assert buzz["positive"].min() > 0.6
    assert buzz["positive"].min() > others["positive"].max()


# --- product events -----------------------------------------------------------------


def test_events_are_well_formed(frames: dict[str, pl.DataFrame]) -> None:
    events = frames["raw_events"]
    assert events["event_id"].n_unique() == events.height
    assert set(events["event"]) == {
        "visit",
        "signup",
        "activate",
        "purchase",
        "pageview",
        "feature_used",
    }
    assert set(events["utm_source"]) == {
        "google",
        "twitter",
        "linkedin",
        "reddit",
        "newsletter",
        "direct",
    }
    assert set(events["device"]) == {"desktop", "mobile", "tablet"}
    assert {"US", "GB", "DE", "FR", "IN", "BR"} <= set(events["country"])
    is_purchase = events["event"] == "purchase"
    assert (events["revenue"].is_not_null() == is_purchase).all()
    assert (events.filter(is_purchase)["revenue"] > 0).all()
    assert events["url"].str.starts_with("https://").all()
    assert events["person_id"].str.contains(r"^(acme|globex)-p\d{8}-\d+$").all()
    # a session belongs to one person
    per_session = events.group_by("session_id").agg(pl.col("person_id").n_unique())
    assert (per_session["person_id"] == 1).all()


def test_event_properties_are_string_maps_with_browser_and_plan(
    window: dict[date, SourceBatch],
) -> None:
    events = window[FIRST].tables["raw_events"]
    for name, properties in zip(
        events["event"].to_pylist(), events["properties"].to_pylist(), strict=True
    ):
        props = dict(properties)
        assert props["browser"] in {"Chrome", "Safari", "Firefox", "Edge"}
        if name in ("signup", "activate", "purchase"):
            assert props["plan"] in {"starter", "pro", "business"}
        if name == "feature_used":
            assert "feature" in props


def test_funnel_narrows_and_every_purchase_follows_its_steps(
    frames: dict[str, pl.DataFrame],
) -> None:
    events = frames["raw_events"]
    steps = ["visit", "signup", "activate", "purchase"]
    counts = events.group_by("tenant_id", "day").agg(
        [(pl.col("event") == s).sum().alias(s) for s in steps]
    )
    for a, b in itertools.pairwise(steps):
        assert (counts[a] >= counts[b]).all()
    assert (counts["purchase"] > 0).all()
    firsts = events.filter(pl.col("event").is_in(steps)).pivot(
        on="event", index=["day", "person_id"], values="timestamp", aggregate_function="min"
    )
    buyers = firsts.filter(pl.col("purchase").is_not_null())
    assert buyers.height == counts["purchase"].sum()
    assert (buyers["visit"] < buyers["signup"]).all()
    assert (buyers["signup"] < buyers["activate"]).all()
    assert (buyers["activate"] < buyers["purchase"]).all()


def test_weekends_are_quieter(frames: dict[str, pl.DataFrame]) -> None:
    per_day = frames["raw_events"].group_by("tenant_id", "day").len()
    weekend = per_day.filter(pl.col("day").dt.weekday() >= 6)["len"].mean()
    weekday = per_day.filter(pl.col("day").dt.weekday() < 6)["len"].mean()
    assert weekend < 0.75 * weekday


def test_returning_persons_come_from_earlier_cohorts_and_decay_with_age(
    frames: dict[str, pl.DataFrame],
) -> None:
    events = frames["raw_events"].with_columns(
        cohort=pl.col("person_id").str.extract(r"-p(\d{8})-").str.to_date("%Y%m%d")
    )
    persons = events.select("tenant_id", "day", "person_id", "cohort").unique()
    persons = persons.with_columns(age=(pl.col("day") - pl.col("cohort")).dt.total_days())
    assert persons["age"].min() == 0 and persons["age"].max() <= CONFIG.max_cohort_age_days
    returning = persons.filter(pl.col("age") > 0)
    assert returning.height > persons.filter(pl.col("age") == 0).height
    # only returning persons browse the app; new visitors enter through a visit
    first_events = (
        events.sort("timestamp")
        .group_by("day", "person_id")
        .agg(pl.col("event").first(), pl.col("cohort").first())
    )
    assert (
        (first_events["event"] == "visit") == (first_events["cohort"] == first_events["day"])
    ).all()

    def per_age(lo: int, hi: int) -> float:
        return returning.filter(pl.col("age").is_between(lo, hi)).height / (hi - lo + 1)

    assert per_age(1, 7) > 1.5 * per_age(8, 21) > 1.5 * per_age(40, 60) > 0


def test_a_returning_person_keeps_the_traits_of_their_first_visit(
    frames: dict[str, pl.DataFrame],
) -> None:
    events = frames["raw_events"]
    traits = events.group_by("person_id").agg(
        pl.col("country").n_unique(), pl.col("device").n_unique(), pl.col("day").n_unique()
    )
    seen_twice = traits.filter(pl.col("day") > 1)
    assert seen_twice.height > 1000
    assert (seen_twice["country"] == 1).all() and (seen_twice["device"] == 1).all()


# --- connector records --------------------------------------------------------------


def test_revenue_lines_match_purchases(frames: dict[str, pl.DataFrame]) -> None:
    records = frames["raw_connector_records"].filter(pl.col("connector") == "revenue")
    purchases = frames["raw_events"].filter(pl.col("event") == "purchase")
    assert set(records["record_type"]) == {"revenue_line"}
    assert records.height == purchases.height
    assert records["amount"].sum() == pytest.approx(purchases["revenue"].sum(), abs=1e-6)
    assert set(records["currency"]) == {"USD"}
    assert records["record_id"].n_unique() == records.height
    payloads = [json.loads(p) for p in records["payload"]]
    for payload, raw in zip(payloads, records["payload"], strict=True):
        assert set(payload) == {"order_id", "customer_id", "product", "amount", "currency"}
        assert raw == json.dumps(payload, sort_keys=True, separators=(",", ":"))
    lines = records.with_columns(
        customer_id=pl.Series([p["customer_id"] for p in payloads]),
        payload_amount=pl.Series([p["amount"] for p in payloads]),
        order_id=pl.Series([p["order_id"] for p in payloads]),
    )
    assert (lines["order_id"] == lines["record_id"]).all()
    assert (lines["payload_amount"] == lines["amount"]).all()
    # each line is one purchase: same buyer, same time, same amount
    left = lines.select(
        "tenant_id", person_id="customer_id", timestamp="occurred_at", revenue="amount"
    ).sort(pl.all())
    right = purchases.select("tenant_id", "person_id", "timestamp", "revenue").sort(pl.all())
    assert left.equals(right)


def test_ga4_snapshots_agree_with_the_events(frames: dict[str, pl.DataFrame]) -> None:
    records = frames["raw_connector_records"].filter(pl.col("connector") == "ga4")
    assert set(records["record_type"]) == {"ga4_daily"}
    assert records.height == len(WINDOW) * len(TENANTS) * 6
    expected = (
        frames["raw_events"]
        .group_by("tenant_id", "day", "utm_source")
        .agg(
            sessions=pl.col("session_id").n_unique(),
            users=pl.col("person_id").n_unique(),
            conversions=(pl.col("event") == "purchase").sum(),
            revenue=pl.col("revenue").sum(),
        )
    )
    expected = {
        (t, d, s): (sessions, users, conversions, round(revenue, 2))
        for t, d, s, sessions, users, conversions, revenue in expected.iter_rows()
    }
    for tenant, day, record_id, occurred, amount, raw in records.select(
        "tenant_id", "day", "record_id", "occurred_at", "amount", "payload"
    ).iter_rows():
        payload = json.loads(raw)
        assert raw == json.dumps(payload, sort_keys=True, separators=(",", ":"))
        assert set(payload) == {"date", "source", "sessions", "users", "conversions", "revenue"}
        assert payload["date"] == day.isoformat()
        assert record_id == f"{day.isoformat()}:{payload['source']}"
        assert occurred == datetime(day.year, day.month, day.day, tzinfo=UTC)
        got = (payload["sessions"], payload["users"], payload["conversions"], payload["revenue"])
        assert got == expected.get((tenant, day, payload["source"]), (0, 0, 0, 0.0))
        assert amount == payload["revenue"]


# --- streaming ----------------------------------------------------------------------


def test_iter_event_batches_streams_the_same_day_in_exact_batches() -> None:
    day, n_visitors, batch_size = date(2024, 3, 12), 20_000, 50_000
    batches = list(iter_event_batches("acme", day, CONFIG, n_visitors, batch_size=batch_size))
    assert all(b.schema.equals(RAW_EVENTS) for b in batches)
    assert all(b.num_rows == batch_size for b in batches[:-1])
    assert 0 < batches[-1].num_rows <= batch_size
    streamed = pa.concat_tables(batches)
    assert 150_000 < streamed.num_rows < 300_000
    assert pa.compute.count_distinct(streamed["event_id"]).as_py() == streamed.num_rows
    # Same rows as the in-memory path and as any other batch size.
    bigger = replace(CONFIG, new_visitors_per_day=n_visitors)
    whole = generate_day(day, ["acme"], bigger).tables["raw_events"]
    assert streamed.num_rows == whole.num_rows
    assert streamed.equals(whole)
    other = pa.concat_tables(iter_event_batches("acme", day, CONFIG, n_visitors, 77_777))
    assert other.equals(streamed)


def test_iter_event_batches_validates_its_arguments() -> None:
    with pytest.raises(ValueError, match="valid tenants"):
        iter_event_batches("wayne", FIRST, CONFIG, 10)
    with pytest.raises(ValueError, match="batch_size"):
        iter_event_batches("acme", FIRST, CONFIG, 10, batch_size=0)
    assert list(iter_event_batches("acme", FIRST, CONFIG, 0)) == []
