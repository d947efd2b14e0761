"""Who is active on a day: today's new visitors plus returning persons of earlier cohorts.

A cohort is the set of persons whose first visit fell on one day. Its size and each
member's traits are pure functions of (seed, tenant, cohort day), so day D can draw its
returning persons from cohorts up to `max_cohort_age_days` back without replaying them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ingestion.demo.clock import weekday_factor
from ingestion.demo.config import DemoConfig
from ingestion.demo.rng import (
    Stream,
    bit_field_uniform,
    bits_uniform,
    hash_bits,
    stream_key,
    stream_rng,
)

# Persons per chunk of event generation: big enough to amortize Arrow overheads, small
# enough that a multi-million-event day streams in bounded memory.
CHUNK_PERSONS = 65_536

# Day-1 return probability by funnel depth reached on the first day (visit only,
# signup, activate, purchase), then a power-law decay with cohort age.
_RETENTION_DAY1 = np.array([0.05, 0.14, 0.30, 0.40])
_RETENTION_DECAY = 0.45
_ENGAGEMENT_MIN, _ENGAGEMENT_SPAN = 0.4, 1.2
_SEASON_DAYS = 28  # a gentle four-week marketing wave on top of the weekly pattern


@dataclass(frozen=True)
class Persons:
    """Active persons of a day (one row each), in generation order."""

    age: np.ndarray  # int64: days since the person's first visit (0 = new today)
    index: np.ndarray  # int64: position inside the cohort, part of the person id
    depth: np.ndarray  # int64: funnel depth reached on the first day, 0..3
    bits: np.ndarray  # uint64: trait bits (country, device, browser, utm source, plan)

    def __len__(self) -> int:
        return len(self.age)

    def slice(self, start: int, stop: int) -> Persons:
        """Rows [start, stop)."""
        return Persons(
            self.age[start:stop],
            self.index[start:stop],
            self.depth[start:stop],
            self.bits[start:stop],
        )

    @staticmethod
    def concat(parts: list[Persons]) -> Persons:
        """All rows of `parts`, in order."""
        return Persons(
            np.concatenate([p.age for p in parts]),
            np.concatenate([p.index for p in parts]),
            np.concatenate([p.depth for p in parts]),
            np.concatenate([p.bits for p in parts]),
        )


def cohort_size(config: DemoConfig, tenant: str, cohort_day: date) -> int:
    """Return how many new visitors `tenant` had on `cohort_day` (Poisson around the
    configured rate, with weekday seasonality and a four-week wave)."""
    wave = 1.0 + 0.1 * math.sin(2.0 * math.pi * cohort_day.toordinal() / _SEASON_DAYS)
    mean = config.new_visitors_per_day * weekday_factor(cohort_day, config.weekend_factor) * wave
    if mean <= 0:
        return 0
    rng = stream_rng(config.seed, tenant, cohort_day.toordinal(), Stream.COHORT)
    return int(rng.poisson(mean))


def funnel_depth(u: np.ndarray, rates: tuple[float, float, float]) -> np.ndarray:
    """Map one uniform per person to the furthest funnel step reached (0..3), so the
    step conversion rates are exactly `rates` in expectation."""
    signup = rates[0]
    activate = signup * rates[1]
    purchase = activate * rates[2]
    return (u < signup).astype(np.int64) + (u < activate) + (u < purchase)


def retention_probability(
    age: int, depth: np.ndarray, engagement: np.ndarray, day_factor: float
) -> np.ndarray:
    """Return each person's probability of being active `age` days after their first
    visit: deeper-funnel and more engaged persons return more, decaying with age."""
    p = _RETENTION_DAY1[depth] * engagement * age**-_RETENTION_DECAY * day_factor
    return np.minimum(p, 1.0)


def member_traits(
    key: int, index: np.ndarray, rates: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (funnel depth, engagement) of the cohort members at `index`.

    One hash per person feeds both: its top 53 bits the depth draw, its low 10 bits the
    engagement multiplier in [0.4, 1.6) (a sticky core keeps coming back, others drift
    away). `key` is the cohort's Stream.PERSONS key.
    """
    bits = hash_bits(key, index, 0)
    depth = funnel_depth(bits_uniform(bits), rates)
    return depth, _ENGAGEMENT_MIN + _ENGAGEMENT_SPAN * bit_field_uniform(bits, 0)


def bernoulli_indices(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Return the sorted indices i < n kept by independent coin flips with probability
    p, drawing one geometric gap per kept index instead of one flip per index."""
    if p <= 0.0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    parts, last = [], -1
    while last < n - 1:
        expect = (n - 1 - last) * p
        gaps = rng.geometric(p, int(expect + 6.0 * expect**0.5 + 16))
        idx = last + np.cumsum(gaps)
        parts.append(idx[idx < n])
        last = int(idx[-1])
    return np.concatenate(parts).astype(np.int64)


def _active_by_cohort(tenant: str, day: date, config: DemoConfig) -> Iterator[Persons]:
    """Yield today's new visitors, then the returning persons of each earlier cohort."""
    rng = stream_rng(config.seed, tenant, day.toordinal(), Stream.RETURNS)
    factor = weekday_factor(day, config.weekend_factor)
    engagement_max = _ENGAGEMENT_MIN + _ENGAGEMENT_SPAN
    for age in range(config.max_cohort_age_days + 1):
        cohort_day = day - timedelta(days=age)
        n = cohort_size(config, tenant, cohort_day)
        if n == 0:
            continue
        key = stream_key(config.seed, tenant, cohort_day.toordinal(), Stream.PERSONS)
        if age == 0:
            chosen = np.arange(n, dtype=np.int64)
            depth, _ = member_traits(key, chosen, config.funnel_rates)
        else:
            # Thinning: flip coins at the cohort's highest return probability, then keep
            # each candidate with p_i / p_max, so only candidates need their traits.
            p_max = min(
                1.0, _RETENTION_DAY1.max() * engagement_max * age**-_RETENTION_DECAY * factor
            )
            candidates = bernoulli_indices(rng, n, p_max)
            depth, engagement = member_traits(key, candidates, config.funnel_rates)
            p = retention_probability(age, depth, engagement, factor)
            keep = rng.random(len(candidates)) * p_max < p
            chosen, depth = candidates[keep], depth[keep]
        if len(chosen):
            yield Persons(
                np.full(len(chosen), age, dtype=np.int64),
                chosen,
                depth,
                hash_bits(key, chosen, 1),
            )


def iter_active_persons(
    tenant: str, day: date, config: DemoConfig, chunk_persons: int = CHUNK_PERSONS
) -> Iterator[Persons]:
    """Yield the day's active persons in chunks of exactly `chunk_persons` (the last may
    be shorter). Chunk boundaries depend only on the data, never on the caller's batch
    size, which keeps every downstream draw deterministic."""
    pending: list[Persons] = []
    pending_n = 0
    for part in _active_by_cohort(tenant, day, config):
        pending.append(part)
        pending_n += len(part)
        if pending_n < chunk_persons:
            continue
        merged = Persons.concat(pending)
        start = 0
        while pending_n - start >= chunk_persons:
            yield merged.slice(start, start + chunk_persons)
            start += chunk_persons
        rest = merged.slice(start, pending_n)
        pending, pending_n = ([rest], len(rest)) if len(rest) else ([], 0)
    if pending_n:
        yield Persons.concat(pending)
