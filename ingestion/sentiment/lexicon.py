"""VADER's word lexicon and negation words, read from the installed vaderSentiment package.

The trained model uses them as prior knowledge (`ingestion.sentiment.features`): a word
rarely seen in training data still carries its human-rated valence.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from functools import lru_cache

from vaderSentiment.vaderSentiment import NEGATE


@dataclass(frozen=True)
class Lexicon:
    """Lowercase words with their mean valence (-4..4), and the negation words."""

    words: tuple[str, ...]
    valences: tuple[float, ...]
    negations: tuple[str, ...]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Return VADER's lexicon (`vader_lexicon.txt` shipped in the package; the first
    entry wins when two differ only by case) and its NEGATE words."""
    text = importlib.resources.files("vaderSentiment").joinpath("vader_lexicon.txt")
    entries: dict[str, float] = {}
    for line in text.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 2:
            entries.setdefault(parts[0].lower(), float(parts[1]))
    return Lexicon(tuple(entries), tuple(entries.values()), tuple(sorted(set(NEGATE))))
