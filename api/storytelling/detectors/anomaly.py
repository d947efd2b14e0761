"""Anomalies by robust z-score: the modified z of Iglewicz and Hoaglin,
M = 0.6745 (x − median) / MAD, flagged at |M| ≥ 3.5. Median and MAD ignore the outliers
they look for, unlike a mean and standard deviation. A series whose MAD is 0 (most
points equal) uses the mean absolute deviation instead (M = (x − median) / (1.253314 ·
MeanAD)); a constant series has no anomalies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

THRESHOLD = 3.5
MIN_POINTS = 7


@dataclass(frozen=True)
class Anomaly:
    """One unusual point: its index in the series, value, the median and its score."""

    index: int
    value: float
    median: float
    score: float

    @property
    def direction(self) -> str:
        return "spike" if self.value > self.median else "dip"


def robust_scores(values: Sequence[float]) -> np.ndarray:
    """The modified z-score of every point (zeros for a constant series)."""
    x = np.asarray(values, dtype=float)
    median = np.median(x)
    deviations = np.abs(x - median)
    mad = np.median(deviations)
    if mad > 0:
        return 0.6745 * (x - median) / mad
    mean_ad = deviations.mean()
    if mean_ad > 0:
        return (x - median) / (1.253314 * mean_ad)
    return np.zeros_like(x)


def anomalies(values: Sequence[float], threshold: float = THRESHOLD) -> list[Anomaly]:
    """The points scoring at least `threshold`, in series order; none for series shorter
    than MIN_POINTS (too few points to call anything unusual)."""
    x = np.asarray(values, dtype=float)
    if x.size < MIN_POINTS:
        return []
    scores = robust_scores(x)
    median = float(np.median(x))
    return [Anomaly(int(i), float(x[i]), median, float(scores[i]))
            for i in np.flatnonzero(np.abs(scores) >= threshold)]
