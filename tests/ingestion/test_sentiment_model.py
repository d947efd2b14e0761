"""Tests of the trained sentiment model: features, fit, compound, reproducibility, files.

Every model here is trained on the tiny hand-written set of tests/sentiment_samples.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

from ingestion.sentiment import SentimentScorer, TrainedScorer
from ingestion.sentiment.features import _hash_bytes, _Hasher, featurise, normalise
from ingestion.sentiment.labelled import LabelledSet
from ingestion.sentiment.linear_model import CLASSES, LinearModel, nb_scale
from ingestion.sentiment.trained import compound_from_probabilities
from ingestion.sentiment.training import TrainingOptions, train_model, write_model
from tests.sentiment_samples import TINY_SET

BITS = 12
OPTIONS = TrainingOptions(bits=BITS, l2=1e-3, max_iter=200, seed=5, holdout=0.0)


def _tiny() -> LabelledSet:
    return LabelledSet(
        [t for t, _ in TINY_SET],
        [CLASSES.index(label) for _, label in TINY_SET],
        {"tiny.csv": "0" * 64},
    )


@pytest.fixture(scope="module")
def trained() -> tuple[LinearModel, dict]:
    return train_model(_tiny(), OPTIONS)


def test_normalise_users_urls_repeats_and_case():
    assert normalise("@Bob LOOOVE it https://x.co/a?b=1 www.y.org ’ok’") == (
        "@user loove it http http 'ok'"
    )


def test_prefix_hash_equals_the_per_word_hash():
    data = np.frombuffer("naïve café good".encode(), dtype=np.uint8)
    hasher = _Hasher(data)
    starts, ends = np.array([0, 7, 13]), np.array([6, 12, 17])
    assert hasher(starts, ends).tolist() == _hash_bytes(["naïve", "café", "good"]).tolist()


def test_features_of_a_text_do_not_depend_on_its_batch():
    texts = ["I love it", "", "worst outage ever\nreally", "not good", "ok 👍"]
    alone = [featurise([t], BITS) for t in texts]
    together = featurise(texts, BITS)
    assert together.empty.tolist() == [False, True, False, False, False]
    for i, single in enumerate(alone):
        mine = together.docs == i
        assert sorted(together.buckets[mine].tolist()) == sorted(single.buckets.tolist())
        np.testing.assert_allclose(together.dense[i], single.dense[0])


def test_negation_and_lexicon_features():
    good, not_good, nothing = featurise(["good", "not good", "the dashboard"], BITS).dense
    # good = 1.9 in VADER's lexicon: 1.9 / sqrt(1.9² + 15) = 0.4404; negated 1.9 · -0.74.
    assert good[0] == pytest.approx(0.4404, abs=1e-4)
    assert not_good[1] == pytest.approx(1.9 * -0.74 / 4)
    assert nothing.tolist() == [0.0] * 6


def test_compound_picks_the_most_likely_class_at_the_thresholds():
    rng = np.random.default_rng(3)
    probabilities = rng.dirichlet([1.0, 1.0, 1.0], size=5_000)
    # Near-ties of a polar class and neutral, where rounding could cross 0.05.
    near = np.array([[0.1, 0.45 + e, 0.45 - e] for e in (1e-6, 1e-5, 5e-5, -1e-6, -5e-5)])
    probabilities = np.vstack([probabilities, near])
    compound = compound_from_probabilities(probabilities)
    assert ((compound >= -1) & (compound <= 1)).all()
    labels = np.where(compound >= 0.05, 2, np.where(compound <= -0.05, 0, 1))
    assert (labels == probabilities.argmax(axis=1)).all()
    # Hand-computed: P(neg, neu, pos) = (0.1, 0.2, 0.7): 0.05 + 0.95 · (0.7 − 0.2) = 0.525;
    # (0.3, 0.6, 0.1): neutral leads by 0.3, leaning negative: −0.05 · 0.7 = −0.035.
    fixed = compound_from_probabilities(
        np.array([[0.1, 0.2, 0.7], [0.3, 0.6, 0.1], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    )
    np.testing.assert_allclose(fixed, [0.525, -0.035, -1.0, 0.0])


def test_tiny_model_reads_its_training_set_and_new_posts(trained):
    model, report = trained
    scorer = TrainedScorer(model)
    assert isinstance(scorer, SentimentScorer)
    scores = scorer.score([t for t, _ in TINY_SET])
    assert scores.labels.tolist() == [label for _, label in TINY_SET]
    unseen = scorer.score(["love it, great team", "terrible outage, so angry", ""])
    assert unseen.labels.tolist() == ["positive", "negative", "neutral"]
    assert (unseen.compound[2], unseen.pos[2], unseen.neu[2], unseen.neg[2]) == (0, 0, 0, 0)
    np.testing.assert_allclose((unseen.pos + unseen.neu + unseen.neg)[:2], 1.0, atol=0.002)
    # Rounded as VADER rounds: compound to 4 decimals, the shares to 3.
    np.testing.assert_array_equal(unseen.compound, np.round(unseen.compound, 4))
    np.testing.assert_array_equal(unseen.pos, np.round(unseen.pos, 3))
    assert report["rows"]["trained"] == len(TINY_SET)
    assert report["model_version"] == scorer.model_version == f"linear-{model.digest()[:12]}"


def test_same_data_and_seed_give_identical_weights(trained):
    options = TrainingOptions(bits=BITS, l2=1e-3, max_iter=200, seed=9, holdout=0.2)
    first, first_report = train_model(_tiny(), options)
    second, second_report = train_model(_tiny(), options)
    np.testing.assert_array_equal(first.weights, second.weights)
    np.testing.assert_array_equal(first.bias, second.bias)
    assert first.to_bytes() == second.to_bytes()
    assert first_report["metrics"]["holdout"] == second_report["metrics"]["holdout"]
    assert first_report["rows"]["held_out"] == 6
    # Another seed holds out other rows, so the weights differ.
    other, _ = train_model(
        _tiny(), TrainingOptions(bits=BITS, l2=1e-3, max_iter=200, seed=10, holdout=0.2)
    )
    assert not np.array_equal(first.weights, other.weights)


def test_nb_scale_frees_telling_columns_and_holds_uninformative_ones():
    # Column 0 appears in negative texts only, column 1 in every text, column 2 in none.
    matrix = scipy.sparse.csr_matrix(
        np.array([[0.5, 0.2, 0], [0.9, 0.4, 0], [0, 0.3, 0], [0, 0.1, 0], [0, 0.7, 0], [0, 1, 0]])
    )
    scale = nb_scale(matrix, np.array([0, 0, 1, 1, 2, 2]))
    assert scale.shape == (3, 3)
    negative = CLASSES.index("negative")
    # Negative: p = 1 + (2, 2, 0), q = 1 + (0, 4, 0); both sum to 7.
    assert scale[0, negative] == pytest.approx(np.log(3))  # (3/7) / (1/7)
    assert scale[1, negative] == pytest.approx(-np.log(3 / 5))  # (3/7) / (5/7)
    assert scale[2, negative] == pytest.approx(0.0, abs=1e-12)  # (1/7) / (1/7)
    assert (scale >= 0).all()


def test_nb_scaling_changes_the_fit_but_not_the_model_format(trained):
    model, _ = trained
    plain, report = train_model(
        _tiny(), TrainingOptions(bits=BITS, l2=1e-3, max_iter=200, seed=5, holdout=0.0, nb=False)
    )
    assert OPTIONS.nb and report["options"]["nb"] is False
    assert plain.weights.shape == model.weights.shape
    assert not np.array_equal(plain.weights, model.weights)
    # Lexicon features and the bias are not scaled; both models read the tiny set.
    texts = ["I love it, great day", "this is awful and broken"]
    assert list(TrainedScorer(plain).score(texts).labels) == ["positive", "negative"]


def test_model_file_round_trip_and_report(trained, tmp_path):
    model, report = trained
    model_path, report_path = write_model(model, report, tmp_path / "m.npz")
    assert report_path.name == "m.report.json"
    loaded = LinearModel.load(model_path)
    np.testing.assert_array_equal(loaded.weights, model.weights)
    assert loaded.digest() == model.digest()
    texts = ["I love it", "awful"]
    np.testing.assert_array_equal(
        TrainedScorer.from_file(model_path).score(texts).compound,
        TrainedScorer(model).score(texts).compound,
    )
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a Sightline sentiment model"):
        LinearModel.load(tmp_path / "bad.npz")


def test_training_needs_every_class():
    only_two = LabelledSet(["good", "bad"], [2, 0], {})
    with pytest.raises(ValueError, match="neutral"):
        train_model(only_two, OPTIONS)


def test_scores_do_not_depend_on_the_batch_split(trained, monkeypatch):
    from ingestion.sentiment import trained as trained_module

    model, _ = trained
    texts = [t for t, _ in TINY_SET] * 10
    whole = TrainedScorer(model).score(texts)
    monkeypatch.setattr(trained_module, "BATCH_TEXTS", 7)
    split = TrainedScorer(model).score(texts)
    for name in ("compound", "pos", "neu", "neg"):
        np.testing.assert_array_equal(getattr(split, name), getattr(whole, name))
