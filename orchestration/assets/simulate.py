"""Simulation assets: the scenario library, and wargame outcomes per tenant and day.

`wargame_results` simulates every template for each tenant as of the window's last day,
with market shares measured from the share-of-voice mart over the 30 days before (the
scenario's own numbers when the mart has nothing that matches) and competitor response
history from the `competitor_moves` landing connector. Rows land in
`sim_wargame_results` with one atomic swap per (tenant, day), then its dataset version
is bumped so API caches miss.
"""

import hashlib
import time
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pyarrow as pa
from clickhouse_connect.driver.client import Client

from orchestration.partitions import daily_partitions, single_run, window_days
from orchestration.resources import STORE_POOL, WarehouseResource
from orchestration.sources import landing_source
from simulations import ObservedMove, SimulationConfig, SimulationResult, simulate, templates
from simulations.baselines import apply_baseline
from simulations.library import library_text
from simulations.observed import to_observed_moves
from warehouse.competitor_moves import moves_sql
from warehouse.dataset_versions import publish_versions
from warehouse.partition_writer import write_partition

RESULTS_TABLE = "sim_wargame_results"
SOURCE = "wargame"
BASELINE_DAYS = 30
DEPTH, SIMULATIONS = 3, 20_000


@dg.asset(key=["simulations", "scenario_library"], group_name="simulate", kinds={"yaml"},
          code_version=hashlib.sha256(library_text().encode()).hexdigest()[:12])
def scenario_library() -> dg.MaterializeResult:
    """The wargame scenario templates shipped in `simulations/scenario_library.yaml`,
    validated (a bad template fails here, before any simulation runs)."""
    scenarios = templates()
    return dg.MaterializeResult(metadata={
        "scenarios": dg.MetadataValue.json([
            {"name": s.name, "action": s.action.type.value, "competitors": len(s.competitors)}
            for s in scenarios]),
        "count": len(scenarios),
    })


def _seed(tenant: str, scenario: str, day: date) -> int:
    """A stable seed per (tenant, scenario, day): re-running a day reproduces it exactly."""
    digest = hashlib.sha256(f"{tenant}|{scenario}|{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _tenants(client: Client) -> list[str]:
    rows = client.query("SELECT DISTINCT tenant_id FROM dataset_versions "
                        "WHERE dataset != {t:String} ORDER BY tenant_id",
                        parameters={"t": RESULTS_TABLE}).result_rows
    return [r[0] for r in rows]


def _share_of_voice(client: Client, tenant: str, day: date) -> dict[str, float]:
    rows = client.query(
        "SELECT brand, sum(value) FROM mart_share_of_voice_daily WHERE tenant_id = {t:String} "
        "AND metric = 'mentions' AND mention_date BETWEEN {a:Date} AND {b:Date} GROUP BY brand",
        parameters={"t": tenant, "a": day - timedelta(days=BASELINE_DAYS - 1), "b": day},
    ).result_rows
    total = sum(v or 0 for _, v in rows)
    return {brand: (v or 0) / total for brand, v in rows} if total else {}


def _history(client: Client, tenant: str, day: date) -> list[ObservedMove]:
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
    rows = client.query(moves_sql(with_tenant_predicate=True),
                        parameters={"tenant_id": tenant, "end": end}).result_rows
    return to_observed_moves(rows)


def _row(tenant: str, day: date, baseline: str, result: SimulationResult,
         computed_at: datetime) -> dict[str, object]:
    s, scenario = result.summary, result.scenario
    return {
        "tenant_id": tenant, "source": SOURCE, "as_of_date": day, "scenario": s.scenario_name,
        "action_type": s.action_type, "our_company": s.our_company,
        "competitors": [c.name for c in scenario.competitors], "baseline_source": baseline,
        "our_share": scenario.market.shares[scenario.our_company], "depth": s.depth,
        "simulations": s.simulations, "seed": s.seed,
        **{name: getattr(s, name) for name in (
            "expected_profit_impact", "probability_of_loss", "cvar_10",
            "market_share_change_mean", "market_share_change_p10", "market_share_change_p50",
            "market_share_change_p90", "revenue_change_mean", "revenue_change_p10",
            "revenue_change_p50", "revenue_change_p90", "profit_change_mean",
            "profit_change_std", "profit_change_p10", "profit_change_p50",
            "profit_change_p90", "brand_perception_change_mean")},
        "recommended_counter_move": s.recommended_move, "risk_level": s.recommended_risk_level,
        "confidence": s.recommended_confidence,
        "result_json": result.model_dump_json(), "computed_at": computed_at,
    }


def simulate_tenant_day(client: Client, tenant: str, day: date) -> list[dict[str, object]]:
    """One row per template for `tenant` as of `day` (baselines and history read from
    ClickHouse; the simulations themselves are pure)."""
    voice, history = _share_of_voice(client, tenant, day), _history(client, tenant, day)
    computed_at = datetime.now(UTC)
    rows = []
    for template in templates():
        scenario, baseline = apply_baseline(template, voice)
        config = SimulationConfig(depth=DEPTH, simulations=SIMULATIONS,
                                  seed=_seed(tenant, scenario.name, day))
        rows.append(_row(tenant, day, baseline, simulate(scenario, config, history=history),
                         computed_at))
    return rows


@dg.asset(
    key=["simulations", "wargame_results"],
    deps=[scenario_library, dg.AssetKey(["clickhouse", "mart_share_of_voice_daily"]),
          landing_source("competitor_moves").key],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    pool=STORE_POOL,
    group_name="simulate",
    kinds={"numpy", "clickhouse"},
)
def wargame_results(context: dg.AssetExecutionContext,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every scenario template simulated per tenant as of the window's last day
    (depth 3, 20,000 paths, seeded per tenant/scenario/day) → `sim_wargame_results`."""
    started = time.monotonic()
    day = window_days(context)[-1]
    with warehouse.open(f"wargame {day}") as client:
        tenants = _tenants(client)
        rows = [row for tenant in tenants for row in simulate_tenant_day(client, tenant, day)]
        schema = client.query_arrow(f"SELECT * FROM {RESULTS_TABLE} LIMIT 0").schema
        batch = pa.Table.from_pylist(rows, schema=schema)
        write = write_partition(client, RESULTS_TABLE, SOURCE, day, tenants, [batch])
        versions = publish_versions(client, warehouse.settings().redis_url, RESULTS_TABLE,
                                    write.rows_by_tenant)
    return dg.MaterializeResult(metadata={
        "as_of": day.isoformat(),
        "rows_by_tenant": dg.MetadataValue.json(write.rows_by_tenant),
        "baselines": dg.MetadataValue.json(
            {f"{r['tenant_id']}/{r['scenario']}": r["baseline_source"] for r in rows}),
        "dataset_versions": dg.MetadataValue.json(versions),
        "seconds": round(time.monotonic() - started, 2),
    })


simulate_assets = [scenario_library, wargame_results]
