"""Scored mentions: the `social_mentions_scored` Arrow schema and what fills it."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from ingestion.sentiment.scorer import SentimentScorer
from warehouse.raw_schemas import RAW_SOCIAL_MENTIONS, TIMESTAMP

SOCIAL_MENTIONS_SCORED = pa.schema(
    [
        pa.field("tenant_id", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("created_at", TIMESTAMP, nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("compound", pa.float64(), nullable=False),
        pa.field("pos", pa.float64(), nullable=False),
        pa.field("neu", pa.float64(), nullable=False),
        pa.field("neg", pa.float64(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("model_version", pa.string(), nullable=False),
        pa.field("scored_at", TIMESTAMP, nullable=False),
    ]
)

# Columns of the raw mentions carried over unchanged, then the one that is scored.
_KEY_COLUMNS = ("tenant_id", "platform", "post_id", "created_at", "source")
_TEXT_COLUMN = "text"


def _check_mentions(mentions: pa.Table) -> None:
    for name in (*_KEY_COLUMNS, _TEXT_COLUMN):
        if name not in mentions.column_names:
            raise ValueError(f"mentions lack the column {name!r} of raw_social_mentions")
        expected = RAW_SOCIAL_MENTIONS.field(name).type
        column = mentions.column(name)
        if column.type != expected:
            raise ValueError(f"mentions column {name!r} is {column.type}, expected {expected}")
        if column.null_count:
            raise ValueError(f"mentions column {name!r} has {column.null_count} nulls")


def score_mentions(mentions: pa.Table, scorer: SentimentScorer, scored_at: datetime) -> pa.Table:
    """Return one SOCIAL_MENTIONS_SCORED row per row of `mentions`, in the same order.

    `mentions` has the raw_social_mentions columns (only tenant_id, platform, post_id,
    created_at, source and text are read); each text is scored by `scorer`, labelled
    with `label_for`'s thresholds and stamped with `scorer.model_version` and
    `scored_at`. Raises ValueError when a column is missing, has another type or holds
    nulls, when `scored_at` is naive, or when the scorer returns the wrong row count.
    """
    if scored_at.tzinfo is None or scored_at.utcoffset() is None:
        raise ValueError(f"scored_at must be timezone-aware (UTC), got naive {scored_at!r}")
    _check_mentions(mentions)
    n = mentions.num_rows
    scores = scorer.score(mentions.column(_TEXT_COLUMN).to_pylist())
    if len(scores.compound) != n:
        raise ValueError(f"scorer returned {len(scores.compound)} rows for {n} mentions")
    columns = [mentions.column(name) for name in _KEY_COLUMNS]
    columns += [
        pa.array(scores.compound, pa.float64()),
        pa.array(scores.pos, pa.float64()),
        pa.array(scores.neu, pa.float64()),
        pa.array(scores.neg, pa.float64()),
        pa.array(scores.labels, pa.string()),
        pa.repeat(pa.scalar(scorer.model_version, pa.string()), n),
        pa.repeat(pa.scalar(scored_at, TIMESTAMP), n),
    ]
    return pa.Table.from_arrays(columns, schema=SOCIAL_MENTIONS_SCORED)
