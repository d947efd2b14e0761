"""A multinomial logistic regression on hashed features: fit, predict, save, load.

The model is `weights` (one row per hash bucket, then one per lexicon feature; one column
per class), `bias` and `idf`, the inverse document frequency of each bucket in the
training texts, log((1 + n) / (1 + texts holding it)) + 1 as in TF-IDF. An n-gram's value
is its bucket's idf, divided by the norm of its block (words or bytes) in its text
(every occurrence counted), so a text's length does not set the size of its scores.

Fitting minimises the (class-weighted) mean cross-entropy plus an L2 penalty with scipy's
L-BFGS from zero weights. With NB scaling (Wang & Manning 2012, "NBSVM"), each bucket's
weight for a class is its log-count ratio for that class times a free parameter, and the
penalty falls on the free parameters: a bucket whose n-grams are as frequent in the
class's texts as in the others' is held near zero, a telling one is free to weigh. The
model stores the products, so scoring is the same linear model either way. There is no
randomness and no threads in the arithmetic, so the same features give the same weights,
bit for bit. Weights are stored as float16 (half the bytes; the rounding moves a
probability by about 1e-3) and used as float32.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.optimize
import scipy.sparse

from ingestion.sentiment.features import LEXICON_FEATURES, Features, featurise

CLASSES = ("negative", "neutral", "positive")
FORMAT = "sightline-sentiment-linear/1"


def inverse_document_frequency(features: Features, bits: int) -> np.ndarray:
    """Return the (2**bits,) idf of each bucket over the texts of `features`, rounded to
    float16 as the model file stores it; 0 for a bucket no text holds, so n-grams never
    seen in training are left out of a text's norm, as a TF-IDF vocabulary leaves them out."""
    pairs = np.unique(features.docs * (1 << bits) + features.buckets)
    holding = np.bincount(pairs % (1 << bits), minlength=1 << bits)
    idf = np.where(holding > 0, np.log((1.0 + features.n_texts) / (1.0 + holding)) + 1.0, 0.0)
    return idf.astype(np.float16).astype(np.float32)


def feature_values(features: Features, idf: np.ndarray) -> np.ndarray:
    """Return the value of each n-gram of `features`: idf over its block's norm."""
    values = idf[features.buckets].astype(np.float64)
    block = features.docs * 2 + features.blocks
    norms = np.sqrt(np.bincount(block, weights=values * values, minlength=2 * features.n_texts))
    return values / np.where(norms > 0, norms, 1.0)[block]


def feature_matrix(features: Features, bits: int, idf: np.ndarray) -> scipy.sparse.csr_matrix:
    """Return the (n_texts, 2**bits + LEXICON_FEATURES) CSR matrix of `features`."""
    n, width = features.n_texts, (1 << bits)
    rows = np.concatenate([features.docs, np.repeat(np.arange(n), LEXICON_FEATURES)])
    cols = np.concatenate(
        [features.buckets, np.tile(np.arange(width, width + LEXICON_FEATURES), n)]
    )
    values = np.concatenate([feature_values(features, idf), features.dense.ravel()])
    matrix = scipy.sparse.csr_matrix((values, (rows, cols)), shape=(n, width + LEXICON_FEATURES))
    matrix.sum_duplicates()
    return matrix


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True, eq=False)
class LinearModel:
    """Weights (2**bits + LEXICON_FEATURES, 3), bias (3,) over `CLASSES`, idf (2**bits,)."""

    bits: int
    weights: np.ndarray
    bias: np.ndarray
    idf: np.ndarray

    def logits(self, features: Features) -> np.ndarray:
        """Return (n_texts, 3) float64 class scores of `features` (built with `self.bits`).

        The same sums as `feature_matrix(features) @ weights + bias`, gathered per bucket
        from one table (weights times idf, and idf²) so a batch costs one gather and four
        bincounts over its n-grams."""
        n, k = features.n_texts, len(CLASSES)
        gathered = self._table()[features.buckets]
        segment = features.docs * 2 + features.blocks
        sums = np.column_stack(
            [np.bincount(segment, weights=gathered[:, j], minlength=2 * n) for j in range(k + 1)]
        ).reshape(n, 2, k + 1)
        norms = np.sqrt(sums[:, :, k:])
        scores = (sums[:, :, :k] / np.where(norms > 0, norms, 1.0)).sum(axis=1)
        return (
            scores
            + features.dense @ self.weights[1 << self.bits :].astype(np.float64)
            + (self.bias)
        )

    def _table(self) -> np.ndarray:
        table = self.__dict__.get("_table_cache")
        if table is None:
            buckets = self.weights[: 1 << self.bits]
            table = np.column_stack([buckets * self.idf[:, None], self.idf * self.idf])
            table = np.ascontiguousarray(table, dtype=np.float32)
            object.__setattr__(self, "_table_cache", table)
        return table

    def probabilities(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return ((n, 3) class probabilities in `CLASSES` order, (n,) bool: text empty)."""
        features = featurise(texts, self.bits)
        return _softmax(self.logits(features)), features.empty

    def to_bytes(self) -> bytes:
        """Return the model as an .npz file's bytes (deterministic: same model, same
        bytes)."""
        meta = json.dumps({"format": FORMAT, "bits": self.bits, "classes": CLASSES})
        arrays = {
            "meta": np.array(meta),
            "weights": self.weights.astype(np.float16),
            "bias": self.bias.astype(np.float64),
            "idf": self.idf.astype(np.float16),
        }
        buffer = io.BytesIO()
        # np.savez stamps each member with the current time; a fixed one keeps the bytes
        # (and so the model version) a function of the weights alone.
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                member = io.BytesIO()
                np.lib.format.write_array(member, array, allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, member.getvalue(), compresslevel=9)
        return buffer.getvalue()

    def digest(self) -> str:
        """Return the SHA-256 hex digest of `to_bytes()`."""
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Return the model saved at `path`. Raises ValueError when the file is not a
        model of this format, OSError when it cannot be read."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta"]))
                weights = archive["weights"].astype(np.float32)
                bias = archive["bias"].astype(np.float64)
                idf = archive["idf"].astype(np.float32)
        except (KeyError, ValueError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path} is not a Sightline sentiment model: {exc}") from exc
        if meta.get("format") != FORMAT or tuple(meta.get("classes", ())) != CLASSES:
            raise ValueError(f"{path} is not a {FORMAT} model over {CLASSES}")
        bits = int(meta["bits"])
        if weights.shape != ((1 << bits) + LEXICON_FEATURES, len(CLASSES)):
            raise ValueError(
                f"{path}: weights have shape {weights.shape}, expected "
                f"{((1 << bits) + LEXICON_FEATURES, len(CLASSES))}"
            )
        if idf.shape != (1 << bits,):
            raise ValueError(f"{path}: idf has shape {idf.shape}, expected {(1 << bits,)}")
        return cls(bits, weights, bias, idf)


def nb_scale(matrix: scipy.sparse.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """Return the (columns, 3) absolute log-count ratio of each column of `matrix` for each
    class against the other two (Wang & Manning 2012): |log((p / |p|₁) / (q / |q|₁))| with
    p = 1 + texts of the class holding the column, q = 1 + other texts holding it."""
    present = matrix.copy()
    present.eliminate_zeros()
    present.data = np.ones_like(present.data)
    scale = np.empty((matrix.shape[1], len(CLASSES)))
    for j in range(len(CLASSES)):
        p = 1.0 + np.asarray(present[labels == j].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(present[labels != j].sum(axis=0)).ravel()
        scale[:, j] = np.abs(np.log((p / p.sum()) / (q / q.sum())))
    return scale


def fit(
    matrix: scipy.sparse.csr_matrix,
    labels: np.ndarray,
    idf: np.ndarray,
    l2: float,
    max_iter: int = 400,
    balance: float = 1.0,
    nb: bool = False,
) -> tuple[LinearModel, dict[str, Any]]:
    """Return (model, how the fit ended: iterations, converged, loss).

    The model minimises the weighted mean cross-entropy + l2/2·|W|² on `matrix` (from
    `feature_matrix` with `idf`) and `labels` (ints indexing `CLASSES`), weights rounded
    to float16 (as stored).

    Each row weighs (n / (3 · rows of its class)) ** `balance`: 0 weighs rows equally, 1
    weighs every class the same whatever its share of the training rows. With `nb`, the
    hashed buckets' weights are `nb_scale` times free parameters and the L2 penalty is on
    those (see the module docstring); the lexicon features and the bias are not scaled.
    Raises ValueError when the shapes disagree or a label is out of range."""
    n, width = matrix.shape
    bits = len(idf).bit_length() - 1
    if len(labels) != n or width != (1 << bits) + LEXICON_FEATURES or len(idf) != 1 << bits:
        raise ValueError(f"matrix {matrix.shape} does not fit {len(labels)} labels, {bits} bits")
    if n == 0 or labels.min() < 0 or labels.max() >= len(CLASSES):
        raise ValueError("labels must be non-empty ints in 0..2")
    k = len(CLASSES)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    counts = np.bincount(labels, minlength=k)
    row_weight = (n / (k * np.maximum(counts, 1)))[labels] ** balance
    weighted = onehot * row_weight[:, None]
    transposed = matrix.T.tocsr()
    scale = np.ones((width, k))
    if nb:
        scale[: 1 << bits] = nb_scale(matrix[:, : 1 << bits], labels)

    def loss_and_grad(flat: np.ndarray) -> tuple[float, np.ndarray]:
        free, bias = flat[:-k].reshape(width, k), flat[-k:]
        logits = matrix @ (scale * free) + bias
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_probs = shifted - log_norm
        loss = -(weighted * log_probs).sum() / n + 0.5 * l2 * float((free * free).sum())
        residual = (np.exp(log_probs) - onehot) * row_weight[:, None] / n
        grad_w = scale * (transposed @ residual) + l2 * free
        return loss, np.concatenate([grad_w.ravel(), residual.sum(axis=0)])

    start = np.zeros(width * k + k)
    result = scipy.optimize.minimize(
        loss_and_grad,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "maxcor": 10},
    )
    weights = (scale * result.x[:-k].reshape(width, k)).astype(np.float16).astype(np.float32)
    ending = {
        "iterations": int(result.nit),
        "converged": bool(result.success),
        "loss": round(float(result.fun), 6),
    }
    return LinearModel(bits, weights, result.x[-k:].astype(np.float64), idf), ending
