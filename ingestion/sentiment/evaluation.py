"""Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix of labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ingestion.sentiment.linear_model import CLASSES
from ingestion.sentiment.scorer import SentimentScorer


def label_metrics(truth: Sequence[int], predicted: Sequence[int]) -> dict[str, Any]:
    """Return {"rows", "accuracy", "macro_f1", "per_class": {class: {"precision", "recall",
    "f1", "support"}}, "confusion": {"classes", "rows_true_cols_predicted"}} of two
    equal-length sequences of class indexes into `CLASSES`. Raises ValueError when the
    lengths differ or there are no rows."""
    truth_a, predicted_a = np.asarray(truth, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    if len(truth_a) != len(predicted_a) or len(truth_a) == 0:
        raise ValueError(f"need equal, non-zero lengths, got {len(truth_a)} and {len(predicted_a)}")
    k = len(CLASSES)
    confusion = np.bincount(truth_a * k + predicted_a, minlength=k * k).reshape(k, k)
    per_class, f1s = {}, []
    for i, name in enumerate(CLASSES):
        hits = int(confusion[i, i])
        said, support = int(confusion[:, i].sum()), int(confusion[i].sum())
        precision = hits / said if said else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_class[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    macro_f1 = float(np.mean(f1s))
    return {
        "rows": len(truth_a),
        "accuracy": round(float(np.trace(confusion)) / len(truth_a), 4),
        "macro_f1": round(macro_f1, 4),
        "per_class": per_class,
        "confusion": {"classes": list(CLASSES), "rows_true_cols_predicted": confusion.tolist()},
    }


def evaluate_scorer(
    scorer: SentimentScorer, texts: Sequence[str], truth: Sequence[int]
) -> dict[str, Any]:
    """Return `label_metrics` of the labels `scorer` gives `texts` (by the ±0.05 compound
    thresholds, as stored rows are labelled) against `truth`, plus "model_version"."""
    labels = scorer.score(list(texts)).labels
    predicted = np.searchsorted(np.array(CLASSES), labels)  # CLASSES is sorted
    return {"model_version": scorer.model_version, **label_metrics(truth, predicted)}
