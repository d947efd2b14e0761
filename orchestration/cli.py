"""`sightline`: the command line of the data team (demo, materialize, backfill, sql, status,
sentiment)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli import keys_app, webhooks_app
from orchestration.sentiment_cli import sentiment_app
from warehouse.settings import Settings, load_settings

# Dagster flags beta/preview parameters at definition time; users can't act on that.
warnings.filterwarnings("ignore", message=r".*(beta|preview).*", category=Warning)

app = typer.Typer(help="Sightline: ingest, transform and serve analytics.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(sentiment_app, name="sentiment")
console = Console()
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _parse_day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{flag} {value!r} is not a date; use YYYY-MM-DD") from None


def _instance(settings: Settings):
    from dagster import DagsterInstance

    from orchestration.runner import ensure_dagster_home

    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home(settings))
    return DagsterInstance.get()


def _chunks(first: date, last: date, size: int) -> list[tuple[date, date]]:
    out, start = [], first
    while start <= last:
        end = min(start + timedelta(days=size - 1), last)
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def _progress() -> Progress:
    """The bar every long command shows: what runs, steps done, time taken."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("steps"), TimeElapsedColumn())
    # The bar keeps the current stdout while runs write to the log file.
    return Progress(*columns, console=Console(file=sys.stdout))


@contextlib.contextmanager
def _runs_logged(settings: Settings) -> Iterator[Path]:
    """Send what runs print (dagster-dbt echoes every dbt event) to logs/runs.log, and turn
    a failed run or a busy store into a clear error."""
    from orchestration.runner import RunFailedError
    from warehouse.store_lock import StoreLockedError

    log_path = settings.home / "logs" / "runs.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log_path.open("a") as sink, contextlib.redirect_stdout(sink):
            yield log_path
    except (RunFailedError, StoreLockedError) as exc:
        raise _fail(f"{exc}\nFix the cause (dbt's output is in {log_path}), then "
                    "re-run the same range: partition writes are idempotent.") from None


def _run_window(settings: Settings, select: str | None, first: date, last: date,
                chunk_days: int) -> dict[str, dict]:
    """Materialize the selection over [first, last] in chunks, with a progress bar driven
    by the runs' step events; return each asset's metadata of its last run."""
    from orchestration.cli_progress import ProgressObserver
    from orchestration.runner import check_window, run_range, select_assets

    try:
        check_window(first, last, settings)
        selection = select_assets(select)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    instance = _instance(settings)
    chunks = _chunks(first, last, chunk_days)
    metadata: dict[str, dict] = {}
    with _progress() as progress:
        observer = ProgressObserver(progress, progress.add_task("materializing"), len(chunks))
        for start, end in chunks:
            observer.start_window(f"{start} → {end}" if start != end else str(start))
            with _runs_logged(settings):
                metadata |= run_range(selection, start, end, instance, observer).metadata
    return metadata


def _print_counts(settings: Settings, first: date | None, last: date | None,
                  seconds: float | None = None) -> None:
    from orchestration.reports import mart_counts, quarantine_counts, table_counts
    from warehouse.clickhouse import open_clickhouse

    with open_clickhouse(settings, purpose="sightline summary") as client:
        counts = table_counts(client, first, last)
        quarantined = quarantine_counts(client)
        marts = mart_counts(client)
    table = Table(title="Raw tables" + (f" {first} → {last}" if first else ""))
    for column in ("table", "source", "rows", "days", "first", "last"):
        table.add_column(column, justify="right" if column in ("rows", "days") else "left")
    for name, source, rows, n_days, lo, hi in counts:
        table.add_row(name, source, f"{rows:,}", str(n_days), lo, hi)
    console.print(table)
    q = Table(title="Quarantine")
    for column in ("tenant", "source", "target table", "rows"):
        q.add_column(column)
    for tenant, source, target, rows in quarantined:
        q.add_row(tenant, source, target, f"{rows:,}")
    console.print(q if quarantined else "[green]Quarantine is empty.[/]")
    m = Table(title="Published marts (ClickHouse)")
    for column in ("mart", "tenant", "rows", "dataset version"):
        m.add_column(column, justify="right" if column in ("rows", "dataset version") else "left")
    for table_name, tenant, rows, version in marts:
        m.add_row(table_name, tenant, f"{rows:,}", str(version))
    console.print(m if marts else "[yellow]No marts published yet.[/]")
    if seconds is not None:
        console.print(f"Done in {seconds:.1f}s.")


@app.command()
def demo(
    days: Annotated[int, typer.Option(help="Days of demo data, ending yesterday (UTC).")] = 30,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after the pipeline.")] = False,
) -> None:
    """Generate demo data, run the whole pipeline for it (ingest, sentiment, dbt marts,
    publish to ClickHouse, wargame simulations), then serve the API with a demo key."""
    from ingestion.connectors.registry import skip_reasons
    from ingestion.landing.samples import write_sample_files
    from orchestration.resources import demo_state_path
    from orchestration.runner import run_job

    started = time.monotonic()
    settings = load_settings()
    if days < 1:
        raise _fail("--days must be at least 1")
    last = datetime.now(UTC).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    if first < settings.partition_start:
        os.environ["SIGHTLINE_PARTITION_START"] = first.isoformat()
        settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    demo_state_path(settings).write_text(
        json.dumps({"first_day": first.isoformat(), "last_day": last.isoformat()}))
    console.print(f"[bold]Sightline demo[/] {first} → {last}, tenants "
                  f"{', '.join(settings.demo_tenants)}, store {settings.chdb_path}")
    for tenant in settings.demo_tenants:
        write_sample_files(settings.landing_dir, tenant, last)
    for name, reason in skip_reasons(settings.connectors).items():
        console.print(f"[dim]connector {name} skipped: {reason}[/]")
    with _runs_logged(settings):
        run_job("landing_intake_job", _instance(settings))
        run_job("scenario_library_job", _instance(settings))
    _run_window(settings, None, first, last, chunk_days=10)
    _print_counts(settings, first, last, time.monotonic() - started)
    if not no_serve:
        _serve_demo(settings)


def _serve_demo(settings: Settings) -> None:
    from api.cli import demo_key, serve
    from orchestration.run_launcher import DagsterRunLauncher

    tenant = settings.demo_tenants[0]
    key = demo_key(settings, tenant)
    base = f"http://{settings.api.host}:{settings.api.port}"
    console.print(f"\n[bold]Web app[/] on {base}/ — sign in with the key below\n"
                  f"[bold]API[/] on {base}/v1 — OpenAPI docs at {base}/docs\n"
                  f"Demo API key for tenant [bold]{tenant}[/] (read, ingest, admin):")
    # Plain prints: the key and the command must not be wrapped by the console width.
    print(f"\n    {key}\n")
    print(f"Try: curl -H 'Authorization: Bearer {key}' {base}/v1/social/share-of-voice")
    console.print("Stop with Ctrl-C.")
    serve(settings, DagsterRunLauncher(settings))


@app.command("serve")
def serve_command() -> None:
    """Serve the web app (http://127.0.0.1:8000/) and the API (/v1, docs at /docs) until
    interrupted."""
    from api.cli import serve
    from orchestration.run_launcher import DagsterRunLauncher

    settings = load_settings()
    serve(settings, DagsterRunLauncher(settings))


@app.command()
def materialize(
    from_: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last day (inclusive), YYYY-MM-DD.")],
    select: Annotated[str | None, typer.Option(
        help="Dagster asset selection, e.g. 'key:raw/demo'. Default: every partitioned asset.")
    ] = None,
) -> None:
    """Materialize assets for a range of days as one run (single-run backfill)."""
    settings = load_settings()
    first, last = _parse_day(from_, "--from"), _parse_day(to, "--to")
    metadata = _run_window(settings, select, first, last, chunk_days=(last - first).days + 1)
    console.print(f"[green]Materialized[/] {first} → {last}.")
    _explain_empty_sources(settings, metadata)


def _explain_empty_sources(settings: Settings, metadata: dict[str, dict]) -> None:
    """Say so when the sources of a run wrote no row, and what to do about waiting files."""
    from ingestion.landing.intake import pending_files

    written = {key: int(meta["rows_written"]) for key, meta in metadata.items()
               if "rows_written" in meta and key.startswith("raw/")}
    waiting = pending_files(settings.landing_dir) if settings.landing_dir.exists() else []
    if written and not sum(written.values()):
        console.print("[yellow]No source wrote a row for these days[/] "
                      f"({', '.join(sorted(written))}).")
    if waiting:
        console.print(f"[yellow]{len(waiting)} file(s) wait in the landing zone[/] and were "
                      "not read by this run: `sightline ingest` lands them now (the "
                      "landing sensor does it under `sightline dev`).")


@app.command()
def ingest() -> None:
    """Land what waits now: validate every waiting landing file (bad lines and files go to
    quarantine with a reason), then write every changed day into ClickHouse. Events,
    webhooks and uploads posted to the API are queryable once this returns."""
    from orchestration.cli_progress import ProgressObserver
    from orchestration.landing_runs import land_pending

    settings = load_settings()
    instance = _instance(settings)
    with _progress() as progress:
        observer = ProgressObserver(progress, progress.add_task("landing"))
        observer.start_window("landing")
        with _runs_logged(settings):
            summary = land_pending(settings, instance, observer)
    console.print(
        f"Files read: {summary.files_read} ({summary.files_failed} failed whole); rows "
        f"staged: {summary.rows_staged:,}; quarantined at intake: "
        f"{summary.rows_quarantined_at_intake:,}.")
    for day, rows in sorted(summary.rows_written.items()):
        console.print(f"  {day}: {rows:,} rows written")
    reasons = summary.reasons_nothing_landed(settings)
    if reasons:
        console.print("[yellow]Nothing landed:[/]")
        for reason in reasons:
            console.print(f"  - {reason}")
    else:
        console.print(f"[green]Landed[/] {sum(summary.rows_written.values()):,} rows.")


@app.command()
def backfill(
    from_: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last day (inclusive), YYYY-MM-DD.")],
    select: Annotated[str | None, typer.Option(help="Dagster asset selection.")] = None,
    chunk_days: Annotated[int, typer.Option(help="Days per run.")] = 7,
) -> None:
    """Backfill a range in runs of --chunk-days days, showing progress per chunk."""
    settings = load_settings()
    first, last = _parse_day(from_, "--from"), _parse_day(to, "--to")
    _run_window(settings, select, first, last, chunk_days=max(1, chunk_days))
    console.print(f"[green]Backfilled[/] {first} → {last}.")


@app.command()
def migrate() -> None:
    """Apply pending ClickHouse migrations."""
    from warehouse.clickhouse import open_clickhouse
    from warehouse.migrate import migrate as apply
    from warehouse.store_lock import StoreLockedError

    settings = load_settings()
    try:
        with open_clickhouse(settings, purpose="sightline migrate") as client:
            applied = apply(client, settings.clickhouse_cluster)
    except StoreLockedError as exc:
        raise _fail(str(exc)) from None
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied) or "nothing to apply"
    console.print(f"Migrations: {names}")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A ClickHouse SQL query.")],
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Run a query against the store and print the result."""
    from warehouse.clickhouse import open_clickhouse
    from warehouse.store_lock import StoreLockedError

    try:
        with open_clickhouse(load_settings(), purpose="sightline sql") as client:
            result = client.query(query)
    except StoreLockedError as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # the engine's message is what the user needs
        raise _fail(str(exc).splitlines()[0]) from None
    names, rows = list(result.column_names), result.result_rows
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps([dict(zip(names, r, strict=True)) for r in rows],
                                    default=str) + "\n")
    elif format is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(names)
        writer.writerows(rows)
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(*names)
        for row in rows:
            table.add_row(*(str(v) for v in row))
        console.print(table)


@app.command()
def status() -> None:
    """Partitions present per table and source, last materializations, quarantine counts."""
    import dagster as dg

    from orchestration.definitions import defs

    settings = load_settings()
    _print_counts(settings, None, None)
    instance = _instance(settings)
    table = Table("asset", "last materialization", "partition")
    for key in sorted(defs.resolve_asset_graph().get_all_asset_keys()):
        event = instance.get_latest_materialization_event(dg.AssetKey(key.path))
        when = datetime.fromtimestamp(event.timestamp, UTC).isoformat(timespec="seconds") \
            if event else "never"
        partition = (event.dagster_event.partition if event and event.dagster_event else "") or ""
        table.add_row(key.to_user_string(), when, partition)
    console.print(table)


@app.command()
def dev() -> None:
    """Start the Dagster UI (`dagster dev`) on this project's DAGSTER_HOME."""
    settings = load_settings()
    from orchestration.runner import ensure_dagster_home

    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home(settings))
    # The dagster executable of this environment, even when the venv is not activated.
    dagster = Path(sys.executable).with_name("dagster")
    os.execv(dagster, [str(dagster), "dev", "-m", "orchestration.definitions"])


if __name__ == "__main__":
    app()
