"""Tests of sentiment scoring (ingestion.sentiment): VaderScorer against the package."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pytest
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

from ingestion.demo import DemoConfig, generate_day
from ingestion.sentiment import (
    SOCIAL_MENTIONS_SCORED,
    ReferenceVaderScorer,
    SentimentScorer,
    SentimentScores,
    VaderScorer,
    default_scorer,
    label_for,
    score_mentions,
)
from ingestion.sentiment.vader import PARALLEL_MIN_TEXTS, VaderLexicon
from warehouse.raw_schemas import RAW_SOCIAL_MENTIONS

FIRST, LAST = date(2026, 1, 1), date(2026, 1, 21)
CONFIG = DemoConfig.for_window(FIRST, LAST)  # crisis 2026-01-16, launch 2026-01-08
DAYS = (CONFIG.launch_day, date(2026, 1, 10), date(2026, 1, 13), CONFIG.crisis_day)
TENANTS = ("acme", "globex", "initech")
INGESTED_AT = datetime(2026, 1, 22, tzinfo=UTC)
SCORED_AT = datetime(2026, 1, 22, 6, 30, tzinfo=UTC)

# One or more sentences per VADER rule; the rule is named after each.
TRICKY = [
    "The book was good.",  # plain lexicon word
    "The book was not good.",  # negation
    "The book isn't very good.",  # negation with n't, booster between
    "I don't hate it, nothing bad, never awful",  # negation 1, 2 and 3 words back
    "uh-uh, not cool; it's without merit",  # hyphenated and rare negations
    "Sentiment analysis has never been good.",  # never ... (negation)
    "Sentiment analysis has never been this good!",  # never this (amplifier)
    "This is so good",  # the package's `so`/`this` precedence quirk
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "good good good but bad bad",  # `but` with equal values (its index() lookup)
    "But wait, it is good",  # `but` first
    "It was great but",  # `but` last
    "VADER is very smart, handsome, and funny.",  # booster
    "VADER is VERY SMART, handsome, and FUNNY.",  # ALL CAPS emphasis (some words)
    "ALL CAPS EVERYWHERE GREAT PRODUCT",  # ALL CAPS everywhere: no emphasis
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",  # all of the above
    "Extremely bad, barely ok, hardly good, somewhat nice",  # boosters and dampeners
    "The book was only kind of good.",  # "kind of" dampener
    "It is kind of a mess and sort of great, kinda sux",  # kind of / sort of / kinda
    "a kind person",  # "kind" as a lexicon word
    "good!",  # one exclamation mark
    "good!!!!!!!",  # capped at four
    "good??",  # two question marks
    "good????",  # four and more
    "Is it good?",  # one question mark: no emphasis
    "bad!!! and worse??",  # negative with both
    "Make sure you :) or :D today!",  # emoticons
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",  # emoji
    "I love it😍😍 so much🔥",  # emoji glued to words and to each other
    "👍",  # an emoji alone
    "With VADER, sentiment analysis is the shit!",  # special case "the shit"
    "That party was the bomb",  # special case "the bomb"
    "On the other hand, VADER is quite bad ass",  # special case "bad ass"
    "VADER is such a badass!",  # "badass"
    "Oh yeah right, great job at the bus stop",  # "yeah right", "bus stop"
    "This cake is to die for, a kiss of death for diets",  # three-word special cases
    "Without a doubt, excellent idea.",  # without ... doubt
    "Without doubt an excellent idea",  # without doubt
    "Roger Dodger is one of the least compelling variations on this theme.",  # least
    "Roger Dodger is at least compelling as a variation on the theme.",  # at least
    "It is the very least helpful, least helpful",  # very least, least at start
    "no good, no problem, not bad nor good",  # "no" as negation and as a word
    "No. No love or hate, no fun or joy",  # "no" 3 words back through or
    "no",  # "no" alone
    "At least it isn't a horrible book.",  # least + n't
    "I can't stand it and I'm fed up",  # multi-word lexicon entries (never match)
    "Today SUX!",  # slang, capitalised
    "Today only kinda sux! But I'll get by, lol",  # slang, dampener, but
    "Not such a badass after all.",  # capitalised negation
    "",  # empty
    "   \t\n ",  # whitespace only
    "!!!",  # punctuation only
    "?!?! ... ,,,",  # punctuation only, several tokens
    "'quoted' \"good\" (great) [terrible] {awful}",  # outer punctuation stripped
    "a, b. ok! :( :-( ;)",  # short tokens keep their punctuation
    "naïve café, great ÜBER deal; straße good",  # non-ASCII letters
    "ΣΑΣ good, İstanbul great, ΑΣ. bad",  # Greek final sigma, dotted capital I
    "tab\tseparated\ngood\u00a0nbsp\u2003emspace great",  # unicode whitespace
    "１２３ good ｇｏｏｄ",  # full-width characters
]


def _demo_texts() -> list[str]:
    texts: list[str] = []
    for day in DAYS:
        batch = generate_day(day, TENANTS, CONFIG, INGESTED_AT)
        texts += batch.tables["raw_social_mentions"].column("text").to_pylist()
    return texts


def _random_texts(n: int, seed: int = 7) -> list[str]:
    """Sentences of lexicon words, rule words, capitals, punctuation and emoji."""
    rng = random.Random(seed)
    lexicon = VaderLexicon.load()
    words = sorted(lexicon.words)
    rule_words = sorted(
        {w for phrase in (*SPECIAL_CASES, *BOOSTER_DICT) for w in phrase.split()}
        | set(NEGATE)
        | {"no", "but", "least", "at", "very", "so", "this", "never", "without", "doubt", "or"}
    )
    emoji = sorted(k for k in lexicon.emojis if len(k) == 1)
    texts = []
    for _ in range(n):
        tokens = []
        for _ in range(rng.randint(0, 12)):
            roll = rng.random()
            token = rng.choice(words if roll < 0.35 else emoji if roll < 0.4 else rule_words)
            if rng.random() < 0.15:
                token = token.upper()
            if rng.random() < 0.15:
                token = rng.choice(["", "(", "'", "#"]) + token + rng.choice([".", "!", "?", ","])
            tokens.append(token)
        texts.append(" ".join(tokens))
    return texts


@pytest.fixture(scope="module")
def demo_texts() -> list[str]:
    """Demo posts of four days (launch, a weekend, a weekday, crisis), three tenants."""
    return _demo_texts()


@pytest.fixture(scope="module")
def reference() -> ReferenceVaderScorer:
    return ReferenceVaderScorer()


@pytest.fixture(scope="module")
def in_process() -> VaderScorer:
    return VaderScorer(workers=1)


@pytest.fixture(scope="module")
def parallel() -> Iterator[VaderScorer]:
    with VaderScorer(workers=2) as scorer:
        yield scorer


def _assert_identical(ours: SentimentScores, ref: SentimentScores, texts: Sequence[str]) -> None:
    for name in ("compound", "pos", "neu", "neg"):
        mine, theirs = getattr(ours, name), getattr(ref, name)
        differ = np.flatnonzero(mine != theirs)
        assert differ.size == 0, (
            f"{name} differs on {differ.size} texts, first {texts[differ[0]]!r}: "
            f"{mine[differ[0]]} != {theirs[differ[0]]}"
        )
    assert (ours.labels == ref.labels).all()


def test_demo_posts_identical_to_reference(demo_texts, reference, in_process):
    assert len(demo_texts) > 2_000
    ours = in_process.score(demo_texts)
    _assert_identical(ours, reference.score(demo_texts), demo_texts)
    # The demo templates are written to read as all three tones.
    assert set(ours.labels) == {"positive", "neutral", "negative"}


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_sentence_identical_to_reference(text, reference, in_process):
    _assert_identical(in_process.score([text]), reference.score([text]), [text])


def test_random_sentences_identical_to_reference(reference, in_process):
    texts = _random_texts(3_000)
    _assert_identical(in_process.score(texts), reference.score(texts), texts)


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
def test_hand_computed_scores(text, compound, pos, neu, neg, in_process):
    scores = in_process.score([text])
    assert (scores.compound[0], scores.pos[0], scores.neu[0], scores.neg[0]) == (
        compound, pos, neu, neg,
    )


def test_parallel_path_matches_in_process(demo_texts, in_process, parallel):
    texts = (demo_texts + TRICKY + _random_texts(500, seed=11)) * 2
    assert len(texts) >= PARALLEL_MIN_TEXTS
    together = parallel.score(texts)
    assert parallel._pool is not None  # the workers did score this batch
    alone = in_process.score(texts)
    for name in ("compound", "pos", "neu", "neg"):
        np.testing.assert_array_equal(getattr(together, name), getattr(alone, name))
    # Small batches stay in-process, in order.
    np.testing.assert_array_equal(parallel.score(TRICKY).compound,
                                  in_process.score(TRICKY).compound)


def test_scorers_implement_the_protocol(in_process, reference):
    for scorer in (in_process, reference, default_scorer()):
        assert isinstance(scorer, SentimentScorer)
    assert in_process.model_version == "vader-3.3.2"
    assert reference.model_version == "vader-3.3.2-reference"
    assert isinstance(default_scorer(), VaderScorer)
    empty = in_process.score([])
    assert len(empty) == 0 and empty.compound.dtype == np.float64


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


def test_score_mentions_schema_rows_and_order(mentions, in_process):
    scored = score_mentions(mentions, in_process, SCORED_AT)
    assert scored.schema.equals(SOCIAL_MENTIONS_SCORED, check_metadata=True)
    assert scored.num_rows == mentions.num_rows > 0
    for name in ("tenant_id", "platform", "post_id", "created_at", "source"):
        assert scored.column(name).equals(mentions.column(name)), name
    texts = mentions.column("text").to_pylist()
    expected = in_process.score(texts)
    np.testing.assert_array_equal(scored.column("compound").to_numpy(), expected.compound)
    np.testing.assert_array_equal(scored.column("neg").to_numpy(), expected.neg)
    assert scored.column("label").to_pylist() == expected.labels.tolist()
    assert set(scored.column("model_version").to_pylist()) == {"vader-3.3.2"}
    assert set(scored.column("scored_at").to_pylist()) == {SCORED_AT}
    # The crisis day reads mostly negative.
    labels = scored.column("label").to_pylist()
    assert labels.count("negative") > labels.count("positive")


def test_score_mentions_labels_at_the_thresholds(mentions):
    compound = [0.05, -0.05, 0.0499, -0.0499, 0.9]
    five = mentions.slice(0, 5)
    scored = score_mentions(five, FixedScorer(compound), SCORED_AT)
    assert scored.column("label").to_pylist() == [
        "positive", "negative", "neutral", "neutral", "positive",
    ]
    assert scored.column("compound").to_pylist() == compound
    assert scored.column("model_version").to_pylist() == ["fixed-1"] * 5
    assert scored.column("post_id").equals(five.column("post_id"))


def test_score_mentions_empty_and_invalid(in_process):
    empty = score_mentions(RAW_SOCIAL_MENTIONS.empty_table(), in_process, SCORED_AT)
    assert empty.num_rows == 0 and empty.schema.equals(SOCIAL_MENTIONS_SCORED)
    with pytest.raises(ValueError, match="timezone-aware"):
        score_mentions(RAW_SOCIAL_MENTIONS.empty_table(), in_process, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="'text'"):
        score_mentions(RAW_SOCIAL_MENTIONS.empty_table().drop_columns(["text"]), in_process,
                       SCORED_AT)
    with pytest.raises(ValueError, match="rows for"):
        score_mentions(_one_mention(), FixedScorer([0.1, 0.2]), SCORED_AT)


def _one_mention() -> pa.Table:
    return generate_day(CONFIG.launch_day, ("acme",), CONFIG, INGESTED_AT).tables[
        "raw_social_mentions"
    ].slice(0, 1)
