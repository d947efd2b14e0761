"""An optional sentence rephraser (e.g. an LLM provider), off by default.

A rephraser sees a sentence whose numbers are claim markers (`⟦id⟧`), never the numbers,
and may only reword it. Its output is used only when it keeps exactly the same markers
and passes the claim gate (no numeral of its own); otherwise the template's sentence
stays. No rephraser ships: nothing here needs a network service, and the deterministic
templates are the default (same inputs, same bytes). A deployment that wants one passes
an object with this method to `narrative.write`.
"""

from __future__ import annotations

from collections import Counter
from typing import Protocol

from api.storytelling.claims import MARKER, ClaimGateError, check_numerals


class Rephraser(Protocol):
    """Rewords one sentence for an audience and tone."""

    def rephrase(self, sentence: str, audience: str, tone: str) -> str: ...


def rephrased(rephraser: Rephraser | None, sentence: str, audience: str, tone: str) -> str:
    """`sentence` as the rephraser words it, if that keeps every claim and adds no number;
    else `sentence` unchanged."""
    if rephraser is None:
        return sentence
    try:
        candidate = rephraser.rephrase(sentence, audience, tone)
    except Exception:  # a failing provider must never fail the document
        return sentence
    if not isinstance(candidate, str) or \
            Counter(MARKER.findall(candidate)) != Counter(MARKER.findall(sentence)):
        return sentence
    try:
        check_numerals(candidate)
    except ClaimGateError:
        return sentence
    return candidate
