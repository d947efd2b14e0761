{#- Cohorts whose numbers a new day can change start at most this many days before it. -#}
{%- set ns = namespace(lookback=0) -%}
{%- for definition in var('retention') -%}
    {%- for period, n in definition.intervals.items() -%}
        {%- set ns.lookback = [ns.lookback, n * (7 if period == 'week' else 1)] | max -%}
    {%- endfor -%}
{%- endfor -%}
{{ config(
    window_column='cohort_start',
    window_lookback_days=ns.lookback,
) }}
-- Retention cohorts (DESIGN §6) for each definition in var('retention'), by day and by
-- Monday week: `recurring` cohorts hold everyone who did the target event in the
-- period; `first_time` cohorts hold each person once, in the period of their first-ever
-- target event. Offset 0 is the cohort size; offset j counts cohort members with the
-- returning event in period start + j; the cumulative columns count members returning
-- in period j or any later period of the table. Offsets appear once their period has
-- started in the loaded data (the API zero-pads the rest of the triangle).
with last_day as (
    select tenant_id, max(activity_date) as last_activity_date
    from {{ ref('int_person_days_active') }}
    where {{ in_window('activity_date', ns.lookback, ns.lookback) }}
    group by tenant_id
),

{% for definition in var('retention') %}
{% for period, intervals in definition.intervals.items() %}
{% set key = definition.retention_id ~ '_' ~ period %}
{% set table_days = period_days(period, intervals) | int %}
{% for cohort_type in ['recurring', 'first_time'] %}
{% set ckey = key ~ '_' ~ cohort_type %}
members_{{ ckey }} as (
    {% if cohort_type == 'recurring' %}
    select distinct tenant_id, person_key, {{ period_start(period, 'activity_date') }} as cohort_start
    from {{ ref('int_person_days_active') }}
    where event = '{{ definition.target_event }}'
    {% else %}
    select tenant_id, person_key, {{ period_start(period, 'first_seen_date') }} as cohort_start
    from {{ ref('int_persons_first_seen') }}
    where event = '{{ definition.target_event }}'
    {% endif %}
        and {{ in_window(period_start(period, 'activity_date' if cohort_type == 'recurring'
                                      else 'first_seen_date'), table_days) }}
),

returned_{{ ckey }} as (
    -- every offset each member returned in: the members' own activity days, joined
    -- before deduplicating, so only cohort members' days are ever grouped
    select distinct
        m.tenant_id,
        m.cohort_start,
        m.person_key,
        cast(({{ period_start(period, 'a.activity_date') }} - m.cohort_start)
             / {{ period_days(period, 1) }} as integer) as period_offset
    from members_{{ ckey }} as m
    join {{ ref('int_person_days_active') }} as a
        on a.tenant_id = m.tenant_id
        and a.person_key = m.person_key
        and {{ period_start(period, 'a.activity_date') }} > m.cohort_start
        and {{ period_start(period, 'a.activity_date') }} < m.cohort_start + {{ table_days }}
    where {{ in_window('a.activity_date', table_days, table_days) }}
    {% if definition.returning_event != '$any' %}
        and a.event = '{{ definition.returning_event }}'
    {% endif %}
),

cohorts_{{ ckey }} as (
    select tenant_id, cohort_start, count(*) as cohort_size
    from members_{{ ckey }}
    group by tenant_id, cohort_start
),

cells_{{ ckey }} as (
    select
        c.tenant_id,
        c.cohort_start,
        c.cohort_size,
        cast(o.period_offset as integer) as period_offset
    from cohorts_{{ ckey }} as c
    join last_day as l on l.tenant_id = c.tenant_id
    cross join range(0, {{ intervals }}) as o(period_offset)
    where c.cohort_start + {{ period_days(period, 1) }} * cast(o.period_offset as integer)
        <= l.last_activity_date
),

retained_{{ ckey }} as (
    -- members returning in exactly each offset (a member has one row per offset)
    select tenant_id, cohort_start, period_offset, count(*) as retained
    from returned_{{ ckey }}
    group by tenant_id, cohort_start, period_offset
),

furthest_{{ ckey }} as (
    -- members by the furthest offset they returned in
    select tenant_id, cohort_start, furthest_offset, count(*) as members
    from (select tenant_id, cohort_start, person_key, max(period_offset) as furthest_offset
          from returned_{{ ckey }}
          group by tenant_id, cohort_start, person_key)
    group by tenant_id, cohort_start, furthest_offset
),

counted_{{ ckey }} as (
    select
        cells.tenant_id,
        cells.cohort_start,
        cells.period_offset,
        cells.cohort_size,
        case when cells.period_offset = 0 then cells.cohort_size
             else coalesce(any_value(r.retained), 0)
        end as retained,
        case when cells.period_offset = 0 then cells.cohort_size
             else coalesce(sum(f.members), 0)
        end as retained_cumulative
    from cells_{{ ckey }} as cells
    left join retained_{{ ckey }} as r
        on r.tenant_id = cells.tenant_id and r.cohort_start = cells.cohort_start
        and r.period_offset = cells.period_offset
    left join furthest_{{ ckey }} as f
        on f.tenant_id = cells.tenant_id and f.cohort_start = cells.cohort_start
        and f.furthest_offset >= cells.period_offset
    group by cells.tenant_id, cells.cohort_start, cells.period_offset, cells.cohort_size
),
{% endfor %}
{% endfor %}
{% endfor %}

unioned as (
{% for definition in var('retention') %}
{% for period in definition.intervals %}
{% for cohort_type in ['recurring', 'first_time'] %}
    select
        tenant_id,
        '{{ definition.retention_id }}' as retention_id,
        '{{ definition.target_event }}' as target_event,
        '{{ definition.returning_event }}' as returning_event,
        '{{ period }}' as period,
        '{{ cohort_type }}' as cohort_type,
        cohort_start,
        period_offset,
        cohort_size,
        retained,
        retained_cumulative
    from counted_{{ definition.retention_id ~ '_' ~ period ~ '_' ~ cohort_type }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
)

select
    *,
    round(retained / cohort_size, 6) as retention_rate,
    round(retained_cumulative / cohort_size, 6) as retention_rate_cumulative
from unioned
{% if is_incremental() %}
{#- A new day changes cohorts up to one table width back: day cohorts older than that
    but inside the replaced window (sized for the widest, weekly, table) are kept. -#}
{% for definition in var('retention') %}
{% for period, intervals in definition.intervals.items() %}
union all
select * from {{ this }}
where retention_id = '{{ definition.retention_id }}' and period = '{{ period }}'
    and cohort_start >= {{ window_start(ns.lookback) }}
    and cohort_start < {{ window_start(period_days(period, intervals)) }}
{% endfor %}
{% endfor %}
{% endif %}
