-- Sentiment of each social mention (DESIGN §4, §7), written by the enrichment asset.
-- Partitioned like raw_social_mentions, so re-scoring a source-day replaces exactly the
-- scores of that day's mentions.
CREATE TABLE IF NOT EXISTS social_mentions_scored
(
    tenant_id     LowCardinality(String),
    platform      LowCardinality(String),
    post_id       String,
    created_at    DateTime64(3, 'UTC'),
    source        LowCardinality(String),
    compound      Float64,
    pos           Float64,
    neu           Float64,
    neg           Float64,
    label         LowCardinality(String),
    model_version LowCardinality(String),
    scored_at     DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY (tenant_id, source, toDate(created_at))
ORDER BY (tenant_id, platform, created_at, post_id);
