"""Enrichment: sentiment scores of each day's social mentions (DESIGN §7)."""

import time
from collections import Counter
from datetime import UTC, datetime

import dagster as dg
import pyarrow.compute as pc

from ingestion.sentiment import default_scorer, score_mentions
from orchestration.partitions import daily_partitions, single_run, window_days
from orchestration.resources import STORE_POOL, WarehouseResource
from orchestration.sources import writers_of
from warehouse.dataset_versions import publish_versions
from warehouse.partition_writer import write_partition

SCORED_TABLE = "social_mentions_scored"


@dg.asset(
    key=["enriched", SCORED_TABLE],
    deps=writers_of("raw_social_mentions"),
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    pool=STORE_POOL,
    group_name="enrich",
    kinds={"clickhouse", "python"},
)
def social_mentions_scored(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Score every mention of the window with the default scorer (the trained model, or
    what SIGHTLINE_SENTIMENT_MODEL selects; docs/sentiment.md).

    Each (tenant, source, day) of `raw_social_mentions` is re-scored as a whole and
    swapped in, so re-running a day never leaves scores of mentions that are gone.
    """
    started = time.monotonic()
    scorer = default_scorer()
    scored_at = datetime.now(UTC)
    rows: Counter[str] = Counter()
    by_tenant: Counter[str] = Counter()
    days = window_days(context)
    with warehouse.open(f"sentiment {days[0]}..{days[-1]}") as client:
        for day in days:
            mentions = client.query_arrow(
                "SELECT * FROM raw_social_mentions WHERE toDate(created_at) = {d:Date}",
                parameters={"d": day})
            partitions = client.query(
                "SELECT DISTINCT tenant_id, source FROM raw_social_mentions "
                "WHERE toDate(created_at) = {d:Date} UNION DISTINCT "
                f"SELECT DISTINCT tenant_id, source FROM {SCORED_TABLE} "
                "WHERE toDate(created_at) = {d:Date}", parameters={"d": day}).result_rows
            scored = score_mentions(mentions, scorer, scored_at)
            for source in sorted({s for _, s in partitions}):
                tenants = sorted({t for t, s in partitions if s == source})
                subset = scored.filter(pc.equal(scored["source"], source))
                write = write_partition(client, SCORED_TABLE, source, day, tenants, [subset])
                by_tenant.update({t: 0 for t in tenants} | write.rows_by_tenant)
                for label, count in Counter(subset["label"].to_pylist()).items():
                    rows[label] += count
        publish_versions(client, warehouse.settings().redis_url, SCORED_TABLE, dict(by_tenant))
    return dg.MaterializeResult(metadata={
        "partitions": f"{days[0]} .. {days[-1]} ({len(days)} days)",
        "rows_written": dg.MetadataValue.int(sum(rows.values())),
        "labels": dg.MetadataValue.json(dict(rows)),
        "model_version": scorer.model_version,
        "seconds": round(time.monotonic() - started, 2),
    })
