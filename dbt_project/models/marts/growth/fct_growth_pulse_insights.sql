{{ config(
    window_column='pulse_date',
) }}
-- Rule-generated growth insights per tenant and day:
--   <metric>:wow          sessions, signups, conversions, revenue: |week-over-week change|
--                         >= 10% low, >= 25% medium, >= 50% high, in either direction;
--   conversion_rate:drop  conversion rate down >= 20% relative to 7 days earlier medium,
--                         >= 40% high. The rate has only this rule: its rises and small
--                         moves already show in the conversions and sessions insights.
-- insight_id = metric || ':' || rule, unique per tenant and day.
{%- set wow_metrics = [
    ('sessions', 'Sessions', 'count'),
    ('signups', 'Signups', 'count'),
    ('conversions', 'Conversions', 'count'),
    ('revenue', 'Revenue', 'money'),
] %}
with pulse as (
    select *
    from {{ ref('fct_growth_pulse_daily') }}
    where {{ in_model_window('pulse_date') }}
),

changes as (
    {%- for metric, label, kind in wow_metrics %}
    select
        tenant_id,
        pulse_date,
        '{{ metric }}' as metric,
        '{{ label }}' as metric_label,
        'wow' as rule,
        '{{ kind }}' as value_kind,
        cast({{ metric }} as double) as value,
        cast({{ metric }}_prev_week as double) as previous_value,
        {{ metric }}_wow_change as change,
        case
            when abs({{ metric }}_wow_change) >= 0.5 then 'high'
            when abs({{ metric }}_wow_change) >= 0.25 then 'medium'
            when abs({{ metric }}_wow_change) >= 0.1 then 'low'
        end as severity
    from pulse
    union all
    {%- endfor %}
    select
        tenant_id,
        pulse_date,
        'conversion_rate' as metric,
        'Conversion rate' as metric_label,
        'drop' as rule,
        'rate' as value_kind,
        conversion_rate as value,
        conversion_rate_prev_week as previous_value,
        conversion_rate_wow_change as change,
        case
            when conversion_rate_wow_change <= -0.4 then 'high'
            when conversion_rate_wow_change <= -0.2 then 'medium'
        end as severity
    from pulse
),

insights as (
    select
        *,
        case when change > 0 then 'up' else 'down' end as direction,
        case severity when 'high' then 3 when 'medium' then 2 when 'low' then 1 end
            as severity_rank
    from changes
    where severity is not null
)

select
    tenant_id,
    pulse_date,
    metric || ':' || rule as insight_id,
    metric,
    rule,
    direction,
    severity,
    severity_rank,
    value,
    previous_value,
    change,
    format(
        '{} {} {}% week over week ({} vs {}).',
        metric_label,
        direction,
        cast(round(abs(change) * 100) as bigint),
        case value_kind
            when 'money' then format('{:,.2f}', value)
            when 'rate' then format('{:.1f}%', 100 * value)
            else format('{:,}', cast(value as bigint))
        end,
        case value_kind
            when 'money' then format('{:,.2f}', previous_value)
            when 'rate' then format('{:.1f}%', 100 * previous_value)
            else format('{:,}', cast(previous_value as bigint))
        end
    ) as text
from insights
