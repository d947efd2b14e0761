"""Which segments explain a change: Adtributor (Bhagwan et al., NSDI 2014), and mix versus
rate.

`drivers`: for each dimension (utm_source, country, device, platform, brand …) and each of
its segments, with the previous period as the expectation and the current as the actual:
- explanatory power EP = (actual − expected) / (total actual − total expected): the share
  of the total change the segment accounts for;
- surprise S = ½ [p log(2p / (p + q)) + q log(2q / (p + q))], p and q the segment's
  shares of the expected and actual totals (the Jensen–Shannon term): how unusual the
  segment's shift is, independent of its size.
Per dimension, segments are taken by decreasing surprise while each explains at least
`min_segment_ep` of the change, until together they explain `target_ep`; dimensions are
ranked by the total surprise of their chosen segments. A dimension that cannot reach the
target is left out.

`mix_rate`: a total that is a weighted rate, R = Σ wₛ rₛ (e.g. conversion = Σ share of
sessions × conversion per channel), changes by
ΔR = Σ Δwₛ rₛ⁰ (mix) + Σ wₛ⁰ Δrₛ (rate) + Σ Δwₛ Δrₛ (interaction) — exactly.

`product_change`: a total that is a product of factors (revenue = sessions × conversion ×
order value) changes by ΔR = Σₖ L(R₁, R₀) ln(xₖ₁ / xₖ₀), L the logarithmic mean (LMDI):
exact, and each factor's part is its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

TARGET_EP = 0.67
MIN_SEGMENT_EP = 0.1


@dataclass(frozen=True)
class Segment:
    """One segment of a dimension and its part in the change."""

    value: str
    expected: float
    actual: float
    explanatory_power: float
    surprise: float


@dataclass(frozen=True)
class Driver:
    """A dimension whose few segments explain the change."""

    dimension: str
    segments: list[Segment]
    explained: float  # the chosen segments' explanatory power together
    surprise: float


def _surprise(p: float, q: float) -> float:
    def term(a: float) -> float:
        return 0.0 if a == 0 else a * math.log(2 * a / (p + q))
    return 0.5 * (term(p) + term(q))


def drivers(dimensions: Mapping[str, Mapping[str, tuple[float, float]]],
            target_ep: float = TARGET_EP,
            min_segment_ep: float = MIN_SEGMENT_EP) -> list[Driver]:
    """Dimensions → segment → (expected, actual); the drivers, most surprising first.
    Nothing when the totals did not change."""
    found: list[Driver] = []
    for dimension, segments in dimensions.items():
        expected_total = sum(e for e, _ in segments.values())
        actual_total = sum(a for _, a in segments.values())
        change = actual_total - expected_total
        if change == 0 or expected_total <= 0 or actual_total <= 0:
            continue
        scored = sorted(
            (Segment(value, e, a, (a - e) / change,
                     _surprise(e / expected_total, a / actual_total))
             for value, (e, a) in segments.items()),
            key=lambda s: (-s.surprise, s.value))
        chosen, explained = [], 0.0
        for segment in scored:
            if segment.explanatory_power < min_segment_ep:
                continue
            chosen.append(segment)
            explained += segment.explanatory_power
            if explained >= target_ep:
                found.append(Driver(dimension, chosen, explained,
                                    sum(s.surprise for s in chosen)))
                break
    return sorted(found, key=lambda d: (-d.surprise, d.dimension))


@dataclass(frozen=True)
class MixRate:
    """ΔR split into mix, rate and their interaction (they sum to ΔR)."""

    before: float
    after: float
    mix: float
    rate: float
    interaction: float


def mix_rate(segments: Mapping[str, tuple[float, float, float, float]]) -> MixRate:
    """Segment → (weight before, rate before, weight after, rate after); weights are
    shares (each period's sum to 1)."""
    before = sum(w0 * r0 for w0, r0, _, _ in segments.values())
    after = sum(w1 * r1 for _, _, w1, r1 in segments.values())
    mix = sum((w1 - w0) * r0 for w0, r0, w1, _ in segments.values())
    rate = sum(w0 * (r1 - r0) for w0, r0, _, r1 in segments.values())
    interaction = sum((w1 - w0) * (r1 - r0) for w0, r0, w1, r1 in segments.values())
    return MixRate(before, after, mix, rate, interaction)


def _log_mean(a: float, b: float) -> float:
    return a if a == b else (a - b) / (math.log(a) - math.log(b))


def product_change(factors: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """Factor → (before, after), all positive; each factor's share of the change of their
    product (the shares sum to the change exactly)."""
    before = math.prod(b for b, _ in factors.values())
    after = math.prod(a for _, a in factors.values())
    if before <= 0 or after <= 0:
        raise ValueError("every factor must be positive in both periods")
    weight = _log_mean(after, before)
    return {name: weight * math.log(a / b) for name, (b, a) in factors.items()}
