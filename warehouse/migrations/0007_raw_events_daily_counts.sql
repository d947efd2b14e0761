-- Daily counts rollup of raw_events by hot column: per (tenant, UTC day, event, column,
-- value) the number of events, plus '$any' rows over every event, written by
-- warehouse.daily_counts right before the daily actives rollup of the same day and with
-- the same computed_at. The day's newest raw_events_daily_actives batch is the commit
-- record: readers take the counts batch with its computed_at, and only for days whose
-- '$any' actives row still matches raw_events, so a failed or partial write is never read.
-- Batches are kept apart (computed_at is in the key); a refresh deletes the day's older
-- batches once its own is committed.
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
ENGINE = MergeTree
ORDER BY (tenant_id, day, property, event, value, computed_at);
