"""Period-over-period change, with a significance test.

- Counts (events, signups, mentions over a period): under "no change in rate", the
  current count given the total of both periods is Binomial(total, t₁ / (t₁ + t₀)) for
  periods of lengths t₁ and t₀ — the conditional test for two Poisson rates (exact,
  `scipy.stats.binomtest`).
- Daily values (a rate or a mean per day): Welch's t-test of the two periods' days.
- Proportions (a conversion or retention rate: successes of trials in each period): the
  two-proportion z-test with the pooled proportion under "no change".

A change is called significant at `alpha` (default 0.05); the p-value is reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05


@dataclass(frozen=True)
class Change:
    """The current period against the previous one."""

    current: float
    previous: float
    absolute: float
    relative: float | None  # None when the previous value is 0
    p_value: float
    significant: bool
    test: str


def _change(current: float, previous: float, p_value: float, test: str, alpha: float) -> Change:
    relative = None if previous == 0 else (current - previous) / abs(previous)
    return Change(
        current, previous, current - previous, relative, p_value, bool(p_value < alpha), test
    )


def count_change(
    current: int, previous: int, current_days: int = 1, previous_days: int = 1, alpha: float = ALPHA
) -> Change:
    """The change of a count between two periods (lengths in days), exact Poisson-rate
    test. Raises ValueError for negative counts or non-positive lengths."""
    if current < 0 or previous < 0 or current_days <= 0 or previous_days <= 0:
        raise ValueError("counts must be ≥ 0 and period lengths > 0")
    total = current + previous
    if total == 0:
        return _change(0.0, 0.0, 1.0, "poisson-conditional", alpha)
    share = current_days / (current_days + previous_days)
    p_value = stats.binomtest(int(current), int(total), share).pvalue
    return _change(float(current), float(previous), float(p_value), "poisson-conditional", alpha)


def mean_change(
    current: Sequence[float], previous: Sequence[float], alpha: float = ALPHA
) -> Change:
    """The change of a daily mean between two periods, Welch's t-test (a period with one
    day, or with no spread in either, is never called significant)."""
    a, b = np.asarray(current, dtype=float), np.asarray(previous, dtype=float)
    if a.size == 0 or b.size == 0:
        raise ValueError("both periods need at least one value")
    p_value = 1.0
    if a.size > 1 and b.size > 1 and (a.std() > 0 or b.std() > 0):
        p_value = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        p_value = 1.0 if math.isnan(p_value) else p_value
    return _change(float(a.mean()), float(b.mean()), p_value, "welch-t", alpha)


def proportion_change(
    current: int, current_trials: int, previous: int, previous_trials: int, alpha: float = ALPHA
) -> Change:
    """The change of a rate (`current` of `current_trials` against `previous` of
    `previous_trials`), two-sided two-proportion z-test with the pooled proportion.
    Raises ValueError for a period without trials or more successes than trials."""
    if current_trials <= 0 or previous_trials <= 0:
        raise ValueError("both periods need at least one trial")
    if not (0 <= current <= current_trials and 0 <= previous <= previous_trials):
        raise ValueError("successes must be between 0 and the trials")
    now, before = current / current_trials, previous / previous_trials
    pooled = (current + previous) / (current_trials + previous_trials)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / current_trials + 1 / previous_trials))
    # every trial a success (or none) in both periods: no variation to test against
    p_value = 1.0 if spread == 0 else float(2 * stats.norm.sf(abs(now - before) / spread))
    return _change(now, before, p_value, "two-proportion-z", alpha)
