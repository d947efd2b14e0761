-- Append-only log of dataset versions; the current version of a (dataset, tenant) is
-- the largest one. The API's cache keys include it (DESIGN §9).
CREATE TABLE IF NOT EXISTS dataset_versions
(
    dataset         LowCardinality(String),
    tenant_id       LowCardinality(String),
    version         UInt64,
    materialized_at DateTime64(3, 'UTC'),
    row_count       UInt64
)
ENGINE = MergeTree
ORDER BY (dataset, tenant_id, version);
