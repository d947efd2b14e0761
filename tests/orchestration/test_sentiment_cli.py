"""`sightline sentiment train` and `evaluate` on the tiny hand-written set."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orchestration.cli import app
from tests.sentiment_samples import TINY_SET, write_csv

runner = CliRunner()
SMALL = ["--bits", "12", "--l2", "1e-3", "--max-iter", "200"]


def test_train_writes_a_reproducible_model_and_its_report(tmp_path):
    data = write_csv(tmp_path / "tiny.csv")
    out = tmp_path / "models" / "tiny.npz"
    train = ["sentiment", "train", str(data), "--out", str(out), "--seed", "3",
             "--holdout", "0.2", *SMALL]
    result = runner.invoke(app, [*train, "--eval", str(data)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "confusion" in result.output
    report = json.loads((tmp_path / "models" / "tiny.report.json").read_text())
    assert report["training_files"] == {"tiny.csv": report["training_files"]["tiny.csv"]}
    assert len(report["training_files"]["tiny.csv"]) == 64
    assert report["options"]["seed"] == 3
    assert report["rows"] == {
        "read": 30,
        "duplicates_dropped": 0,
        "trained": 24,
        "held_out": 6,
        "trained_by_class": report["rows"]["trained_by_class"],
    }
    assert set(report["metrics"]) == {"holdout", "tiny.csv"}
    confusion = report["metrics"]["tiny.csv"]["confusion"]["rows_true_cols_predicted"]
    assert sum(map(sum, confusion)) == len(TINY_SET)
    first = out.read_bytes()
    again = runner.invoke(app, train)
    assert again.exit_code == 0, again.output
    assert out.read_bytes() == first  # same data and seed: the same model, byte for byte

    result = runner.invoke(app, ["sentiment", "evaluate", str(data), "--model", str(out), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["model_version"] == report["model_version"]
    assert metrics["rows"] == len(TINY_SET) and 0 <= metrics["accuracy"] <= 1


def test_evaluate_prints_metrics_of_vader_and_the_default(tmp_path):
    data = write_csv(tmp_path / "tiny.csv")
    for model, version in (("vader", "vader-3.3.2"), ("trained", "linear-")):
        result = runner.invoke(app, ["sentiment", "evaluate", str(data), "--model", model])
        assert result.exit_code == 0, result.output
        assert version in result.output and "macro-F1" in result.output
        assert "negative" in result.output and "true \\ predicted" in result.output


def _said(result) -> str:
    return " ".join(result.output.split())  # the console wraps long lines


def test_bad_input_is_a_clear_error(tmp_path):
    bad = tmp_path / "stars.csv"
    bad.write_text("review,stars\ngreat,5\n")
    result = runner.invoke(app, ["sentiment", "train", str(bad), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 2
    assert "lacks 'text' and 'label'" in _said(result)
    result = runner.invoke(app, ["sentiment", "evaluate", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "cannot read" in _said(result)
    data = write_csv(tmp_path / "tiny.csv")
    result = runner.invoke(app, ["sentiment", "evaluate", str(data), "--model", "bert"])
    assert result.exit_code == 2
    assert "neither 'trained', 'vader' nor a model file" in _said(result)
    one_class = write_csv(tmp_path / "one.csv", (("good", "positive"), ("great", "positive")))
    result = runner.invoke(
        app,
        [
            "sentiment",
            "train",
            str(one_class),
            "--holdout",
            "0",
            "--out",
            str(tmp_path / "m.npz"),
            *SMALL,
        ],
    )
    assert result.exit_code == 2 and "every class needs examples" in _said(result)
