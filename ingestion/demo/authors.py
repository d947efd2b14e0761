"""Stable pools of social authors per platform: handles, heavy-tailed followers, badges.

Pools depend on (seed, platform) only, so the same people post across days (and talk
about several tenants' brands), which is what influencer rankings need.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ingestion.demo.rng import Stream, stream_rng

PLATFORMS = ("x", "reddit", "linkedin")
PLATFORM_WEIGHTS = (0.55, 0.25, 0.20)
_POOL_SIZES = {"x": 4000, "reddit": 1500, "linkedin": 1500}

# Handle parts, picked so no handle equals a tracked brand or a sentiment-lexicon word.
_FIRST = (
    "dana",
    "omar",
    "priya",
    "marco",
    "sofia",
    "ken",
    "amara",
    "jonas",
    "ines",
    "raj",
    "lena",
    "tariq",
    "yuki",
    "bruno",
    "chloe",
    "felix",
    "nadia",
    "oscar",
    "hana",
    "ivan",
)
_SECOND = (
    "data",
    "ops",
    "builds",
    "codes",
    "pm",
    "analytics",
    "growth",
    "dev",
    "metrics",
    "stack",
    "cloud",
    "ships",
    "insights",
    "infra",
)
_LAST = (
    "okafor",
    "silva",
    "chen",
    "novak",
    "patel",
    "garcia",
    "muller",
    "kim",
    "rossi",
    "haddad",
    "larsen",
    "tanaka",
)


@dataclass(frozen=True)
class AuthorPool:
    """A platform's authors; row i of each field describes author i."""

    platform: str
    ids: tuple[str, ...]
    handles: tuple[str, ...]
    followers: np.ndarray  # uint64, lognormal: a few accounts reach far more people
    verified: np.ndarray  # bool, likelier for big accounts; never on reddit

    def __len__(self) -> int:
        return len(self.ids)

    def draw(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms to author rows; low rows are picked far more often, so a core of
        regulars writes a large share of the posts."""
        return np.minimum((u**2.5 * len(self)).astype(np.int64), len(self) - 1)


@lru_cache(maxsize=32)
def author_pool(seed: int, platform: str) -> AuthorPool:
    """Return the author pool of `platform` for `seed`; raises KeyError on an unknown
    platform."""
    n = _POOL_SIZES[platform]
    rng = stream_rng(seed, platform, 0, Stream.AUTHORS)
    followers = np.minimum(rng.lognormal(mean=5.8, sigma=1.9, size=n), 5e7).astype(np.uint64)
    log_reach = np.log10(followers.astype(np.float64) + 1.0)
    p_verified = 0.01 + 0.6 / (1.0 + np.exp(-2.0 * (log_reach - 4.7)))
    verified = (rng.random(n) < p_verified) & (platform != "reddit")
    first = rng.integers(0, len(_FIRST), n)
    second = rng.integers(0, len(_SECOND), n)
    last = rng.integers(0, len(_LAST), n)
    number = rng.integers(10, 10_000, n)
    # spaced so ids are unique, jittered so they do not look sequential
    raw_ids = 10**9 + np.arange(n) * 7919 + rng.integers(0, 7919, n)
    handles: list[str] = []
    for i in range(n):
        if platform == "linkedin":
            handle = f"{_FIRST[first[i]]}-{_LAST[last[i]]}-{number[i]}"
        elif platform == "reddit":
            handle = f"{_SECOND[second[i]]}_{_FIRST[first[i]]}{number[i]}"
        else:
            handle = f"{_FIRST[first[i]]}_{_SECOND[second[i]]}{number[i] % 100}"
        handles.append(handle)
    # Handles are drawn, not enumerated: suffix the rare duplicate with its row number.
    seen: set[str] = set()
    for i, handle in enumerate(handles):
        if handle in seen:
            handles[i] = f"{handle}{i}"
        seen.add(handles[i])
    ids = tuple(f"{platform}_{raw}" for raw in raw_ids)
    return AuthorPool(platform, ids, tuple(handles), followers, verified)
