-- Raw tables (DESIGN §4). Partitions are (tenant, source, UTC day): the unit a source
-- rewrites atomically with REPLACE PARTITION, so one source re-running a day never
-- touches another source's rows for that day.

CREATE TABLE IF NOT EXISTS raw_social_mentions
(
    tenant_id        LowCardinality(String),
    platform         LowCardinality(String),
    post_id          String,
    parent_id        Nullable(String),
    author_id        String,
    author_handle    String,
    author_followers UInt64,
    author_verified  Bool,
    text             String,
    lang             LowCardinality(String),
    url              String,
    created_at       DateTime64(3, 'UTC'),
    likes            UInt64,
    reposts          UInt64,
    replies          UInt64,
    impressions      UInt64,
    matched_brands   Array(String),
    source           LowCardinality(String),
    ingested_at      DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY (tenant_id, source, toDate(created_at))
ORDER BY (tenant_id, platform, created_at, post_id);

CREATE TABLE IF NOT EXISTS raw_events
(
    tenant_id   LowCardinality(String),
    event_id    String,
    event       LowCardinality(String),
    person_id   String,
    session_id  String,
    timestamp   DateTime64(3, 'UTC'),
    properties  Map(String, String),
    url         String,
    referrer    String,
    utm_source  LowCardinality(String),
    country     LowCardinality(String),
    device      LowCardinality(String),
    revenue     Nullable(Float64),
    source      LowCardinality(String),
    ingested_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY (tenant_id, source, toDate(timestamp))
ORDER BY (tenant_id, event, timestamp, person_id);

CREATE TABLE IF NOT EXISTS raw_connector_records
(
    tenant_id   LowCardinality(String),
    connector   LowCardinality(String),
    record_type LowCardinality(String),
    record_id   String,
    occurred_at DateTime64(3, 'UTC'),
    amount      Nullable(Float64),
    currency    LowCardinality(String),
    payload     String,
    source      LowCardinality(String),
    ingested_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY (tenant_id, source, toDate(occurred_at))
ORDER BY (tenant_id, connector, record_type, occurred_at, record_id);

-- Rows that failed validation, kept with the reason. Partitioned like the data they
-- belong to, so re-running a source-day replaces its quarantine rows too.
CREATE TABLE IF NOT EXISTS quarantine
(
    tenant_id      LowCardinality(String),
    source         LowCardinality(String),
    target_table   LowCardinality(String),
    partition_date Date,
    file           String,
    line_number    UInt64,
    raw            String,
    reason         String,
    ingested_at    DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY (tenant_id, source, partition_date)
ORDER BY (tenant_id, source, partition_date, file, line_number);
