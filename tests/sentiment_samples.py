"""A tiny hand-written labelled set: the sentiment tests train on it, never on ../shared."""

from __future__ import annotations

from pathlib import Path

TINY_SET: tuple[tuple[str, str], ...] = (
    ("I love the new dashboard, it is amazing", "positive"),
    ("Great support team, they fixed it in minutes", "positive"),
    ("Best analytics tool we have used. Really happy", "positive"),
    ("Thanks @acme, onboarding was smooth and quick :)", "positive"),
    ("so happy with the release, awesome work!!!", "positive"),
    ("The alerts are fantastic, love them", "positive"),
    ("Wonderful experience with the sales team", "positive"),
    ("Brilliant update, reports load so fast now", "positive"),
    ("Congrats on the launch, looks great", "positive"),
    ("really enjoying the new charts, nice job", "positive"),
    ("The app keeps crashing, this is terrible", "negative"),
    ("Worst update ever. Everything is broken", "negative"),
    ("I hate the new pricing, awful change", "negative"),
    ("Still waiting for my refund, so angry", "negative"),
    ("Outage again?! Lost a whole day of work", "negative"),
    ("Disappointed with support, nobody answers", "negative"),
    ("The data breach is a disaster", "negative"),
    ("not good at all, reports never load", "negative"),
    ("Horrible experience, cancelling today", "negative"),
    ("so frustrated with the sync job failing again", "negative"),
    ("Webinar on data exports next Tuesday", "neutral"),
    ("Anyone using it for reporting at scale?", "neutral"),
    ("Reading the docs on the storage layer", "neutral"),
    ("Meeting with the vendor on Thursday", "neutral"),
    ("The pricing page was updated today", "neutral"),
    ("Has anyone migrated their dashboards yet?", "neutral"),
    ("Our team is evaluating two tools this quarter", "neutral"),
    ("New version 2.3 is out, changelog at http://example.com/log", "neutral"),
    ("Which region hosts the EU data?", "neutral"),
    ("@acme what is the API rate limit?", "neutral"),
)


def write_csv(path: Path, rows: tuple[tuple[str, str], ...] = TINY_SET) -> Path:
    """Write `rows` as a `text,label` CSV at `path` and return it."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path
