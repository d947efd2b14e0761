"""Tests of labelled sentiment files (layouts, clear errors) and of the label metrics."""

from __future__ import annotations

import hashlib

import pytest

from ingestion.sentiment.evaluation import label_metrics
from ingestion.sentiment.labelled import LabelledFileError, read_labelled


def test_csv_tsv_and_semeval_layouts(tmp_path):
    csv_file = tmp_path / "a.csv"
    csv_file.write_text('label,text\nPositive,"great, really"\nneutral,"two\nlines"\n')
    tsv_file = tmp_path / "b.tsv"
    tsv_file.write_text("text\tlabel\nawful\tnegative\n")
    semeval = tmp_path / "twitter-2016train-A.tsv"
    semeval.write_text('1\tnegative\t"don\\u2019t\\u002c ever\n2\tpositive\tyes :)\n')
    data = read_labelled([csv_file, tsv_file, semeval])
    assert data.texts == ["great, really", "two\nlines", "awful", '"don’t, ever', "yes :)"]
    assert data.labels == [2, 1, 0, 0, 2]
    assert data.files["a.csv"] == hashlib.sha256(csv_file.read_bytes()).hexdigest()
    assert len(data) == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("words,stars\nok,5\n", "lacks 'text' and 'label'"),
        ("text,label\nok,great\n", "label 'great' is not one of"),
        ("text,label\n", "holds no labelled rows"),
        ("", "holds no labelled rows"),
        ("1\tpositive\n", "lacks 'text' and 'label'"),
    ],
)
def test_bad_files_say_what_to_do(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(LabelledFileError, match=message) as caught:
        read_labelled([path])
    assert "positive, neutral or negative" in str(caught.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(LabelledFileError, match="cannot read"):
        read_labelled([tmp_path / "nope.csv"])
    binary = tmp_path / "latin1.csv"
    binary.write_bytes("text,label\ncaf\xe9,neutral\n".encode("latin-1"))
    with pytest.raises(LabelledFileError, match="save it as UTF-8"):
        read_labelled([binary])
    with pytest.raises(LabelledFileError, match="no labelled files"):
        read_labelled([])


def test_label_metrics_hand_computed():
    # truth:     neg neg neu neu neu pos
    # predicted: neg neu neu neu pos pos
    metrics = label_metrics([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2])
    assert metrics["accuracy"] == round(4 / 6, 4)
    assert metrics["confusion"]["rows_true_cols_predicted"] == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    # negative: P 1/1, R 1/2, F1 2/3; neutral: P 2/3, R 2/3, F1 2/3; positive: P 1/2, R 1,
    # F1 2/3. Macro-F1 = 2/3.
    assert metrics["per_class"]["negative"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
    }
    assert metrics["macro_f1"] == 0.6667
    with pytest.raises(ValueError, match="equal, non-zero"):
        label_metrics([0], [0, 1])
