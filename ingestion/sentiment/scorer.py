"""The sentiment scorer interface and the scores it returns.

A scorer is anything with a `model_version: str` attribute and a
`score(texts: Sequence[str]) -> SentimentScores` method (`SentimentScorer` below). It
returns one row of scores per input text, in input order:

- `compound`: overall polarity in [-1, 1];
- `pos`, `neu`, `neg`: proportions of the text that read positive, neutral and negative
  (each in [0, 1]; they sum to about 1, or are all 0 for a text with no words).

Labels are derived from `compound` alone with VADER's standard thresholds (see
`label_for`), so a new model only has to produce the four numbers. `model_version` is
written next to every scored row: change it whenever the scores of the same text can
change (new lexicon, new weights), so rows scored by different models stay apart.

The default implementation is `ingestion.sentiment.trained.TrainedScorer`, a linear
model trained on labelled tweets whose compound is derived from its class probabilities
so that these thresholds pick its most likely class (docs/sentiment.md);
`ingestion.sentiment.vader.VaderScorer` is the other one shipped. Any model implementing
the protocol plugs in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

# VADER's standard thresholds on the compound score (Hutto & Gilbert, 2014).
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05


def _labels(compound: np.ndarray) -> np.ndarray:
    return np.where(
        compound >= POSITIVE_THRESHOLD,
        "positive",
        np.where(compound <= NEGATIVE_THRESHOLD, "negative", "neutral"),
    )


def label_for(compound: float) -> str:
    """Return "positive" if compound >= 0.05, "negative" if compound <= -0.05, else
    "neutral" (the same rule as `SentimentScores.labels`)."""
    return str(_labels(np.array([compound], dtype=np.float64))[0])


@dataclass(frozen=True, eq=False)
class SentimentScores:
    """Scores of a batch of texts, one element per text in input order.

    The four fields are 1-D float64 arrays of equal length (anything array-like is
    converted on construction). Raises ValueError when they are not 1-D or their
    lengths differ. Not comparable with `==` (compare the arrays instead).
    """

    compound: np.ndarray
    pos: np.ndarray
    neu: np.ndarray
    neg: np.ndarray

    def __post_init__(self) -> None:
        lengths = set()
        for name in ("compound", "pos", "neu", "neg"):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if values.ndim != 1:
                raise ValueError(f"{name} must be 1-D, got shape {values.shape}")
            object.__setattr__(self, name, values)
            lengths.add(len(values))
        if len(lengths) > 1:
            raise ValueError(
                "compound, pos, neu and neg must have the same length, got "
                f"{[len(self.compound), len(self.pos), len(self.neu), len(self.neg)]}"
            )

    def __len__(self) -> int:
        return len(self.compound)

    @property
    def labels(self) -> np.ndarray:
        """Return a str array: "positive" / "negative" / "neutral" per text (see
        `label_for`)."""
        return _labels(self.compound)


@runtime_checkable
class SentimentScorer(Protocol):
    """What scores mentions: see the module docstring for the contract."""

    model_version: str

    def score(self, texts: Sequence[str]) -> SentimentScores:
        """Return the scores of `texts`, one row per text in input order."""
        ...
