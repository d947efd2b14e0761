{{ config(
    window_column='mention_date',
) }}
-- Share of voice per day (DESIGN §7): each brand's part of the day's original mentions,
-- of reach and of engagement (both including reposts). Shares are within one tenant, day
-- and metric; a metric whose day total is 0 has no rows (a share of nothing is undefined).
with brand_days as (
    select
        tenant_id,
        mention_date,
        brand,
        sum(mentions) as mentions,
        sum(reach) as reach,
        sum(engagement) as engagement
    from {{ ref('fct_brand_sentiment_daily') }}
    where {{ in_model_window('mention_date') }}
    group by tenant_id, mention_date, brand
),

metric_values as (
    unpivot brand_days
    on mentions, reach, engagement
    into name metric value value
),

with_totals as (
    select
        tenant_id,
        mention_date,
        metric,
        brand,
        cast(value as bigint) as value,
        sum(value) over (partition by tenant_id, mention_date, metric) as metric_total
    from metric_values
)

select
    tenant_id,
    mention_date,
    metric,
    brand,
    value,
    cast(metric_total as bigint) as metric_total,
    value / metric_total as share,
    rank() over (
        partition by tenant_id, mention_date, metric order by value desc
    ) as brand_rank
from with_totals
where metric_total > 0
