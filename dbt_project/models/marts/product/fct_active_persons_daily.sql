{%- set window_first = modules.datetime.date.fromisoformat(window_date('min_date')) -%}
{%- set window_length = (modules.datetime.date.fromisoformat(window_date('max_date'))
    - window_first).days -%}
{{ config(
    window_column='activity_date',
) }}
-- Daily, weekly and monthly active persons per event ('$any' = any event) with PostHog
-- semantics: dau = distinct persons that day; weekly_active / monthly_active = distinct
-- persons over the trailing 7 / 30 days ending that day, which reach before the window.
-- Every day from the window start to the tenant's last loaded day gets a row.
--
-- A short window (a daily run) reduces the trailing 30 days to one row per person with
-- their last active day up to each window day D: active on D, within 7 days, within 30
-- days are then plain counts, and '$any' is the latest of a person's per-event days.
-- A long one (backfills, full builds) avoids that days × persons join: a person
-- active on day d counts toward the trailing-7 total of days d .. min(next active day - 1,
-- d + 6). Those spans never overlap for one person, so a running sum of +1 at each span's
-- start and -1 after its end is exactly the distinct count per day.
{% if window_length <= 7 %}
{%- set days = [] -%}
{%- for offset in range(window_length) -%}
    {%- do days.append(window_first + modules.datetime.timedelta(days=offset)) -%}
{%- endfor %}
with per_person as (
    -- each person's first active day in the read range and last one up to each window day
    select
        tenant_id,
        event,
        person_key,
        min(activity_date) as first_active,
        {%- for day in days %}
        max(activity_date) filter (where activity_date <= date '{{ day }}') as last_{{ loop.index }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_person_days_active') }}
    where {{ in_window('activity_date', 29) }}
    group by tenant_id, event, person_key
),

with_any as (
    select * from per_person
    union all
    select
        tenant_id,
        '$any' as event,
        person_key,
        min(first_active),
        {%- for day in days %}
        max(last_{{ loop.index }}){{ ',' if not loop.last }}
        {%- endfor %}
    from per_person
    group by tenant_id, person_key
),

counts as (
    select
        tenant_id,
        event,
        min(first_active) as first_day,
        {%- for day in days %}
        count(*) filter (where last_{{ loop.index }} = date '{{ day }}') as dau_{{ loop.index }},
        count(*) filter (where last_{{ loop.index }} > date '{{ day }}' - 7) as weekly_{{ loop.index }},
        count(last_{{ loop.index }}) filter (where last_{{ loop.index }} > date '{{ day }}' - 30)
            as monthly_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from with_any
    group by tenant_id, event
),

loaded as (
    -- the last day a tenant has any data: days after an event's last use still get rows
    select tenant_id, max(last_{{ days | length }}) as last_day
    from per_person
    group by tenant_id
)

{% for day in days %}
select
    c.tenant_id,
    date '{{ day }}' as activity_date,
    c.event,
    c.dau_{{ loop.index }} as dau,
    c.weekly_{{ loop.index }} as weekly_active,
    c.monthly_{{ loop.index }} as monthly_active
from counts as c
join loaded as l on l.tenant_id = c.tenant_id
where c.first_day <= date '{{ day }}' and date '{{ day }}' <= l.last_day
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% else %}
with person_days as (
    select tenant_id, activity_date, event, person_key
    from {{ ref('int_person_days_active') }}
    where {{ in_window('activity_date', 29) }}
    union all
    select distinct tenant_id, activity_date, '$any' as event, person_key
    from {{ ref('int_person_days_active') }}
    where {{ in_window('activity_date', 29) }}
),

loaded as (
    -- the last day a tenant has any data: days after an event's last use still get rows
    select tenant_id, max(activity_date) as last_day
    from person_days
    group by tenant_id
),

spine as (
    select s.tenant_id, s.event, cast(d.day as date) as day
    from (select tenant_id, event, min(activity_date) as first_day
          from person_days group by tenant_id, event) as s
    join loaded as l on l.tenant_id = s.tenant_id,
        generate_series(cast(s.first_day as timestamp), cast(l.last_day as timestamp),
                        interval 1 day) as d(day)
),

spans as (
    select
        tenant_id,
        event,
        activity_date,
        lead(activity_date) over (
            partition by tenant_id, event, person_key order by activity_date
        ) as next_active_date
    from person_days
),

deltas as (
    -- (day, +dau, +weekly, +monthly) changes; ends are exclusive
    select tenant_id, event, activity_date as day, 1 as dau, 1 as weekly, 1 as monthly
    from spans
    union all
    select tenant_id, event, activity_date + 1, -1, 0, 0
    from spans
    union all
    select tenant_id, event, least(coalesce(next_active_date, activity_date + 7),
                                   activity_date + 7), 0, -1, 0
    from spans
    union all
    select tenant_id, event, least(coalesce(next_active_date, activity_date + 30),
                                   activity_date + 30), 0, 0, -1
    from spans
),

daily_deltas as (
    select tenant_id, event, day, sum(dau) as dau, sum(weekly) as weekly,
           sum(monthly) as monthly
    from deltas
    group by tenant_id, event, day
),

running as (
    select
        spine.tenant_id,
        spine.event,
        spine.day as activity_date,
        sum(coalesce(d.dau, 0)) over w as dau,
        sum(coalesce(d.weekly, 0)) over w as weekly_active,
        sum(coalesce(d.monthly, 0)) over w as monthly_active
    from spine
    left join daily_deltas as d
        on d.tenant_id = spine.tenant_id and d.event = spine.event and d.day = spine.day
    window w as (partition by spine.tenant_id, spine.event order by spine.day
                 rows between unbounded preceding and current row)
)

select
    tenant_id,
    activity_date,
    event,
    cast(dau as bigint) as dau,
    cast(weekly_active as bigint) as weekly_active,
    cast(monthly_active as bigint) as monthly_active
from running
where {{ in_model_window('activity_date') }}
{% endif %}
