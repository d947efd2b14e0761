"""Sentiment scoring of social mentions (plain Python: no Dagster, no network).

`default_scorer()` returns the scorer the settings select: the locally trained model
(`TrainedScorer`, the default) or VADER (`VaderScorer`, `SIGHTLINE_SENTIMENT_MODEL=vader`).
`score_mentions` turns raw mentions into rows of the `social_mentions_scored` table. Any
other model plugs in by implementing `SentimentScorer` (see `ingestion.sentiment.scorer`).
"""

from ingestion.sentiment.choice import default_scorer, scorer_named
from ingestion.sentiment.scorer import (
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    SentimentScorer,
    SentimentScores,
    label_for,
)
from ingestion.sentiment.table import SOCIAL_MENTIONS_SCORED, score_mentions
from ingestion.sentiment.trained import TrainedScorer
from ingestion.sentiment.vader import VaderScorer

__all__ = [
    "NEGATIVE_THRESHOLD",
    "POSITIVE_THRESHOLD",
    "SOCIAL_MENTIONS_SCORED",
    "SentimentScorer",
    "SentimentScores",
    "TrainedScorer",
    "VaderScorer",
    "default_scorer",
    "label_for",
    "score_mentions",
    "scorer_named",
]
