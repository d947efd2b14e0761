"""Sentiment benchmark → bench/results/sentiment.json.

Figures (docs/sentiment.md, issue 18):
- 3-class accuracy and macro-F1 on the TweetEval test set (12,284 tweets) and the
  Sentiment140 test set (498) of: the default scorer (the committed trained model),
  VADER (the vaderSentiment package), and a TF-IDF (word 1–2 + char 2–5 grams) + logistic
  regression baseline (scikit-learn) trained in this run on SemEval 2013–2016;
- scoring throughput of the default scorer in posts/s (best of `--runs`, one process) on
  the TweetEval test tweets and on 120,000 generated demo posts, and its peak memory
  (VmHWM of a child process scoring the demo posts in one call), beside VADER's rate.

Labels of every scorer come from its compound score and the ±0.05 thresholds, as the
stored rows are labelled. The data sit outside the repository in
../shared/data/sentiment (never copied in); without them the benchmark says so and
exits 0 without writing. Run: `.venv/bin/python bench/sentiment_bench.py`. Wall-clock
figures drop under other load (the 1-minute load average at the start is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from timing import best_of  # bench/ is sys.path[0] when run as a script

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "sentiment"
RESULTS = Path(__file__).parent / "results" / "sentiment.json"
TEST_SETS = {
    "tweeteval_test": "tweeteval_sentiment_test.csv",
    "sentiment140_test": "sentiment140_test_3class.csv",
}
TARGETS = {
    "tweeteval_test_accuracy": 0.64,
    "sentiment140_test_accuracy": 0.76,
    "posts_per_s": 25_000,
}
TENANTS = ("acme", "globex", "initech")

# Scores the demo posts in a fresh process and reports its peak memory.
PEAK_MEMORY = """
import json, sys, time
sys.path.insert(0, {root!r})
def rss(field):
    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith(field))
from ingestion.sentiment import TrainedScorer
texts = json.load(open({texts!r}))
scorer = TrainedScorer.from_file()
loaded = rss('VmRSS')
started = time.perf_counter()
scorer.score(texts)
print(json.dumps({{"seconds": time.perf_counter() - started, "rss_after_load_kib": loaded,
                  "vmhwm_kib": rss('VmHWM')}}))
"""


def demo_posts(posts: int) -> list[str]:
    """Texts of generated demo posts (3 tenants, days around the launch and the crisis)."""
    from ingestion.demo import DemoConfig, generate_day

    first, last = date(2026, 1, 1), date(2026, 1, 28)
    per_day = -(-posts // (len(TENANTS) * 7))
    config = DemoConfig.for_window(first, last, new_visitors_per_day=0, mentions_per_day=per_day)
    days = sorted(
        (first + timedelta(days=i) for i in range((last - first).days + 1)),
        key=lambda d: (d not in (config.crisis_day, config.launch_day), d),
    )
    texts: list[str] = []
    for day in days:
        batch = generate_day(day, TENANTS, config, datetime(2026, 2, 1, tzinfo=UTC))
        texts += batch.tables["raw_social_mentions"].column("text").to_pylist()
        if len(texts) >= posts:
            break
    return texts[:posts]


def tfidf_baseline(train_texts: list[str], train_labels: list[int]):
    """Return a fitted scikit-learn TF-IDF (word 1–2 + char 2–5) + logistic regression,
    scikit-learn's defaults otherwise (the issue's reference point)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2)),
        TfidfVectorizer(analyzer="char", ngram_range=(2, 5)),
    )
    model = make_pipeline(features, LogisticRegression(max_iter=1000))
    return model.fit(train_texts, train_labels)


def peak_memory(texts: list[str]) -> dict:
    """Score `texts` with the default model in a child process; its peak memory."""
    path = RESULTS.with_suffix(".texts.tmp")
    path.write_text(json.dumps(texts))
    try:
        out = subprocess.run(
            [sys.executable, "-c", PEAK_MEMORY.format(root=str(ROOT), texts=str(path))],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        path.unlink()
    child = json.loads(out)
    return {
        "posts": len(texts),
        "peak_rss_mib": round(child["vmhwm_kib"] / 1024),
        "rss_after_loading_mib": round(child["rss_after_load_kib"] / 1024),
        "posts_per_s": round(len(texts) / child["seconds"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--demo-posts", type=int, default=120_000)
    parser.add_argument("--vader-posts", type=int, default=3_000)
    args = parser.parse_args()
    from rich.console import Console

    console = Console()
    if not DATA.is_dir():
        console.print(
            f"[yellow]skipped:[/] {DATA} is absent (public labelled sets, "
            "see issue 18); nothing written"
        )
        return
    import numpy as np

    from ingestion.sentiment import TrainedScorer, VaderScorer
    from ingestion.sentiment.evaluation import evaluate_scorer, label_metrics
    from ingestion.sentiment.labelled import read_labelled

    load_1m = os.getloadavg()[0]
    tests = {name: read_labelled([DATA / file]) for name, file in TEST_SETS.items()}
    default, vader = TrainedScorer.from_file(), VaderScorer()
    accuracy: dict[str, dict] = {"default": {}, "vader": {}, "tfidf_logreg": {}}
    for name, data in tests.items():
        with console.status(f"default and VADER on {name} ({len(data):,} posts)…"):
            accuracy["default"][name] = evaluate_scorer(default, data.texts, data.labels)
            accuracy["vader"][name] = evaluate_scorer(vader, data.texts, data.labels)

    train = read_labelled(sorted((DATA / "semeval2013_2016").glob("*.tsv")))
    with console.status(f"TF-IDF + logistic regression: fitting on {len(train):,} posts…"):
        started = time.perf_counter()
        baseline = tfidf_baseline(train.texts, train.labels)
        baseline_fit_s = time.perf_counter() - started
    for name, data in tests.items():
        predicted = baseline.predict(data.texts)
        accuracy["tfidf_logreg"][name] = label_metrics(data.labels, predicted)

    with console.status("throughput…"):
        tweets = tests["tweeteval_test"].texts
        default.score(tweets[:1_000])  # warm-up: lexicon hashes, power tables
        tweets_s = best_of(args.runs, lambda: default.score(tweets))
        demo = demo_posts(args.demo_posts)
        demo_s = best_of(args.runs, lambda: default.score(demo))
        sample = tweets[: args.vader_posts]
        vader_s = best_of(1, lambda: vader.score(sample))
        memory = peak_memory(demo)

    def summary(scorer: str) -> dict:
        return {
            name: {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}
            for name, m in accuracy[scorer].items()
        }

    figures = {
        "default_model_version": default.model_version,
        "summary": {scorer: summary(scorer) for scorer in accuracy},
        "targets": TARGETS,
        "meets_targets": {
            "tweeteval_test_accuracy": accuracy["default"]["tweeteval_test"]["accuracy"]
            >= TARGETS["tweeteval_test_accuracy"],
            "sentiment140_test_accuracy": accuracy["default"]["sentiment140_test"]["accuracy"]
            >= TARGETS["sentiment140_test_accuracy"],
            "posts_per_s": min(len(tweets) / tweets_s, len(demo) / demo_s)
            >= TARGETS["posts_per_s"],
        },
        "throughput": {
            "default_tweeteval_posts_per_s": round(len(tweets) / tweets_s),
            "default_demo_posts_per_s": round(len(demo) / demo_s),
            "processes": 1,
            "demo_posts": len(demo),
            "vader_tweeteval_posts_per_s": round(len(sample) / vader_s),
            "vader_posts": len(sample),
            "default_peak_memory": memory,
            "runs": args.runs,
        },
        "tfidf_logreg": {
            "trained_on": train.files,
            "rows": len(train),
            "fit_seconds": round(baseline_fit_s, 1),
        },
        "test_files": {name: data.files for name, data in tests.items()},
        "metrics": accuracy,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "load_average_1m_at_start": round(load_1m, 2),
            "numpy": np.__version__,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    console.print(figures["summary"], figures["throughput"], figures["meets_targets"])
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
