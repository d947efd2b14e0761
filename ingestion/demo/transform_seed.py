"""Demo days straight into the transform store's `raw` schema, bypassing ClickHouse.

For the dbt project's tests and benchmarks, which measure dbt alone: the same rows the
load assets would copy from ClickHouse after the demo and sentiment assets ran.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from ingestion.demo import DemoConfig, generate_day
from ingestion.sentiment import SentimentScorer, score_mentions
from warehouse.raw_schemas import RAW_TABLES
from warehouse.settings import load_settings
from warehouse.transform_store import open_transform_store, replace_window


def seed_demo_days(path: Path, first: date, last: date, tenants: tuple[str, ...],
                   scorer: SentimentScorer, config: DemoConfig | None = None,
                   on_day: Callable[[date], None] | None = None) -> None:
    """Write demo raw tables and sentiment scores for [first, last] into the DuckDB `path`.

    `config` defaults to `DemoConfig.for_window(first, last)`; `on_day` is called after
    each day (progress bars).
    """
    config = config or DemoConfig.for_window(first, last)
    settings = load_settings({"SIGHTLINE_HOME": str(path.parent),
                              "SIGHTLINE_DUCKDB_PATH": str(path)})
    with open_transform_store(settings) as con:
        day = first
        while day <= last:
            ingested = datetime.combine(day + timedelta(days=1), time(), UTC)
            batch = generate_day(day, tenants, config, ingested)
            end = day + timedelta(days=1)
            for table, rows in batch.tables.items():
                replace_window(con, table, RAW_TABLES[table][1], day, end, iter([rows]))
            scored = score_mentions(batch.tables["raw_social_mentions"], scorer, ingested)
            replace_window(con, "social_mentions_scored", "created_at", day, end, iter([scored]))
            if on_day:
                on_day(day)
            day = end
