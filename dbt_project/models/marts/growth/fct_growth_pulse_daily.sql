{{ config(
    window_column='pulse_date',
) }}
-- Daily growth pulse per tenant: product sessions, signups, conversions (purchase events),
-- revenue (revenue-connector lines) and conversion rate, each with its value 7 days
-- earlier and the relative week-over-week change (null when the earlier value is 0 or
-- the earlier day has no data). GA4 sessions are carried for reference only: the pulse
-- counts sessions from our own events. A pulse day is a day with any product, revenue or
-- GA4 data for the tenant. A run aggregates its window and the same days a week earlier,
-- not the days in between (product events by the raw timestamp, cheaper than its date).
{%- set metrics = ['sessions', 'signups', 'conversions', 'revenue', 'conversion_rate'] %}
with product_days as (
    select
        tenant_id,
        event_date as pulse_date,
        count(distinct session_id) as sessions,
        count(*) filter (where event = 'signup') as signups,
        count(*) filter (where event = 'purchase') as conversions
    from {{ ref('stg_product__events') }}
    where {{ in_window_and_days_before('occurred_at', 7) }}
    group by tenant_id, event_date
),

revenue_days as (
    select
        tenant_id,
        order_date as pulse_date,
        -- decimal keeps the sum exact and independent of row order
        sum(cast(amount as decimal(18, 4))) as revenue,
        count(*) as order_lines
    from {{ ref('stg_connectors__revenue_lines') }}
    where {{ in_window_and_days_before('order_date', 7) }}
    group by tenant_id, order_date
),

ga4_days as (
    select
        tenant_id,
        snapshot_date as pulse_date,
        sum(sessions) as ga4_sessions
    from {{ ref('stg_connectors__ga4_daily_snapshots') }}
    where {{ in_window_and_days_before('snapshot_date', 7) }}
    group by tenant_id, snapshot_date
),

pulse_days as (
    select tenant_id, pulse_date from product_days
    union
    select tenant_id, pulse_date from revenue_days
    union
    select tenant_id, pulse_date from ga4_days
),

daily as (
    select
        pulse_days.tenant_id,
        pulse_days.pulse_date,
        coalesce(product_days.sessions, 0) as sessions,
        coalesce(product_days.signups, 0) as signups,
        coalesce(product_days.conversions, 0) as conversions,
        cast(coalesce(revenue_days.revenue, 0) as double) as revenue,
        coalesce(revenue_days.order_lines, 0) as order_lines,
        coalesce(product_days.conversions, 0)
            / nullif(coalesce(product_days.sessions, 0), 0) as conversion_rate,
        ga4_days.ga4_sessions
    from pulse_days
    left join product_days
        on pulse_days.tenant_id = product_days.tenant_id
        and pulse_days.pulse_date = product_days.pulse_date
    left join revenue_days
        on pulse_days.tenant_id = revenue_days.tenant_id
        and pulse_days.pulse_date = revenue_days.pulse_date
    left join ga4_days
        on pulse_days.tenant_id = ga4_days.tenant_id
        and pulse_days.pulse_date = ga4_days.pulse_date
)

select
    today.tenant_id,
    today.pulse_date,
    {%- for metric in metrics %}
    today.{{ metric }},
    week_ago.{{ metric }} as {{ metric }}_prev_week,
    (today.{{ metric }} - week_ago.{{ metric }}) / nullif(week_ago.{{ metric }}, 0)
        as {{ metric }}_wow_change,
    {%- endfor %}
    today.order_lines,
    cast(today.ga4_sessions as bigint) as ga4_sessions
from daily as today
left join daily as week_ago
    on today.tenant_id = week_ago.tenant_id
    and week_ago.pulse_date = today.pulse_date - 7
where {{ in_model_window('today.pulse_date') }}
