{%- set half_window_days = var('crisis_half_window_days') | int -%}
{%- set half_days = half_window_days // 2 -%}
{%- set baseline_days = var('crisis_baseline_days') | int -%}
{%- set cooldown_days = var('crisis_cooldown_days') | int -%}
{%- set min_mentions = var('crisis_min_mentions') | int -%}
{%- set min_negative = var('crisis_min_negative') | int -%}
{%- set min_baseline_days = var('crisis_min_baseline_days') | int -%}
{%- set z_threshold = var('crisis_z_threshold') | float -%}
{%- set evidence_posts = var('crisis_evidence_posts') | int -%}
{#- days read before the window: the longest rule lookback, for each day a cooldown can reach -#}
{%- set read_lookback = cooldown_days + [half_window_days - 1, baseline_days] | max -%}
{{ config(
    window_column='alert_date',
) }}
-- Crisis alerts per brand and day (DESIGN §7; tuning notes in _social__models.yml):
--   half_window      average compound of original mentions, recent half of the trailing
--                    {{ half_window_days }} days vs the older half; < -0.3 crisis, < -0.15
--                    warning; both halves need >= {{ min_mentions }} original mentions, and
--                    the recent half must also be 0.15 below the brand's usual sentiment
--                    (median daily average of the previous {{ baseline_days }} days).
--   negative_zscore  negative original mentions of the day vs the mean and stddev of the
--                    previous {{ baseline_days }} days (stddev floored at 1); fires at
--                    z >= {{ z_threshold }} with >= {{ min_negative }} negatives, crisis at 2x.
-- Cooldown: an alert is suppressed when the same brand and rule *triggered* on one of the
-- previous {{ cooldown_days }} days (whether or not that trigger was itself suppressed), so a
-- long episode alerts once at its onset instead of every day.
with daily as (
    select
        tenant_id,
        mention_date,
        brand,
        sum(mentions) as mentions,
        sum(negative) as negative,
        sum(scored_mentions) as scored_mentions,
        sum(compound_sum) as compound_sum
    from {{ ref('fct_brand_sentiment_daily') }}
    where {{ in_window('mention_date', read_lookback) }}
    group by tenant_id, mention_date, brand
),

-- the days with social data for the tenant; a brand absent on such a day has 0 mentions,
-- while days without any data (before the first load, an outage) are not counted at all
tenant_days as (
    select distinct tenant_id, mention_date from daily
),

tenant_brands as (
    select distinct tenant_id, brand from daily
),

brand_days as (
    select
        tenant_days.tenant_id,
        tenant_days.mention_date,
        tenant_brands.brand,
        coalesce(daily.mentions, 0) as mentions,
        coalesce(daily.negative, 0) as negative,
        coalesce(daily.scored_mentions, 0) as scored_mentions,
        coalesce(daily.compound_sum, 0) as compound_sum
    from tenant_days
    inner join tenant_brands
        on tenant_days.tenant_id = tenant_brands.tenant_id
    left join daily
        on tenant_days.tenant_id = daily.tenant_id
        and tenant_days.mention_date = daily.mention_date
        and tenant_brands.brand = daily.brand
),

-- days whose triggers matter: the window and the cooldown days before it
evaluated as (
    select * from brand_days
    where {{ in_window('mention_date', cooldown_days) }}
),

baselines as (
    -- integer sums keep mean and variance exact and independent of row order
    select
        evaluated.tenant_id,
        evaluated.mention_date as alert_date,
        evaluated.brand,
        any_value(evaluated.negative) as negative,
        any_value(evaluated.mentions) as mentions,
        count(baseline.mention_date) as baseline_day_count,
        sum(baseline.negative) as baseline_negative_sum,
        sum(baseline.negative * baseline.negative) as baseline_negative_sq_sum,
        sum(baseline.mentions) as baseline_mentions_sum,
        -- the brand's usual sentiment: the median of its daily averages, which a one- or
        -- two-day spike (a launch) does not move
        median(cast(baseline.compound_sum as double) / nullif(baseline.scored_mentions, 0))
            as baseline_compound_median
    from evaluated
    left join brand_days as baseline
        on evaluated.tenant_id = baseline.tenant_id
        and evaluated.brand = baseline.brand
        and baseline.mention_date >= evaluated.mention_date - {{ baseline_days }}
        and baseline.mention_date < evaluated.mention_date
    group by evaluated.tenant_id, evaluated.mention_date, evaluated.brand
),

zscores as (
    select
        *,
        baseline_negative_sum / nullif(baseline_day_count, 0) as baseline_negative_mean,
        sqrt(greatest(0, (baseline_negative_sq_sum
            - baseline_negative_sum * baseline_negative_sum / nullif(baseline_day_count, 0))
            / nullif(baseline_day_count - 1, 0))) as baseline_negative_stddev
    from baselines
),

half_window as (
    select
        evaluated.tenant_id,
        evaluated.mention_date as alert_date,
        evaluated.brand,
        sum(earlier.mentions) filter (where earlier.mention_date <= evaluated.mention_date
            - {{ half_window_days - half_days }}) as first_half_mentions,
        sum(earlier.mentions) filter (where earlier.mention_date > evaluated.mention_date
            - {{ half_days }}) as second_half_mentions,
        cast(sum(earlier.compound_sum) filter (where earlier.mention_date
            <= evaluated.mention_date - {{ half_window_days - half_days }}) as double)
            / nullif(sum(earlier.scored_mentions) filter (where earlier.mention_date
                <= evaluated.mention_date - {{ half_window_days - half_days }}), 0)
            as first_half_avg,
        cast(sum(earlier.compound_sum) filter (where earlier.mention_date
            > evaluated.mention_date - {{ half_days }}) as double)
            / nullif(sum(earlier.scored_mentions) filter (where earlier.mention_date
                > evaluated.mention_date - {{ half_days }}), 0)
            as second_half_avg
    from evaluated
    inner join brand_days as earlier
        on evaluated.tenant_id = earlier.tenant_id
        and evaluated.brand = earlier.brand
        and earlier.mention_date > evaluated.mention_date - {{ half_window_days }}
        and earlier.mention_date <= evaluated.mention_date
    group by evaluated.tenant_id, evaluated.mention_date, evaluated.brand
),

half_window_triggers as (
    select
        tenant_id,
        alert_date,
        brand,
        'half_window' as rule,
        case
            when second_half_avg - first_half_avg < {{ var('crisis_change') }} then 'crisis'
            else 'warning'
        end as severity,
        second_half_avg as value,
        first_half_avg as baseline,
        second_half_avg - first_half_avg as change,
        cast(null as double) as z_score,
        first_half_mentions,
        second_half_mentions
    from half_window
    inner join baselines using (tenant_id, alert_date, brand)
    where first_half_mentions >= {{ min_mentions }}
        and second_half_mentions >= {{ min_mentions }}
        and second_half_avg - first_half_avg < {{ var('crisis_warning_change') }}
        -- a fall back to the usual level after a positive spike (a launch) is no crisis:
        -- the recent half must also be as far below the brand's usual (median) sentiment
        and coalesce(second_half_avg - baseline_compound_median
                     < {{ var('crisis_warning_change') }}, true)
),

zscore_triggers as (
    select
        tenant_id,
        alert_date,
        brand,
        'negative_zscore' as rule,
        case
            when z_score >= {{ 2 * z_threshold }} then 'crisis' else 'warning'
        end as severity,
        cast(negative as double) as value,
        baseline_negative_mean as baseline,
        negative - baseline_negative_mean as change,
        z_score,
        cast(null as hugeint) as first_half_mentions,
        cast(null as hugeint) as second_half_mentions
    from (
        select
            *,
            (negative - baseline_negative_mean)
                / greatest(baseline_negative_stddev, 1) as z_score
        from zscores
        -- a baseline of a few days says little about the normal level (cold start)
        where baseline_day_count >= greatest({{ min_baseline_days }}, 2)
    ) as scored
    where z_score >= {{ z_threshold }}
        and negative >= {{ min_negative }}
),

triggers as (
    select * from half_window_triggers
    union all
    select * from zscore_triggers
),

alerts as (
    select triggers.*
    from triggers
    where {{ in_model_window('alert_date') }}
        and not exists (
            select 1
            from triggers as previous
            where previous.tenant_id = triggers.tenant_id
                and previous.brand = triggers.brand
                and previous.rule = triggers.rule
                and previous.alert_date < triggers.alert_date
                and previous.alert_date >= triggers.alert_date - {{ cooldown_days }}
        )
),

evidence as (
    select
        tenant_id,
        mention_date,
        brand,
        list(post_id order by evidence_rank) as evidence_post_ids,
        list(platform order by evidence_rank) as evidence_platforms,
        list(text order by evidence_rank) as evidence_texts,
        list(url order by evidence_rank) as evidence_urls
    from (
        select
            tenant_id,
            mention_date,
            brand,
            platform,
            post_id,
            text,
            url,
            row_number() over (
                partition by tenant_id, mention_date, brand
                order by engagement desc, platform, post_id
            ) as evidence_rank
        from {{ ref('int_mentions_unnested_by_brand') }}
        where {{ in_model_window('mention_date') }}
            and not is_repost
            and sentiment_label = 'negative'
    ) as negatives
    where evidence_rank <= {{ evidence_posts }}
    group by tenant_id, mention_date, brand
),

day_stats as (
    select * from zscores where {{ in_model_window('alert_date') }}
)

select
    alerts.tenant_id,
    alerts.alert_date,
    alerts.brand,
    alerts.rule,
    alerts.severity,
    case alerts.severity when 'crisis' then 2 else 1 end as severity_rank,
    alerts.value,
    alerts.baseline,
    alerts.change,
    alerts.z_score,
    cast(alerts.first_half_mentions as bigint) as first_half_mentions,
    cast(alerts.second_half_mentions as bigint) as second_half_mentions,
    cast(day_stats.mentions as bigint) as mentions,
    cast(day_stats.negative as bigint) as negative_mentions,
    day_stats.negative / nullif(day_stats.mentions, 0) as negative_share,
    day_stats.baseline_negative_sum / nullif(day_stats.baseline_mentions_sum, 0)
        as baseline_negative_share,
    coalesce(evidence.evidence_post_ids, []) as evidence_post_ids,
    coalesce(evidence.evidence_platforms, []) as evidence_platforms,
    coalesce(evidence.evidence_texts, []) as evidence_texts,
    coalesce(evidence.evidence_urls, []) as evidence_urls,
    case alerts.rule
        when 'half_window' then format(
            '{}: average sentiment of original mentions fell from {:.2f} to {:.2f} ({:+.2f}) '
            || '{} ({} vs {} mentions).',
            alerts.brand, alerts.baseline, alerts.value, alerts.change,
            '{{ "day over day" if half_days == 1 else "over the last %d days vs the %d before" % (half_days, half_days) }}',
            alerts.second_half_mentions, alerts.first_half_mentions)
        else format(
            '{}: {} negative original mentions vs {:.1f} per day over the previous {} days '
            || '(z = {:.1f}); negative share {:.0f}% vs {:.0f}%.',
            alerts.brand, cast(alerts.value as bigint), alerts.baseline, {{ baseline_days }},
            alerts.z_score, 100 * day_stats.negative / nullif(day_stats.mentions, 0),
            100 * day_stats.baseline_negative_sum / nullif(day_stats.baseline_mentions_sum, 0))
    end as summary
from alerts
left join day_stats
    on alerts.tenant_id = day_stats.tenant_id
    and alerts.alert_date = day_stats.alert_date
    and alerts.brand = day_stats.brand
left join evidence
    on alerts.tenant_id = evidence.tenant_id
    and alerts.alert_date = evidence.mention_date
    and alerts.brand = evidence.brand
