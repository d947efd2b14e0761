"""Tests of sentiment scoring (ingestion.sentiment): scores, labels, the scorers shipped,
which one is the default, and scored mentions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ingestion.demo import DemoConfig, generate_day
from ingestion.sentiment import (
    SOCIAL_MENTIONS_SCORED,
    SentimentScorer,
    SentimentScores,
    TrainedScorer,
    VaderScorer,
    default_scorer,
    label_for,
    score_mentions,
    scorer_named,
)
from ingestion.sentiment.trained import DEFAULT_MODEL
from warehouse.raw_schemas import RAW_SOCIAL_MENTIONS

FIRST, LAST = date(2026, 1, 1), date(2026, 1, 21)
CONFIG = DemoConfig.for_window(FIRST, LAST)  # crisis 2026-01-16, launch 2026-01-08
DAYS = (CONFIG.launch_day, date(2026, 1, 10), date(2026, 1, 13), CONFIG.crisis_day)
TENANTS = ("acme", "globex", "initech")
INGESTED_AT = datetime(2026, 1, 22, tzinfo=UTC)
SCORED_AT = datetime(2026, 1, 22, 6, 30, tzinfo=UTC)


def _demo_texts() -> list[str]:
    texts: list[str] = []
    for day in DAYS:
        batch = generate_day(day, TENANTS, CONFIG, INGESTED_AT)
        texts += batch.tables["raw_social_mentions"].column("text").to_pylist()
    return texts


@pytest.fixture(scope="module")
def demo_texts() -> list[str]:
    """Demo posts of four days (launch, a weekend, a weekday, crisis), three tenants."""
    return _demo_texts()


@pytest.fixture(scope="module")
def vader() -> VaderScorer:
    return VaderScorer()


@pytest.fixture(scope="module")
def trained() -> TrainedScorer:
    return TrainedScorer.from_file(DEFAULT_MODEL)


def test_vader_is_the_package(vader, demo_texts):
    texts = [*demo_texts[:300], "The book was not good.", "good!!!", "", "😁"]
    scores = vader.score(texts)
    analyzer = SentimentIntensityAnalyzer()
    for i, text in enumerate(texts):
        expected = analyzer.polarity_scores(text)
        assert (scores.compound[i], scores.pos[i], scores.neu[i], scores.neg[i]) == (
            expected["compound"],
            expected["pos"],
            expected["neu"],
            expected["neg"],
        ), text


@pytest.mark.parametrize(
    ("text", "compound", "pos", "neu", "neg"),
    [
        # good = 1.9 in the lexicon; 1.9 / sqrt(1.9² + 15) = 0.4404
        ("good", 0.4404, 1.0, 0.0, 0.0),
        # negated: 1.9 * -0.74 = -1.406; -1.406 / sqrt(1.406² + 15) = -0.3412;
        # neg = 2.406 / (2.406 + 1) = 0.706
        ("not good", -0.3412, 0.0, 0.294, 0.706),
        # one "!": 1.9 + 0.292 = 2.192; 2.192 / sqrt(2.192² + 15) = 0.4926
        ("good!", 0.4926, 1.0, 0.0, 0.0),
        ("", 0.0, 0.0, 0.0, 0.0),
        ("the dashboard", 0.0, 0.0, 1.0, 0.0),
    ],
)
def test_vader_hand_computed_scores(text, compound, pos, neu, neg, vader):
    scores = vader.score([text])
    assert (scores.compound[0], scores.pos[0], scores.neu[0], scores.neg[0]) == (
        compound,
        pos,
        neu,
        neg,
    )


def test_trained_model_is_the_default(monkeypatch, trained, vader):
    monkeypatch.delenv("SIGHTLINE_SENTIMENT_MODEL", raising=False)
    scorer = default_scorer()
    assert isinstance(scorer, TrainedScorer) and scorer is trained  # loaded once
    assert scorer.model_version.startswith("linear-")
    monkeypatch.setenv("SIGHTLINE_SENTIMENT_MODEL", "vader")
    assert isinstance(default_scorer(), VaderScorer)
    monkeypatch.setenv("SIGHTLINE_SENTIMENT_MODEL", str(DEFAULT_MODEL))
    assert default_scorer().model_version == trained.model_version
    monkeypatch.setenv("SIGHTLINE_SENTIMENT_MODEL", "bert")
    with pytest.raises(ValueError, match="neither 'trained', 'vader' nor a model file"):
        default_scorer()
    for each in (trained, vader, scorer_named("VADER")):
        assert isinstance(each, SentimentScorer)
    assert vader.model_version == "vader-3.3.2"
    for each in (trained, vader):
        empty = each.score([])
        assert len(empty) == 0 and empty.compound.dtype == np.float64


def test_trained_model_reads_demo_posts_and_plain_sentences(trained, demo_texts):
    scores = trained.score(demo_texts)
    # The demo templates are written to read as all three tones.
    assert set(scores.labels) == {"positive", "neutral", "negative"}
    plain = trained.score(
        [
            "I love this product, great job",
            "The app is broken again. Awful",
            "Meeting with the sales team on Thursday",
            "",
        ]
    )
    assert plain.labels.tolist() == ["positive", "negative", "neutral", "neutral"]
    assert ((plain.compound >= -1) & (plain.compound <= 1)).all()
    # The model file's digest names the model.
    assert trained.model_version == f"linear-{trained.model.digest()[:12]}"


def test_label_thresholds_are_inclusive():
    assert label_for(0.05) == "positive"
    assert label_for(-0.05) == "negative"
    assert label_for(0.0499) == "neutral"
    assert label_for(-0.0499) == "neutral"
    assert label_for(0.0) == "neutral"
    compound = [0.05, -0.05, 0.0499, -0.0499, 1.0, -1.0]
    scores = SentimentScores(compound=compound, pos=[0.0] * 6, neu=[0.0] * 6, neg=[0.0] * 6)
    assert scores.labels.tolist() == [label_for(c) for c in compound]


def test_scores_reject_ragged_arrays():
    with pytest.raises(ValueError, match="same length"):
        SentimentScores(compound=[0.1, 0.2], pos=[0.0], neu=[0.0, 0.0], neg=[0.0, 0.0])


class FixedScorer:
    """A stand-in model: returns the compound values it was given, whatever the texts."""

    model_version = "fixed-1"

    def __init__(self, compound: list[float]) -> None:
        self.compound = compound

    def score(self, texts: Sequence[str]) -> SentimentScores:
        zeros = np.zeros(len(self.compound))
        return SentimentScores(compound=self.compound, pos=zeros, neu=zeros, neg=zeros)


@pytest.fixture(scope="module")
def mentions() -> pa.Table:
    batch = generate_day(CONFIG.crisis_day, TENANTS, CONFIG, INGESTED_AT)
    return batch.tables["raw_social_mentions"]


def test_score_mentions_schema_rows_and_order(mentions, trained):
    scored = score_mentions(mentions, trained, SCORED_AT)
    assert scored.schema.equals(SOCIAL_MENTIONS_SCORED, check_metadata=True)
    assert scored.num_rows == mentions.num_rows > 0
    for name in ("tenant_id", "platform", "post_id", "created_at", "source"):
        assert scored.column(name).equals(mentions.column(name)), name
    texts = mentions.column("text").to_pylist()
    expected = trained.score(texts)
    np.testing.assert_array_equal(scored.column("compound").to_numpy(), expected.compound)
    np.testing.assert_array_equal(scored.column("neg").to_numpy(), expected.neg)
    assert scored.column("label").to_pylist() == expected.labels.tolist()
    assert set(scored.column("model_version").to_pylist()) == {trained.model_version}
    assert set(scored.column("scored_at").to_pylist()) == {SCORED_AT}
    # The crisis day reads mostly negative.
    labels = scored.column("label").to_pylist()
    assert labels.count("negative") > labels.count("positive")


def test_score_mentions_labels_at_the_thresholds(mentions):
    compound = [0.05, -0.05, 0.0499, -0.0499, 0.9]
    five = mentions.slice(0, 5)
    scored = score_mentions(five, FixedScorer(compound), SCORED_AT)
    assert scored.column("label").to_pylist() == [
        "positive",
        "negative",
        "neutral",
        "neutral",
        "positive",
    ]
    assert scored.column("compound").to_pylist() == compound
    assert scored.column("model_version").to_pylist() == ["fixed-1"] * 5
    assert scored.column("post_id").equals(five.column("post_id"))


def test_score_mentions_empty_and_invalid(trained):
    empty = score_mentions(RAW_SOCIAL_MENTIONS.empty_table(), trained, SCORED_AT)
    assert empty.num_rows == 0 and empty.schema.equals(SOCIAL_MENTIONS_SCORED)
    with pytest.raises(ValueError, match="timezone-aware"):
        score_mentions(RAW_SOCIAL_MENTIONS.empty_table(), trained, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="'text'"):
        score_mentions(RAW_SOCIAL_MENTIONS.empty_table().drop_columns(["text"]), trained, SCORED_AT)
    with pytest.raises(ValueError, match="rows for"):
        score_mentions(_one_mention(), FixedScorer([0.1, 0.2]), SCORED_AT)


def _one_mention() -> pa.Table:
    return (
        generate_day(CONFIG.launch_day, ("acme",), CONFIG, INGESTED_AT)
        .tables["raw_social_mentions"]
        .slice(0, 1)
    )
