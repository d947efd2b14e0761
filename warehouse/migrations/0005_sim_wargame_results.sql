-- Wargame simulation results: one row per (tenant, as-of day, scenario), written by the
-- `simulations/wargame_results` asset. Partitioned like the raw tables (tenant, source,
-- day) so a re-run of a day swaps that day's rows atomically (warehouse.partition_writer).
CREATE TABLE IF NOT EXISTS sim_wargame_results
(
    tenant_id                     LowCardinality(String),
    source                        LowCardinality(String),
    as_of_date                    Date,
    scenario                      String,
    action_type                   LowCardinality(String),
    our_company                   String,
    competitors                   Array(String),
    baseline_source               LowCardinality(String),
    our_share                     Float64,
    depth                         UInt8,
    simulations                   UInt32,
    seed                          UInt64,
    expected_profit_impact        Float64,
    probability_of_loss           Float64,
    cvar_10                       Float64,
    market_share_change_mean      Float64,
    market_share_change_p10       Float64,
    market_share_change_p50       Float64,
    market_share_change_p90       Float64,
    revenue_change_mean           Float64,
    revenue_change_p10            Float64,
    revenue_change_p50            Float64,
    revenue_change_p90            Float64,
    profit_change_mean            Float64,
    profit_change_std             Float64,
    profit_change_p10             Float64,
    profit_change_p50             Float64,
    profit_change_p90             Float64,
    brand_perception_change_mean  Float64,
    recommended_counter_move      String,
    risk_level                    LowCardinality(String),
    confidence                    Float64,
    result_json                   String,
    computed_at                   DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY (tenant_id, source, as_of_date)
ORDER BY (tenant_id, as_of_date, scenario);
