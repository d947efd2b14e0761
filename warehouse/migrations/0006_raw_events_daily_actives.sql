-- Daily actives rollup of raw_events: per (tenant, UTC day, event) the events and the
-- distinct persons, plus one '$any' row per (tenant, day) over every event, written by
-- warehouse.daily_actives after each raw_events partition swap. The ad-hoc dau trend
-- reads it instead of counting distinct persons over raw events, for the days whose
-- '$any' row still matches raw_events (events, first and last timestamp).
-- A refresh writes a whole day as one batch (same computed_at); readers take the
-- day's newest batch, so an event missing from it had no events that day.
CREATE TABLE IF NOT EXISTS raw_events_daily_actives
(
    tenant_id   LowCardinality(String),
    day         Date,
    event       LowCardinality(String),
    events      UInt64,
    persons     UInt64,
    first_at    DateTime64(3, 'UTC'),
    last_at     DateTime64(3, 'UTC'),
    computed_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (tenant_id, day, event);
