"""Seeding: one independent random stream per (seed, key, day, purpose).

Every stream is derived from its coordinates alone, never from a shared generator, so a
day generated alone equals the same day generated inside a range. Keys are hashed with
zlib.crc32 because Python's `hash()` of a string changes between processes.

Traits of a person that other days must see (funnel depth, country, device...) come
from a counter-based hash of (cohort key, person index) instead of a stream, so day D
can look up any person of an earlier cohort without replaying that cohort's day.
"""

from __future__ import annotations

import zlib
from enum import IntEnum
from functools import lru_cache

import numpy as np

_MASK64 = (1 << 64) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


class Stream(IntEnum):
    """Purpose of a random stream; part of its seed, so streams never overlap."""

    COHORT = 1  # size of a day's cohort of new visitors
    PERSONS = 2  # key for the per-person trait hash of a cohort
    RETURNS = 3  # which persons of earlier cohorts come back on a day
    EVENTS = 4  # the details of a day's product events
    MENTIONS = 5  # a day's social mentions
    AUTHORS = 6  # a platform's pool of authors


def stable_hash(key: str) -> int:
    """Return a process-independent 32-bit hash of `key` (zlib.crc32 of its UTF-8)."""
    return zlib.crc32(key.encode("utf-8"))


def stream_rng(seed: int, key: str, day_ordinal: int, stream: Stream) -> np.random.Generator:
    """Return the generator for (seed, key, day, stream); same inputs, same draws."""
    return np.random.default_rng([seed, stable_hash(key), day_ordinal, int(stream)])


def stream_key(seed: int, key: str, day_ordinal: int, stream: Stream) -> int:
    """Return a 64-bit key for `hash_bits`, derived like `stream_rng`."""
    seq = np.random.SeedSequence([seed, stable_hash(key), day_ordinal, int(stream)])
    return int(seq.generate_state(1, np.uint64)[0])


def hash_bits(key: int, index: np.ndarray, salt: int) -> np.ndarray:
    """Return 64 well-mixed bits (uint64) per index: splitmix64 of key, salt and index.

    Vectorized and stateless: the bits of index i do not depend on which other indices
    are hashed alongside it.
    """
    base = np.uint64((key + salt * 0xD1B54A32D192ED03) & _MASK64)
    z = index.astype(np.uint64) * _GOLDEN + base  # uint64 arrays wrap, as splitmix expects
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def bits_uniform(bits: np.ndarray) -> np.ndarray:
    """Return one float64 in [0, 1) per element, from the top 53 of 64 `hash_bits`."""
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53


def bit_field_uniform(bits: np.ndarray, field: int) -> np.ndarray:
    """Return a float64 in (0, 1) from the `field`-th 10-bit slice of `bits` (fields 0..5).

    Ten bits (1/1024 resolution) are plenty for categorical traits and let one hash
    feed six of them.
    """
    if not 0 <= field <= 5:
        raise ValueError(f"field must be in 0..5, got {field}")
    slice_ = (bits >> np.uint64(10 * field)) & np.uint64(1023)
    return (slice_.astype(np.float64) + 0.5) / 1024.0


def bit_field_pick(bits: np.ndarray, field: int, weights: tuple[float, ...]) -> np.ndarray:
    """Return category codes drawn with `weights` from the `field`-th 10-bit slice of
    `bits`; same result as pick(bit_field_uniform(bits, field), weights), via a lookup."""
    if not 0 <= field <= 5:
        raise ValueError(f"field must be in 0..5, got {field}")
    slice_ = (bits >> np.uint64(10 * field)) & np.uint64(1023)
    return _field_lookup(tuple(weights))[slice_.astype(np.intp)]


@lru_cache(maxsize=64)
def _field_lookup(weights: tuple[float, ...]) -> np.ndarray:
    return pick((np.arange(1024) + 0.5) / 1024.0, weights)


def pick(u: np.ndarray, weights: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """Map uniforms in [0, 1) to category codes (int64) drawn with `weights`."""
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
