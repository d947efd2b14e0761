"""Vectorized product events (RAW_EVENTS rows) for one tenant-day.

New visitors walk the funnel visit -> signup -> activate -> purchase as far as their
cohort depth says, with pageviews after the visit and growing delays between steps.
Returning persons browse the app (pageview) and, once activated, use features
(feature_used). Everything is numpy over whole chunks of persons; strings come from
Arrow kernels: ids formatted once per person/session, the rest taken from small
dictionaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.demo.clock import MS_PER_DAY, day_start_ms, sample_time_of_day
from ingestion.demo.cohorts import Persons, iter_active_persons
from ingestion.demo.config import DemoConfig
from ingestion.demo.rng import Stream, bit_field_pick, pick, stream_rng
from warehouse.raw_schemas import RAW_EVENTS, TIMESTAMP

EVENT_NAMES = ("visit", "pageview", "signup", "activate", "purchase", "feature_used")
VISIT, PAGEVIEW, SIGNUP, ACTIVATE, PURCHASE, FEATURE_USED = range(len(EVENT_NAMES))

UTM_SOURCES = ("google", "twitter", "linkedin", "reddit", "newsletter", "direct")
_UTM_WEIGHTS = (0.34, 0.13, 0.10, 0.08, 0.09, 0.26)
_NEWSLETTER, _DIRECT = UTM_SOURCES.index("newsletter"), UTM_SOURCES.index("direct")
_EXTERNAL_REFERRERS = (
    "https://www.google.com/",
    "https://t.co/",
    "https://www.linkedin.com/",
    "https://www.reddit.com/",
    "",  # newsletter: mail clients send no referrer
    "",  # direct
)
COUNTRIES = ("US", "GB", "DE", "FR", "IN", "BR", "CA", "AU", "NL", "ES")
_COUNTRY_WEIGHTS = (0.38, 0.11, 0.09, 0.07, 0.10, 0.07, 0.06, 0.05, 0.04, 0.03)
DEVICES = ("desktop", "mobile", "tablet")
_DEVICE_WEIGHTS = (0.57, 0.37, 0.06)
BROWSERS = ("Chrome", "Safari", "Firefox", "Edge")
_BROWSER_WEIGHTS = (0.60, 0.25, 0.08, 0.07)
PLANS = ("starter", "pro", "business")
PLAN_PRICES = (29.0, 99.0, 299.0)
_PLAN_WEIGHTS = (0.55, 0.33, 0.12)
_DISCOUNTS = np.array([1.0, 0.9, 0.8])  # list price, promo code, annual prepay
_DISCOUNT_WEIGHTS = (0.75, 0.15, 0.10)
FEATURES = ("dashboards", "alerts", "exports", "share-of-voice", "funnels", "retention")

_MARKETING_PATHS = (
    "/",
    "/pricing",
    "/features",
    "/customers",
    "/blog/share-of-voice",
    "/blog/funnel-benchmarks",
)
_APP_PATHS = ("/home", "/dashboards", "/reports", "/settings")

# Delay before an event, by event code: floor + exponential(mean), capped. Funnel steps
# take longer the deeper they are; caps keep a person's whole day under 24 hours.
_GAP_FLOOR_MS = np.array([0, 1_000, 5_000, 10_000, 30_000, 2_000], dtype=np.float64)
_GAP_MEAN_MS = np.array([0, 35_000, 240_000, 1_200_000, 3_600_000, 90_000], dtype=np.float64)
_GAP_CAP_MS = np.array(
    [0, 1_800_000, 14_400_000, 14_400_000, 14_400_000, 1_800_000], dtype=np.float64
)
_SECOND_SESSION_RATE = 0.2  # returning persons who come back twice in a day
_SESSION_BREAK_FLOOR_MS, _SESSION_BREAK_MEAN_MS = 600_000, 14_400_000
_SESSION_BREAK_CAP_MS = 21_600_000
_RETURNING_DIRECT, _RETURNING_NEWSLETTER = 0.55, 0.15
_FEATURE_SHARE = 0.6  # share of an activated person's later events that use a feature

# What a property map holds besides "browser": nothing, a plan or a feature.
_EXTRA_PROPERTIES = (
    [()] + [(("plan", plan),) for plan in PLANS] + [(("feature", f),) for f in FEATURES]
)

# Trait bit fields (see rng.bit_field_pick)
_COUNTRY, _DEVICE, _BROWSER, _UTM, _PLAN = range(5)


@dataclass(frozen=True)
class _Vocabulary:
    """One tenant's string dictionaries; events carry int codes into these."""

    urls: pa.Array
    visit_url: int  # + landing * len(UTM_SOURCES) + utm
    marketing_url: int
    signup_url: int
    activate_url: int
    checkout_url: int
    app_url: int
    feature_url: int
    external_referrer: int  # + utm
    properties: pa.MapArray  # every distinct property map; see _property_code


@lru_cache(maxsize=16)
def _vocabulary(tenant: str) -> _Vocabulary:
    site, app = f"https://www.{tenant}.com", f"https://app.{tenant}.com"
    urls: list[str] = []
    visit_url = len(urls)
    for path in _MARKETING_PATHS:
        for source in UTM_SOURCES:
            query = "" if source == "direct" else f"?utm_source={source}"
            urls.append(f"{site}{path}{query}")
    marketing_url = len(urls)
    urls += [f"{site}{path}" for path in _MARKETING_PATHS]
    signup_url = len(urls)
    urls += [f"{site}/signup", f"{app}/onboarding/complete", f"{app}/billing/checkout"]
    app_url = len(urls)
    urls += [f"{app}{path}" for path in _APP_PATHS]
    feature_url = len(urls)
    urls += [f"{app}/{feature}" for feature in FEATURES]
    external_referrer = len(urls)
    urls += list(_EXTERNAL_REFERRERS)

    return _Vocabulary(
        urls=pa.array(urls, pa.string()),
        visit_url=visit_url,
        marketing_url=marketing_url,
        signup_url=signup_url,
        activate_url=signup_url + 1,
        checkout_url=signup_url + 2,
        app_url=app_url,
        feature_url=feature_url,
        external_referrer=external_referrer,
        properties=_property_maps(),
    )


def _property_maps() -> pa.MapArray:
    """All property maps an event can carry, so events just take() theirs: {"browser"}
    alone, or with "plan" (funnel steps) or "feature" (feature_used)."""
    maps = [[("browser", browser), *extra] for browser in BROWSERS for extra in _EXTRA_PROPERTIES]
    return pa.array(maps, pa.map_(pa.string(), pa.string()))


def _property_code(
    code: np.ndarray, browser: np.ndarray, plan: np.ndarray, feature: np.ndarray
) -> np.ndarray:
    """Index into _property_maps() of each event's properties."""
    extra = np.where(
        code == FEATURE_USED,
        1 + len(PLANS) + feature,
        np.where((code >= SIGNUP) & (code <= PURCHASE), 1 + plan, 0),
    )
    return browser * len(_EXTRA_PROPERTIES) + extra


_STRING_TABLES = {
    "event": pa.array(EVENT_NAMES, pa.string()),
    "utm": pa.array(UTM_SOURCES, pa.string()),
    "country": pa.array(COUNTRIES, pa.string()),
    "device": pa.array(DEVICES, pa.string()),
}


def format_ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """Return strings prefix + decimal number, built by Arrow kernels (no Python loop)."""
    digits = pa.array(numbers, pa.int64()).cast(pa.string())
    return pc.binary_join_element_wise(prefix, digits, "")


def constant_strings(value: str, n: int) -> pa.Array:
    """Return a string array holding `value` n times."""
    return pa.repeat(pa.scalar(value, pa.string()), n)


def constant_timestamps(epoch_ms: int, n: int) -> pa.Array:
    """Return a TIMESTAMP array holding `epoch_ms` n times."""
    return pa.repeat(pa.scalar(epoch_ms, pa.int64()), n).cast(TIMESTAMP)


@dataclass(frozen=True)
class _Sessions:
    """Per-session arrays of a chunk (sessions of a person are consecutive)."""

    person: np.ndarray  # row in the chunk's Persons
    first: np.ndarray  # the person's first session today
    new: np.ndarray  # the person's landing session (first visit ever)
    pageviews: np.ndarray  # new sessions: pageviews between the visit and the first step
    length: np.ndarray  # events in the session
    utm: np.ndarray  # index into UTM_SOURCES
    landing: np.ndarray  # index into _MARKETING_PATHS

    @cached_property
    def start(self) -> np.ndarray:
        """Index of each session's first event."""
        return np.cumsum(self.length) - self.length


def _sessions(rng: np.random.Generator, persons: Persons, acquired_via: np.ndarray) -> _Sessions:
    """New visitors have their landing session; returning persons one or two, arriving
    mostly direct or from the newsletter."""
    m = len(persons)
    is_new = persons.age == 0
    count = np.where(is_new, 1, 1 + (rng.random(m) < _SECOND_SESSION_RATE))
    person = np.repeat(np.arange(m), count)
    first = np.ones(len(person), dtype=bool)
    first[1:] = person[1:] != person[:-1]
    new = is_new[person]
    depth = persons.depth[person]
    pageviews = rng.integers(0, 3, len(person))
    browsing = np.minimum(rng.poisson(np.where(depth >= 2, 3.0, 1.3)), 12)
    u = rng.random(len(person))
    returning_utm = np.where(
        u < _RETURNING_DIRECT,
        _DIRECT,
        np.where(u < _RETURNING_DIRECT + _RETURNING_NEWSLETTER, _NEWSLETTER, acquired_via[person]),
    )
    return _Sessions(
        person=person,
        first=first,
        new=new,
        pageviews=pageviews,
        length=np.where(new, 1 + pageviews + depth, 1 + browsing),
        utm=np.where(new, acquired_via[person], returning_utm),
        landing=rng.integers(0, len(_MARKETING_PATHS), len(person)),
    )


def _event_codes(
    rng: np.random.Generator, sessions: _Sessions, depth: np.ndarray, e_session: np.ndarray
) -> np.ndarray:
    """The event of each row, from its position in the session: a landing session is
    visit, pageviews, then the funnel steps its person reached; a returning session
    is pageviews mixed with feature_used once the person has activated."""
    pos = np.arange(len(e_session)) - sessions.start[e_session]
    step = pos - sessions.pageviews[e_session]  # 1, 2, 3 = signup, activate, purchase
    new_code = np.where(pos == 0, VISIT, np.where(step <= 0, PAGEVIEW, PAGEVIEW + step))
    activated = depth[sessions.person[e_session]] >= 2
    uses_feature = activated & (pos > 0) & (rng.random(len(pos)) < _FEATURE_SHARE)
    return np.where(
        sessions.new[e_session], new_code, np.where(uses_feature, FEATURE_USED, PAGEVIEW)
    )


def _timestamps(
    rng: np.random.Generator,
    sessions: _Sessions,
    code: np.ndarray,
    e_person: np.ndarray,
    day_start: int,
) -> np.ndarray:
    """Epoch ms per event: a per-person timeline of gaps, placed inside the day."""
    gap = np.minimum(
        _GAP_FLOOR_MS[code] + _GAP_MEAN_MS[code] * rng.standard_exponential(len(code)),
        _GAP_CAP_MS[code],
    ).astype(np.int64)
    session_break = np.minimum(
        _SESSION_BREAK_FLOOR_MS
        + _SESSION_BREAK_MEAN_MS * rng.standard_exponential(len(sessions.person)),
        _SESSION_BREAK_CAP_MS,
    ).astype(np.int64)
    gap[sessions.start] = np.where(sessions.first, 0, session_break)
    elapsed = np.cumsum(gap)
    p_len = np.bincount(e_person)
    p_start = np.cumsum(p_len) - p_len
    relative = elapsed - np.repeat(elapsed[p_start], p_len)
    span = relative[p_start + p_len - 1]
    # Shift late starters back so the person's last event still falls on this day.
    first_ms = np.minimum(sample_time_of_day(rng, len(p_len)), MS_PER_DAY - 1 - span)
    return day_start + np.repeat(first_ms, p_len) + relative


def _pages(
    vocab: _Vocabulary,
    sessions: _Sessions,
    code: np.ndarray,
    e_session: np.ndarray,
    draw: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (url, referrer) codes into vocab.urls and the feature index per event.
    The referrer is the previous page, or the session's source on its first event."""
    visit_url = vocab.visit_url + (sessions.landing * len(UTM_SOURCES) + sessions.utm)[e_session]
    feature = (draw * len(FEATURES)).astype(np.int64)
    url = np.select(
        [
            code == VISIT,
            code == SIGNUP,
            code == ACTIVATE,
            code == PURCHASE,
            code == FEATURE_USED,
            sessions.new[e_session],
        ],
        [
            visit_url,
            vocab.signup_url,
            vocab.activate_url,
            vocab.checkout_url,
            vocab.feature_url + feature,
            vocab.marketing_url + (draw * len(_MARKETING_PATHS)).astype(np.int64),
        ],
        default=vocab.app_url + (draw * len(_APP_PATHS)).astype(np.int64),
    )
    referrer = np.empty(len(url), dtype=np.int64)
    referrer[1:] = url[:-1]
    referrer[sessions.start] = vocab.external_referrer + sessions.utm
    return url, referrer, feature


class DayEvents:
    """Generates one tenant-day's events chunk by chunk, numbering ids continuously."""

    def __init__(self, tenant: str, day: date, config: DemoConfig, ingested_at_ms: int):
        self.tenant = tenant
        self.day = day
        self.config = config
        self.ingested_at_ms = ingested_at_ms
        self._vocab = _vocabulary(tenant)
        self._rng = stream_rng(config.seed, tenant, day.toordinal(), Stream.EVENTS)
        self._day_start = day_start_ms(day)
        ymd = day.strftime("%Y%m%d")
        self._event_prefix = f"{tenant}-e{ymd}-"
        self._session_prefix = f"{tenant}-s{ymd}-"
        self._person_prefixes = [
            f"{tenant}-p{date.fromordinal(day.toordinal() - age):%Y%m%d}-"
            for age in range(config.max_cohort_age_days + 1)
        ]
        self._events_done = 0
        self._sessions_done = 0

    def __iter__(self) -> Iterator[pa.Table]:
        """Yield RAW_EVENTS tables, one per chunk of active persons."""
        for persons in iter_active_persons(self.tenant, self.day, self.config):
            yield self._chunk(persons)

    def _chunk(self, persons: Persons) -> pa.Table:
        rng, vocab = self._rng, self._vocab
        country = bit_field_pick(persons.bits, _COUNTRY, _COUNTRY_WEIGHTS)
        device = bit_field_pick(persons.bits, _DEVICE, _DEVICE_WEIGHTS)
        browser = bit_field_pick(persons.bits, _BROWSER, _BROWSER_WEIGHTS)
        acquired_via = bit_field_pick(persons.bits, _UTM, _UTM_WEIGHTS)
        plan = bit_field_pick(persons.bits, _PLAN, _PLAN_WEIGHTS)

        sessions = _sessions(rng, persons, acquired_via)
        n_s = len(sessions.person)
        e_session = np.repeat(np.arange(n_s), sessions.length)
        e_person = sessions.person[e_session]
        n_e = len(e_session)
        code = _event_codes(rng, sessions, persons.depth, e_session)
        timestamp = _timestamps(rng, sessions, code, e_person, self._day_start)
        url, referrer, feature = _pages(vocab, sessions, code, e_session, rng.random(n_e))

        is_purchase = code == PURCHASE
        buyer_plan = plan[e_person[is_purchase]]
        discount = _DISCOUNTS[pick(rng.random(len(buyer_plan)), _DISCOUNT_WEIGHTS)]
        revenue = np.zeros(n_e)
        revenue[is_purchase] = np.round(np.asarray(PLAN_PRICES)[buyer_plan] * discount, 2)

        # ids are formatted once per person / session and then spread over events
        person_ids = self._person_ids(persons.age, persons.index)
        session_ids = format_ids(self._session_prefix, self._sessions_done + np.arange(n_s))
        table = pa.Table.from_arrays(
            [
                constant_strings(self.tenant, n_e),
                format_ids(self._event_prefix, self._events_done + np.arange(n_e)),
                _STRING_TABLES["event"].take(code),
                person_ids.take(e_person),
                session_ids.take(e_session),
                pa.array(timestamp, pa.int64()).cast(TIMESTAMP),
                vocab.properties.take(
                    _property_code(code, browser[e_person], plan[e_person], feature)
                ),
                vocab.urls.take(url),
                vocab.urls.take(referrer),
                _STRING_TABLES["utm"].take(sessions.utm[e_session]),
                _STRING_TABLES["country"].take(country[e_person]),
                _STRING_TABLES["device"].take(device[e_person]),
                pa.array(revenue, pa.float64(), mask=~is_purchase),
                constant_strings("demo", n_e),
                constant_timestamps(self.ingested_at_ms, n_e),
            ],
            schema=RAW_EVENTS,
        )
        self._events_done += n_e
        self._sessions_done += n_s
        return table

    def _person_ids(self, age: np.ndarray, index: np.ndarray) -> pa.Array:
        """tenant-p<cohort yyyymmdd>-<index>, formatted one run of equal age at a time
        (persons arrive grouped by cohort, so runs are few and long)."""
        if len(age) == 0:
            return pa.array([], pa.string())
        cuts = np.flatnonzero(np.diff(age)) + 1
        starts = np.concatenate([[0], cuts])
        stops = np.concatenate([cuts, [len(age)]])
        return pa.concat_arrays(
            [
                format_ids(self._person_prefixes[age[a]], index[a:b])
                for a, b in zip(starts.tolist(), stops.tolist(), strict=True)
            ]
        )
