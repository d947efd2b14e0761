"""The trained sentiment scorer: a linear model over hashed n-grams and VADER's lexicon.

Compound from class probabilities (docs/sentiment.md): with p the larger of P(positive)
and P(negative), s its sign (+ for positive) and r = p − P(neutral),

    compound = s · (0.05 + 0.95 · r)    when r ≥ 0 (a polar class is the most likely),
    compound = s · 0.05 · (1 + r)       when r < 0 (neutral is the most likely).

So compound is continuous, in [-1, 1], ±1 only for a certain polar text, and the ±0.05
label thresholds give exactly the most likely class: |compound| ≥ 0.05 if and only if a
polar class beats neutral. A neutral text still leans by less than 0.05. pos/neu/neg are
the three class probabilities (they sum to 1); a text with no characters scores 0, 0, 0, 0.

Scores are rounded as VADER rounds them, compound to 4 decimals and pos/neu/neg to 3: the
marts sum compound as a 6-decimal number, exact only for values with fewer decimals. A
neutral text's compound is kept within ±0.0499 after rounding, so its label stays neutral.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingestion.sentiment.linear_model import CLASSES, LinearModel
from ingestion.sentiment.scorer import SentimentScores

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = MODELS_DIR / "sentiment-linear.npz"
# Texts featurised at once: bounds the memory of a large batch (measured on 120,000 demo
# posts: 5,000 at once peaks ~120 MiB above the texts and is faster than 20,000, whose
# arrays outgrow the CPU caches).
BATCH_TEXTS = 5_000
_NEGATIVE, _NEUTRAL, _POSITIVE = (CLASSES.index(c) for c in ("negative", "neutral", "positive"))


def compound_from_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Return the compound score of each row of (n, 3) probabilities in `CLASSES` order,
    rounded to 4 decimals (see the module docstring)."""
    positive, neutral, negative = (
        probabilities[:, _POSITIVE],
        probabilities[:, _NEUTRAL],
        probabilities[:, _NEGATIVE],
    )
    polar = np.maximum(positive, negative)
    sign = np.sign(positive - negative)
    lead = polar - neutral
    magnitude = np.where(lead >= 0, 0.05 + 0.95 * lead, 0.05 * (1 + lead))
    magnitude = np.round(np.clip(magnitude, 0.0, 1.0), 4)
    magnitude = np.where(lead >= 0, magnitude, np.minimum(magnitude, 0.0499))
    return sign * magnitude


class TrainedScorer:
    """Scores texts with a `LinearModel`, in this process; `model_version` is
    "linear-<first 12 hex digits of the SHA-256 of the model file>"."""

    def __init__(self, model: LinearModel) -> None:
        self.model = model
        self.model_version = f"linear-{model.digest()[:12]}"

    @classmethod
    def from_file(cls, path: Path = DEFAULT_MODEL) -> TrainedScorer:
        """Return the scorer of the model saved at `path` (loaded once per path and
        process). Raises ValueError or OSError as `LinearModel.load` does."""
        return _load(Path(path).resolve())

    def score(self, texts: Sequence[str]) -> SentimentScores:
        """Return compound/pos/neu/neg for each text (each a str), in input order."""
        texts = list(texts)
        parts = [self._score(texts[i : i + BATCH_TEXTS]) for i in range(0, len(texts), BATCH_TEXTS)]
        if not parts:
            return SentimentScores([], [], [], [])
        return SentimentScores(*(np.concatenate([p[i] for p in parts]) for i in range(4)))

    def _score(self, texts: list[str]) -> tuple[np.ndarray, ...]:
        probabilities, empty = self.model.probabilities(texts)
        probabilities[empty] = 0.0
        compound = compound_from_probabilities(probabilities)
        shares = np.round(probabilities, 3)
        return compound, shares[:, _POSITIVE], shares[:, _NEUTRAL], shares[:, _NEGATIVE]


@lru_cache(maxsize=4)
def _load(path: Path) -> TrainedScorer:
    return TrainedScorer(LinearModel.load(path))
