"""Training the sentiment model from labelled files: split, fit, measure, write.

`train_model` holds out a seeded fraction of the (deduplicated) rows, fits a
`LinearModel` on the rest and measures it on the held-out rows and on any evaluation
sets. The same rows, options and seed give the same weights, bit for bit (the split is
the only random step, and the fit is deterministic).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.sentiment.evaluation import evaluate_scorer
from ingestion.sentiment.features import featurise
from ingestion.sentiment.labelled import LabelledSet
from ingestion.sentiment.linear_model import (
    CLASSES,
    LinearModel,
    feature_matrix,
    fit,
    inverse_document_frequency,
)
from ingestion.sentiment.trained import TrainedScorer

REPORT_FORMAT = "sightline-sentiment-training-report/1"


@dataclass(frozen=True)
class TrainingOptions:
    """Hash buckets (2**bits), L2 strength, L-BFGS iterations, class balancing (see
    `fit`), idf weighting (else every n-gram weighs 1), split seed, held-out share, NB
    scaling of the hashed buckets' weights (see `fit`)."""

    bits: int = 18
    l2: float = 1e-5
    max_iter: int = 300
    balance: float = 1.0
    idf: bool = True
    seed: int = 13
    holdout: float = 0.1
    nb: bool = True


def _deduplicated(data: LabelledSet) -> tuple[list[str], np.ndarray, int]:
    # The same text twice (retweets, sets that overlap) would count twice; first label wins.
    first: dict[str, int] = {}
    for text, label in zip(data.texts, data.labels, strict=True):
        first.setdefault(text, label)
    return list(first), np.fromiter(first.values(), dtype=np.int64), len(data) - len(first)


def train_model(
    data: LabelledSet,
    options: TrainingOptions,
    evaluation: dict[str, LabelledSet] | None = None,
    step: Callable[[str], None] = lambda _: None,
) -> tuple[LinearModel, dict[str, Any]]:
    """Return (model, report) trained on `data` with `options`.

    `step` is called with a description before each stage (for progress display). The
    report holds the data files and their SHA-256, row counts, the options, the seconds
    taken and `label_metrics` on the held-out rows and each `evaluation` set. Raises
    ValueError when a class has no training row or `options.holdout` is not in [0, 0.5].
    """
    if not 0 <= options.holdout <= 0.5:
        raise ValueError(f"holdout must be between 0 and 0.5, got {options.holdout}")
    texts, labels, duplicates = _deduplicated(data)
    order = np.random.default_rng(options.seed).permutation(len(texts))
    cut = round(len(texts) * options.holdout)
    held, kept = np.sort(order[:cut]), np.sort(order[cut:])
    missing = [CLASSES[k] for k in range(len(CLASSES)) if not (labels[kept] == k).any()]
    if missing:
        raise ValueError(f"no training rows labelled {missing}: every class needs examples")
    started = time.perf_counter()
    step(f"featurising {len(kept):,} texts")
    features = featurise([texts[i] for i in kept], options.bits)
    idf = (
        inverse_document_frequency(features, options.bits)
        if options.idf
        else np.ones(1 << options.bits, dtype=np.float32)
    )
    matrix = feature_matrix(features, options.bits, idf)
    del features
    step(f"fitting ({options.max_iter} L-BFGS iterations at most)")
    model, ending = fit(
        matrix, labels[kept], idf, options.l2, options.max_iter, options.balance, options.nb
    )
    seconds = time.perf_counter() - started
    scorer = TrainedScorer(model)
    step("measuring")
    metrics: dict[str, Any] = {}
    if len(held):
        metrics["holdout"] = evaluate_scorer(scorer, [texts[i] for i in held], labels[held])
    for name, labelled in (evaluation or {}).items():
        metrics[name] = evaluate_scorer(scorer, labelled.texts, labelled.labels)
    report = {
        "format": REPORT_FORMAT,
        "model_version": scorer.model_version,
        "model_sha256": model.digest(),
        "classes": list(CLASSES),
        "training_files": data.files,
        "evaluation_files": {name: s.files for name, s in (evaluation or {}).items()},
        "rows": {
            "read": len(data),
            "duplicates_dropped": duplicates,
            "trained": len(kept),
            "held_out": len(held),
            "trained_by_class": dict(
                zip(CLASSES, np.bincount(labels[kept], minlength=3).tolist(), strict=True)
            ),
        },
        "options": asdict(options),
        "fit": {**ending, "seconds": round(seconds, 1)},
        "metrics": metrics,
    }
    return model, report


def write_model(model: LinearModel, report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write the model to `out` (an .npz path) and the report beside it as
    `<stem>.report.json`; return both paths. Raises OSError when they cannot be written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(model.to_bytes())
    report_path = out.with_name(f"{out.stem}.report.json")
    report_path.write_text(json.dumps(report, indent=2) + "\n")
    return out, report_path
