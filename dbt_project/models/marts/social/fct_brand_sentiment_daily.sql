{{ config(
    window_column='mention_date',
) }}
-- Daily volume and sentiment per brand and platform (DESIGN §7). Opinions come from
-- original posts only; reposts add reach and engagement but no extra opinion.
with mentions as (
    select *
    from {{ ref('int_mentions_unnested_by_brand') }}
    where {{ in_model_window('mention_date') }}
),

daily as (
    select
        tenant_id,
        mention_date,
        brand,
        platform,
        count(*) filter (where not is_repost) as mentions,
        count(*) filter (where is_repost) as reposts,
        sum(reach) as reach,
        sum(engagement) as engagement,
        count(*) filter (where not is_repost and sentiment_label = 'positive') as positive,
        count(*) filter (where not is_repost and sentiment_label = 'neutral') as neutral,
        count(*) filter (where not is_repost and sentiment_label = 'negative') as negative,
        count(compound) filter (where not is_repost) as scored_mentions,
        -- compound has 4 decimals (VADER); summing as decimal keeps the average exact and
        -- independent of row order, so rebuilding a window gives identical values
        sum(cast(compound as decimal(18, 6))) filter (where not is_repost) as compound_sum
    from mentions
    group by tenant_id, mention_date, brand, platform
)

select
    tenant_id,
    mention_date,
    brand,
    platform,
    mentions,
    reposts,
    cast(reach as bigint) as reach,
    cast(engagement as bigint) as engagement,
    positive,
    neutral,
    negative,
    positive / nullif(mentions, 0) as positive_share,
    neutral / nullif(mentions, 0) as neutral_share,
    negative / nullif(mentions, 0) as negative_share,
    scored_mentions,
    compound_sum,
    cast(compound_sum as double) / nullif(scored_mentions, 0) as avg_compound,
    (positive - negative) / nullif(mentions, 0) as net_sentiment
from daily
