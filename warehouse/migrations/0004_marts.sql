-- Published marts (DESIGN §4): one table per dbt model in `marts`, named mart_<model
-- without fct_>. Partitioned by (tenant, month of the mart's date column) so a publish
-- swaps whole tenant-months atomically (warehouse/mart_publisher.py). Key columns are
-- the dbt model's unique_combination test; every other column may be NULL.

CREATE TABLE IF NOT EXISTS mart_active_persons_daily
(
    tenant_id      LowCardinality(String),
    activity_date  Date,
    event          LowCardinality(String),
    dau            Nullable(Int64),
    weekly_active  Nullable(Int64),
    monthly_active Nullable(Int64)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(activity_date))
ORDER BY (tenant_id, activity_date, event);

CREATE TABLE IF NOT EXISTS mart_brand_sentiment_daily
(
    tenant_id       LowCardinality(String),
    mention_date    Date,
    brand           LowCardinality(String),
    platform        LowCardinality(String),
    mentions        Nullable(Int64),
    reposts         Nullable(Int64),
    reach           Nullable(Int64),
    engagement      Nullable(Int64),
    positive        Nullable(Int64),
    neutral         Nullable(Int64),
    negative        Nullable(Int64),
    positive_share  Nullable(Float64),
    neutral_share   Nullable(Float64),
    negative_share  Nullable(Float64),
    scored_mentions Nullable(Int64),
    compound_sum    Nullable(Float64),
    avg_compound    Nullable(Float64),
    net_sentiment   Nullable(Float64)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(mention_date))
ORDER BY (tenant_id, mention_date, brand, platform);

CREATE TABLE IF NOT EXISTS mart_brand_sentiment_trends
(
    tenant_id            LowCardinality(String),
    as_of_date           Date,
    brand                LowCardinality(String),
    window_days          Nullable(Int32),
    window_start_date    Nullable(Date),
    first_half_mentions  Nullable(Int64),
    second_half_mentions Nullable(Int64),
    first_half_days      Nullable(Int64),
    second_half_days     Nullable(Int64),
    first_half_avg       Nullable(Float64),
    second_half_avg      Nullable(Float64),
    change               Nullable(Float64),
    trend                LowCardinality(Nullable(String))
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(as_of_date))
ORDER BY (tenant_id, as_of_date, brand);

CREATE TABLE IF NOT EXISTS mart_crisis_alerts
(
    tenant_id               LowCardinality(String),
    alert_date              Date,
    brand                   LowCardinality(String),
    rule                    LowCardinality(String),
    severity                LowCardinality(Nullable(String)),
    severity_rank           Nullable(Int32),
    value                   Nullable(Float64),
    baseline                Nullable(Float64),
    change                  Nullable(Float64),
    z_score                 Nullable(Float64),
    first_half_mentions     Nullable(Int64),
    second_half_mentions    Nullable(Int64),
    mentions                Nullable(Int64),
    negative_mentions       Nullable(Int64),
    negative_share          Nullable(Float64),
    baseline_negative_share Nullable(Float64),
    evidence_post_ids       Array(String),
    evidence_platforms      Array(String),
    evidence_texts          Array(String),
    evidence_urls           Array(String),
    summary                 Nullable(String)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(alert_date))
ORDER BY (tenant_id, alert_date, brand, rule);

CREATE TABLE IF NOT EXISTS mart_event_trends_daily
(
    tenant_id  LowCardinality(String),
    event_date Date,
    event      LowCardinality(String),
    utm_source LowCardinality(String),
    country    LowCardinality(String),
    device     LowCardinality(String),
    events     Nullable(Int64),
    persons    Nullable(Int64),
    revenue    Nullable(Float64)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(event_date))
ORDER BY (tenant_id, event_date, event, utm_source, country, device);

CREATE TABLE IF NOT EXISTS mart_funnel_conversions_daily
(
    tenant_id                    LowCardinality(String),
    funnel_id                    LowCardinality(String),
    entry_date                   Date,
    step                         Int32,
    step_event                   LowCardinality(Nullable(String)),
    funnel_order                 LowCardinality(Nullable(String)),
    persons                      Nullable(Int64),
    conversion_from_first        Nullable(Float64),
    conversion_from_previous     Nullable(Float64),
    avg_seconds_from_previous    Nullable(Float64),
    median_seconds_from_previous Nullable(Float64)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(entry_date))
ORDER BY (tenant_id, funnel_id, entry_date, step);

CREATE TABLE IF NOT EXISTS mart_growth_pulse_alerts
(
    tenant_id      LowCardinality(String),
    pulse_date     Date,
    alert_id       Nullable(String),
    insight_id     String,
    metric         LowCardinality(Nullable(String)),
    rule           LowCardinality(Nullable(String)),
    direction      LowCardinality(Nullable(String)),
    severity       LowCardinality(Nullable(String)),
    severity_rank  Nullable(Int32),
    value          Nullable(Float64),
    previous_value Nullable(Float64),
    change         Nullable(Float64),
    alert_text     Nullable(String),
    insight_text   Nullable(String)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(pulse_date))
ORDER BY (tenant_id, pulse_date, insight_id);

CREATE TABLE IF NOT EXISTS mart_growth_pulse_daily
(
    tenant_id                  LowCardinality(String),
    pulse_date                 Date,
    sessions                   Nullable(Int64),
    sessions_prev_week         Nullable(Int64),
    sessions_wow_change        Nullable(Float64),
    signups                    Nullable(Int64),
    signups_prev_week          Nullable(Int64),
    signups_wow_change         Nullable(Float64),
    conversions                Nullable(Int64),
    conversions_prev_week      Nullable(Int64),
    conversions_wow_change     Nullable(Float64),
    revenue                    Nullable(Float64),
    revenue_prev_week          Nullable(Float64),
    revenue_wow_change         Nullable(Float64),
    conversion_rate            Nullable(Float64),
    conversion_rate_prev_week  Nullable(Float64),
    conversion_rate_wow_change Nullable(Float64),
    order_lines                Nullable(Int64),
    ga4_sessions               Nullable(Int64)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(pulse_date))
ORDER BY (tenant_id, pulse_date);

CREATE TABLE IF NOT EXISTS mart_growth_pulse_insights
(
    tenant_id      LowCardinality(String),
    pulse_date     Date,
    insight_id     String,
    metric         LowCardinality(Nullable(String)),
    rule           LowCardinality(Nullable(String)),
    direction      LowCardinality(Nullable(String)),
    severity       LowCardinality(Nullable(String)),
    severity_rank  Nullable(Int32),
    value          Nullable(Float64),
    previous_value Nullable(Float64),
    change         Nullable(Float64),
    text           Nullable(String)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(pulse_date))
ORDER BY (tenant_id, pulse_date, insight_id);

CREATE TABLE IF NOT EXISTS mart_influencers
(
    tenant_id        LowCardinality(String),
    as_of_date       Date,
    platform         LowCardinality(Nullable(String)),
    author_id        Nullable(String),
    author_handle    Nullable(String),
    influencer_rank  Int64,
    score            Nullable(Float64),
    posts            Nullable(Int64),
    reposts_made     Nullable(Int64),
    total_engagement Nullable(Int64),
    avg_engagement   Nullable(Float64),
    followers        Nullable(UInt64),
    verified         Nullable(Bool),
    brands_mentioned Array(String),
    window_days      Nullable(Int32)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(as_of_date))
ORDER BY (tenant_id, as_of_date, influencer_rank);

CREATE TABLE IF NOT EXISTS mart_retention_cohorts
(
    tenant_id                 LowCardinality(String),
    retention_id              LowCardinality(String),
    target_event              LowCardinality(Nullable(String)),
    returning_event           LowCardinality(Nullable(String)),
    period                    LowCardinality(String),
    cohort_type               LowCardinality(String),
    cohort_start              Date,
    period_offset             Int32,
    cohort_size               Nullable(Int64),
    retained                  Nullable(Int64),
    retained_cumulative       Nullable(Int64),
    retention_rate            Nullable(Float64),
    retention_rate_cumulative Nullable(Float64)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(cohort_start))
ORDER BY (tenant_id, retention_id, period, cohort_type, cohort_start, period_offset);

CREATE TABLE IF NOT EXISTS mart_share_of_voice_daily
(
    tenant_id    LowCardinality(String),
    mention_date Date,
    metric       LowCardinality(String),
    brand        LowCardinality(String),
    value        Nullable(Int64),
    metric_total Nullable(Int64),
    share        Nullable(Float64),
    brand_rank   Nullable(Int64)
)
ENGINE = MergeTree
PARTITION BY (tenant_id, toYYYYMM(mention_date))
ORDER BY (tenant_id, mention_date, metric, brand);
