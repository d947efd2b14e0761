"""Which scorer scores mentions: the trained model by default, VADER or a model file by
setting (`SIGHTLINE_SENTIMENT_MODEL`)."""

from __future__ import annotations

from pathlib import Path

from ingestion.sentiment.scorer import SentimentScorer
from ingestion.sentiment.trained import DEFAULT_MODEL, TrainedScorer
from ingestion.sentiment.vader import VaderScorer

TRAINED = "trained"
VADER = "vader"


def scorer_named(name: str) -> SentimentScorer:
    """Return the scorer `name` selects: "trained" (the committed model), "vader" (the
    vaderSentiment package), or the path of a model file.

    Raises ValueError when `name` is neither keyword nor an existing model file, or the
    file is not a model; OSError when it cannot be read.
    """
    choice = name.strip()
    if choice.lower() == TRAINED:
        return TrainedScorer.from_file(DEFAULT_MODEL)
    if choice.lower() == VADER:
        return VaderScorer()
    path = Path(choice).expanduser()
    if not path.is_file():
        raise ValueError(
            f"sentiment model {name!r} is neither {TRAINED!r}, {VADER!r} nor a "
            "model file; set SIGHTLINE_SENTIMENT_MODEL to one of those"
        )
    return TrainedScorer.from_file(path)


def default_scorer() -> SentimentScorer:
    """Return the scorer the settings select (`SIGHTLINE_SENTIMENT_MODEL`, default
    "trained"); raises as `scorer_named` does."""
    from warehouse.settings import load_settings

    return scorer_named(load_settings().sentiment_model)
