"""VADER sentiment: the vaderSentiment package itself, one `polarity_scores` call per text.

Selected with `SIGHTLINE_SENTIMENT_MODEL=vader`. Sightline used to carry a faster
re-implementation of the package (identical scores); with a trained model as the default
VADER's speed matters less, so the package is used as it is (docs/sentiment.md).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ingestion.sentiment.scorer import SentimentScores


class VaderScorer:
    """VADER (Hutto & Gilbert, 2014): `polarity_scores` of the installed vaderSentiment.

    `model_version` is "vader-<package version>", the version the re-implementation this
    replaces wrote too (its scores were identical), so rows stay comparable.
    """

    model_version = f"vader-{importlib.metadata.version('vaderSentiment')}"

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, texts: Sequence[str]) -> SentimentScores:
        """Return polarity_scores' compound/pos/neu/neg for each text, in input order."""
        polarity_scores = self._analyzer.polarity_scores
        rows = [polarity_scores(text) for text in texts]
        return SentimentScores(
            compound=[r["compound"] for r in rows],
            pos=[r["pos"] for r in rows],
            neu=[r["neu"] for r in rows],
            neg=[r["neg"] for r in rows],
        )
