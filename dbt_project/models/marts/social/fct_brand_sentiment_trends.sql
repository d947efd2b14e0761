{%- set window_days = var('sentiment_trend_window_days') | int -%}
{%- set half_days = window_days // 2 -%}
{{ config(
    window_column='as_of_date',
) }}
-- Sentiment trend per brand (DESIGN §7, half-split rule): over the trailing
-- {{ window_days }} days ending as_of_date, the average compound of original mentions in
-- the recent half minus that of the older half; > +threshold improving, < -threshold declining (var sentiment_trend_threshold), else
-- stable. Halves are floor(window / 2) days each; with an odd window the middle day
-- belongs to neither half. An as_of_date is a day with social data for the tenant.
with daily as (
    select
        tenant_id,
        mention_date,
        brand,
        sum(mentions) as mentions,
        sum(scored_mentions) as scored_mentions,
        sum(compound_sum) as compound_sum
    from {{ ref('fct_brand_sentiment_daily') }}
    where {{ in_window('mention_date', window_days - 1) }}
    group by tenant_id, mention_date, brand
),

as_of_days as (
    select distinct
        tenant_id,
        mention_date as as_of_date
    from daily
    where {{ in_model_window('mention_date') }}
),

halves as (
    select
        as_of_days.tenant_id,
        as_of_days.as_of_date,
        daily.brand,
        daily.mentions,
        daily.scored_mentions,
        daily.compound_sum,
        case
            when as_of_days.as_of_date - daily.mention_date < {{ half_days }} then 'second'
            when as_of_days.as_of_date - daily.mention_date >= {{ window_days - half_days }}
                then 'first'
        end as half
    from as_of_days
    inner join daily
        on as_of_days.tenant_id = daily.tenant_id
        and daily.mention_date > as_of_days.as_of_date - {{ window_days }}
        and daily.mention_date <= as_of_days.as_of_date
),

by_half as (
    select
        tenant_id,
        as_of_date,
        brand,
        coalesce(sum(mentions) filter (where half = 'first'), 0) as first_half_mentions,
        coalesce(sum(mentions) filter (where half = 'second'), 0) as second_half_mentions,
        count(*) filter (where half = 'first' and mentions > 0) as first_half_days,
        count(*) filter (where half = 'second' and mentions > 0) as second_half_days,
        cast(sum(compound_sum) filter (where half = 'first') as double)
            / nullif(sum(scored_mentions) filter (where half = 'first'), 0) as first_half_avg,
        cast(sum(compound_sum) filter (where half = 'second') as double)
            / nullif(sum(scored_mentions) filter (where half = 'second'), 0) as second_half_avg
    from halves
    where half is not null
    group by tenant_id, as_of_date, brand
)

select
    tenant_id,
    as_of_date,
    brand,
    {{ window_days }} as window_days,
    cast(as_of_date - interval {{ window_days - 1 }} day as date) as window_start_date,
    first_half_mentions,
    second_half_mentions,
    first_half_days,
    second_half_days,
    first_half_avg,
    second_half_avg,
    second_half_avg - first_half_avg as change,
    case
        when second_half_avg - first_half_avg > {{ var('sentiment_trend_threshold') }} then 'improving'
        when second_half_avg - first_half_avg < -{{ var('sentiment_trend_threshold') }} then 'declining'
        else 'stable'
    end as trend
from by_half
where first_half_avg is not null
    and second_half_avg is not null
