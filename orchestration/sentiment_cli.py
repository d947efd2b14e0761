"""`sightline sentiment train` and `sightline sentiment evaluate`: the sentiment model's
commands (docs/sentiment.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

sentiment_app = typer.Typer(help="Train and evaluate the sentiment model.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _read(paths: list[Path]):
    from ingestion.sentiment.labelled import LabelledFileError, read_labelled

    try:
        return read_labelled(paths)
    except LabelledFileError as exc:
        raise _fail(str(exc)) from None


def _metrics_tables(title: str, metrics: dict[str, Any]) -> tuple[Table, Table]:
    summary = Table(
        title=f"{title}: accuracy {metrics['accuracy']:.3f}, macro-F1 "
        f"{metrics['macro_f1']:.3f} ({metrics['rows']:,} rows)"
    )
    for column in ("class", "precision", "recall", "F1", "support"):
        summary.add_column(column, justify="left" if column == "class" else "right")
    for name, row in metrics["per_class"].items():
        summary.add_row(
            name,
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            f"{row['support']:,}",
        )
    classes = metrics["confusion"]["classes"]
    confusion = Table(title="confusion (rows: true label, columns: predicted)")
    confusion.add_column("true \\ predicted")
    for name in classes:
        confusion.add_column(name, justify="right")
    for name, row in zip(classes, metrics["confusion"]["rows_true_cols_predicted"], strict=True):
        confusion.add_row(name, *(f"{v:,}" for v in row))
    return summary, confusion


@sentiment_app.command("train")
def train(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Labelled CSV/TSV files (text,label columns) or SemEval TSV (id, label, text)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(help="Model file to write; the report goes beside it as <name>.report.json."),
    ] = Path("sentiment-linear.npz"),
    seed: Annotated[int, typer.Option(help="Seed of the held-out split.")] = 13,
    holdout: Annotated[
        float, typer.Option(help="Share of rows held out to measure the model (0 to 0.5).")
    ] = 0.1,
    evaluate_on: Annotated[
        list[Path] | None,
        typer.Option("--eval", help="Labelled file to measure the model on too (repeatable)."),
    ] = None,
    bits: Annotated[int, typer.Option(help="2**bits hash buckets.")] = 18,
    l2: Annotated[float, typer.Option(help="L2 regularisation strength.")] = 1e-5,
    max_iter: Annotated[int, typer.Option(help="L-BFGS iterations at most.")] = 300,
    balance: Annotated[
        float,
        typer.Option(help="Class balancing: 0 weighs rows equally, 1 weighs classes equally."),
    ] = 1.0,
    idf: Annotated[bool, typer.Option(help="Weigh n-grams by inverse document frequency.")] = True,
    nb: Annotated[
        bool,
        typer.Option(help="NB scaling: penalise weights relative to their log-count ratios."),
    ] = True,
) -> None:
    """Train a sentiment model: same files, options and seed give the same weights."""
    from ingestion.sentiment.training import TrainingOptions, train_model, write_model

    options = TrainingOptions(
        bits=bits,
        l2=l2,
        max_iter=max_iter,
        balance=balance,
        idf=idf,
        seed=seed,
        holdout=holdout,
        nb=nb,
    )
    if not 8 <= bits <= 24:
        raise _fail(f"--bits {bits} is out of range; use 8 to 24 (18 is the default)")
    if not 0 <= holdout <= 0.5:
        raise _fail(f"--holdout {holdout} is out of range; use 0 to 0.5")
    data = _read(files)
    evaluation = {path.name: _read([path]) for path in evaluate_on or []}
    console.print(f"{len(data):,} labelled rows from {len(files)} file(s)")
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("reading", total=None)
        try:
            model, report = train_model(
                data, options, evaluation, step=lambda what: progress.update(task, description=what)
            )
        except ValueError as exc:
            raise _fail(f"{exc}; check the labels of the training files") from None
    try:
        model_path, report_path = write_model(model, report, out)
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}") from None
    for name, metrics in report["metrics"].items():
        for table in _metrics_tables(name, metrics):
            console.print(table)
    console.print(
        f"[green]Wrote[/] {model_path} ({model_path.stat().st_size / 1e6:.1f} MB, "
        f"{report['model_version']}) and {report_path}."
    )
    # Unwrapped, so the line can be copied.
    console.print(f"Use it with SIGHTLINE_SENTIMENT_MODEL={model_path.resolve()}", soft_wrap=True)


@sentiment_app.command("evaluate")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled CSV/TSV file to measure on.")],
    model: Annotated[
        str, typer.Option(help="'trained' (the shipped model), 'vader', or a model file.")
    ] = "trained",
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Print accuracy, macro-F1, per-class metrics and the confusion matrix of a scorer."""
    from ingestion.sentiment.choice import scorer_named
    from ingestion.sentiment.evaluation import evaluate_scorer

    data = _read([file])
    try:
        scorer = scorer_named(model)
    except (ValueError, OSError) as exc:
        raise _fail(str(exc)) from None
    with console.status(f"scoring {len(data):,} texts with {scorer.model_version}…"):
        metrics = evaluate_scorer(scorer, data.texts, data.labels)
    if as_json:
        print(json.dumps({"file": file.name, **metrics}, indent=2))
        return
    for table in _metrics_tables(f"{file.name}, {metrics['model_version']}", metrics):
        console.print(table)
