"""Sentiment benchmark → bench/results/marts.json, key "sentiment".

Figures:
- VaderScorer (our re-implementation, worker processes for large batches) in posts/s on
  all generated demo posts, best of `--runs`, after a warm-up call that starts the
  workers; also its in-process (one core) rate;
- the vaderSentiment package itself (ReferenceVaderScorer, one core) in posts/s on an
  evenly spread subset, and whether both give the same labels and scores on it.

Run: `.venv/bin/python bench/sentiment_bench.py [--posts 120000] [--reference-posts 20000]`.
Other keys of marts.json are kept. Wall-clock figures: other load on the machine lowers
them (the 1-minute load average at the start is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from timing import best_of  # bench/ is sys.path[0] when run as a script

FIRST, LAST = date(2026, 1, 1), date(2026, 1, 28)
TENANTS = ("acme", "globex", "initech")
TARGET_POSTS_PER_S = 25_000
RESULTS = Path(__file__).parent / "results" / "marts.json"


def generate_posts(posts: int, progress) -> list[str]:
    """Demo post texts of 3 tenants over days around the launch and the crisis, at a
    volume that gives at least `posts` texts."""
    from ingestion.demo import DemoConfig, generate_day

    # About a week of days at this volume; no product events (not scored here).
    per_day = -(-posts // (len(TENANTS) * 7))
    config = DemoConfig.for_window(FIRST, LAST, new_visitors_per_day=0, mentions_per_day=per_day)
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    # The launch and crisis days first, then the rest in order, so both are in.
    days.sort(key=lambda d: (d not in (config.crisis_day, config.launch_day), d))
    texts: list[str] = []
    task = progress.add_task("generating demo posts", total=posts)
    for day in days:
        batch = generate_day(day, TENANTS, config, datetime(2026, 2, 1, tzinfo=UTC))
        texts += batch.tables["raw_social_mentions"].column("text").to_pylist()
        progress.update(task, completed=min(len(texts), posts))
        if len(texts) >= posts:
            break
    return texts


def score_reference(texts: list[str], progress):
    """Score `texts` with the package, one text at a time; return (scores, seconds)."""
    import numpy as np

    from ingestion.sentiment import ReferenceVaderScorer, SentimentScores

    scorer = ReferenceVaderScorer()
    task = progress.add_task("reference (vaderSentiment, 1 core)", total=len(texts))
    parts, seconds = [], 0.0
    for start in range(0, len(texts), 1_000):
        chunk = texts[start:start + 1_000]
        started = time.perf_counter()
        parts.append(scorer.score(chunk))
        seconds += time.perf_counter() - started
        progress.advance(task, len(chunk))
    scores = SentimentScores(
        *(np.concatenate([getattr(p, name) for p in parts])
          for name in ("compound", "pos", "neu", "neg"))
    )
    return scores, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=120_000)
    parser.add_argument("--reference-posts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import numpy as np
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn

    from ingestion.sentiment import VaderScorer

    console = Console()
    load_1m = os.getloadavg()[0]
    columns = (*Progress.get_default_columns()[:3], MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        texts = generate_posts(args.posts, progress)
        stride = max(1, len(texts) // args.reference_posts)
        overlap = np.arange(0, len(texts), stride)[: args.reference_posts]
        reference, reference_s = score_reference([texts[i] for i in overlap], progress)
    console.print(f"{len(texts):,} demo posts; reference on {len(overlap):,} of them: "
                  f"{len(overlap) / reference_s:,.0f} posts/s")

    with console.status(f"VaderScorer in-process on {len(texts):,} posts…"):
        single = VaderScorer(workers=1)
        single_s = best_of(1, lambda: single.score(texts))
    with VaderScorer() as ours:
        with console.status(f"VaderScorer, {ours.workers} workers: warm-up (starts them)…"):
            first_s = best_of(1, lambda: ours.score(texts))
        with console.status(f"VaderScorer, {ours.workers} workers: best of {args.runs}…"):
            ours_s = best_of(args.runs, lambda: ours.score(texts))
        scores = ours.score(texts)
        workers = ours.workers

    mine = {name: getattr(scores, name)[overlap] for name in ("compound", "pos", "neu", "neg")}
    labels_identical = bool((scores.labels[overlap] == reference.labels).all())
    scores_identical = all(np.array_equal(mine[n], getattr(reference, n)) for n in mine)
    our_rate = len(texts) / ours_s
    reference_rate = len(overlap) / reference_s
    result = {
        "posts": len(texts),
        "reference_posts": len(overlap),
        "our_posts_per_s": round(our_rate),
        "reference_posts_per_s": round(reference_rate),
        "speedup_vs_reference": round(our_rate / reference_rate, 2),
        "labels_identical": labels_identical,
        "compound_max_abs_diff": float(np.max(np.abs(mine["compound"] - reference.compound))),
        "scores_identical": scores_identical,
        "workers": workers,
        "cpu_count": os.cpu_count(),
        "target_posts_per_s": TARGET_POSTS_PER_S,
        "meets_target": our_rate >= TARGET_POSTS_PER_S,
        "our_single_process_posts_per_s": round(len(texts) / single_s),
        "our_first_call_posts_per_s": round(len(texts) / first_s),
        "runs": args.runs,
        "model_version": VaderScorer.model_version,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "load_average_1m_at_start": round(load_1m, 2)},
    }
    console.print(result)
    # Read just before writing: other benchmarks write their own keys to this file.
    marts = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    marts["sentiment"] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(marts, indent=2) + "\n")
    console.print(f"wrote {RESULTS} (key \"sentiment\")")
    if not (labels_identical and scores_identical):
        console.print("[red]VaderScorer differs from the reference[/red]")
        sys.exit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1]))
    main()
