"""Sentiment scoring of social mentions (plain Python: no Dagster, no network).

`default_scorer()` returns the VADER scorer; `score_mentions` turns raw mentions into
rows of the `social_mentions_scored` table. A locally trained model plugs in by
implementing `SentimentScorer` (see `ingestion.sentiment.scorer`).
"""

from ingestion.sentiment.scorer import (
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    SentimentScorer,
    SentimentScores,
    label_for,
)
from ingestion.sentiment.table import SOCIAL_MENTIONS_SCORED, score_mentions
from ingestion.sentiment.vader import ReferenceVaderScorer, VaderScorer, default_scorer

__all__ = [
    "NEGATIVE_THRESHOLD",
    "POSITIVE_THRESHOLD",
    "SOCIAL_MENTIONS_SCORED",
    "ReferenceVaderScorer",
    "SentimentScorer",
    "SentimentScores",
    "VaderScorer",
    "default_scorer",
    "label_for",
    "score_mentions",
]
