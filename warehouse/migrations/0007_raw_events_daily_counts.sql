-- Daily counts rollup of raw_events by hot column: per (tenant, UTC day, event, column,
-- value) the number of events, plus '$any' rows over every event, written by
-- warehouse.daily_counts right before the daily actives rollup of the same day and with
-- the same computed_at. The day's newest raw_events_daily_actives batch is the commit
-- record: readers take the counts batch with its computed_at, and only for days whose
-- '$any' actives row still matches raw_events, so a failed or partial write is never read.
-- A new batch replaces the older rows of the same values when parts merge; rows of values
-- a newer batch no longer has stay, older than the committed batch, and are not read.
CREATE TABLE IF NOT EXISTS raw_events_daily_counts
(
    tenant_id   LowCardinality(String),
    day         Date,
    event       LowCardinality(String),
    property    LowCardinality(String),
    value       String,
    events      UInt64,
    computed_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (tenant_id, day, property, event, value);
