"""Ingestion assets: one per source, each writing its daily partitions of the raw tables."""


import dagster as dg

from ingestion.brands import DEMO_TENANTS
from ingestion.connectors.registry import CONNECTORS, Connector
from ingestion.demo import generate_day
from ingestion.landing.contracts import CONTRACTS, Contract
from ingestion.landing.intake import intake_pending
from ingestion.landing.staging import clear_pending, load_staged_day
from orchestration.assets.source_writes import write_source_days
from orchestration.partitions import daily_partitions, single_run
from orchestration.resources import (
    STORE_POOL,
    DemoResource,
    LandingZoneResource,
    WarehouseResource,
)
from orchestration.sources import CONNECTOR_SOURCES, DEMO, landing_source

PARTITIONED = {
    "partitions_def": daily_partitions,
    "backfill_policy": single_run,
    "pool": STORE_POOL,
    "group_name": "ingest",
}


@dg.asset(key=DEMO.key, kinds={"clickhouse", "python"}, **PARTITIONED)
def demo_feed(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, demo: DemoResource
) -> dg.MaterializeResult:
    """Deterministic demo mentions, product events, revenue lines and GA4 snapshots."""
    tenants, config = demo.tenants(), demo.config()
    return write_source_days(
        context, warehouse, "demo", lambda day: (generate_day(day, tenants, config), tenants)
    )


def _connector_asset(connector: Connector) -> dg.AssetsDefinition:
    @dg.asset(
        key=next(s.key for s in CONNECTOR_SOURCES if s.source == connector.source),
        kinds={"clickhouse", "python"},
        description=f"{connector.name} API → {connector.target_table} (skipped when unconfigured)",
        **PARTITIONED,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.settings().connectors
        reason = connector.skip_reason(settings)
        if reason is not None:
            context.log.info(f"{connector.name} skipped: {reason}")
            return dg.MaterializeResult(metadata={"skipped": reason})
        tracked = DEMO_TENANTS.get(settings.tenant_id)
        brands = tracked.brands if tracked else ()
        return write_source_days(
            context, warehouse, connector.source,
            lambda day: (connector.fetch(settings, brands, day), [settings.tenant_id]),
        )

    return _asset


connector_assets = [_connector_asset(c) for c in CONNECTORS]


@dg.asset(key=["landing", "intake"], group_name="ingest", kinds={"python"})
def landing_intake(landing: LandingZoneResource) -> dg.MaterializeResult:
    """Validate and stage every file waiting in the landing zone (no ClickHouse access)."""
    reports = intake_pending(landing.path, first_day=landing.first_day)
    return dg.MaterializeResult(
        metadata={
            "files": len(reports),
            "failed_files": sum(r.outcome == "failed" for r in reports),
            "files_left_waiting": dg.MetadataValue.json(
                {str(r.file.path): r.error for r in reports if r.outcome == "error"}),
            "rows_staged": sum(r.landed for r in reports),
            "rows_quarantined": sum(r.quarantined for r in reports),
            "days_touched": sorted({d.isoformat() for r in reports for d in r.days}),
        }
    )


def _landing_asset(contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=landing_source(contract.connector).key,
        deps=[landing_intake],
        kinds={"clickhouse", "python"},
        description=f"Staged {contract.connector} files → {contract.target_table}",
        **PARTITIONED,
    )
    def _asset(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        landing: LandingZoneResource,
    ) -> dg.MaterializeResult:
        tokens: dict = {}

        def produce(day):
            staged = load_staged_day(landing.path, contract.connector, day)
            tokens[day] = staged.pending_token
            return (staged.batch, staged.tenants) if staged.tenants else None

        def done(day):
            clear_pending(landing.path, contract.connector, day, tokens[day])

        return write_source_days(context, warehouse, contract.source, produce, done)

    return _asset


landing_assets = [_landing_asset(c) for c in CONTRACTS.values()]

ingest_assets = [demo_feed, *connector_assets, landing_intake, *landing_assets]


