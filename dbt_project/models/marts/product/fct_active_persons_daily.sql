{{ config(
    materialized='incremental',
    incremental_strategy='window_replace',
    window_column='activity_date',
) }}
-- Daily, weekly and monthly active persons per event ('$any' = any event) with PostHog
-- semantics: dau = distinct persons that day; weekly_active / monthly_active = distinct
-- persons over the trailing 7 / 30 days ending that day, which reach before the window.
-- Every day from the window start to the last loaded day gets a row (zero-filled).
with person_days as (
    select tenant_id, activity_date, event, person_id
    from {{ ref('int_person_days_active') }}
    where {{ in_window('activity_date', 29) }}
    union all
    select distinct tenant_id, activity_date, '$any' as event, person_id
    from {{ ref('int_person_days_active') }}
    where {{ in_window('activity_date', 29) }}
),

loaded as (
    -- the last day a tenant has any data: days after an event's last use still get rows
    select tenant_id, max(activity_date) as last_day
    from person_days
    group by tenant_id
),

series as (
    select p.tenant_id, p.event, min(p.activity_date) as first_day, max(l.last_day) as last_day
    from person_days as p
    join loaded as l on l.tenant_id = p.tenant_id
    group by p.tenant_id, p.event
),

spine as (
    select s.tenant_id, s.event, cast(d.day as date) as activity_date
    from series as s,
        generate_series(
            cast(greatest(s.first_day, {{ window_start() }}) as timestamp),
            cast(s.last_day as timestamp),
            interval 1 day
        ) as d(day)
),

actives as (
    select
        spine.tenant_id,
        spine.event,
        spine.activity_date,
        count(distinct case when p.activity_date = spine.activity_date then p.person_id end)
            as dau,
        count(distinct case when p.activity_date > spine.activity_date - 7 then p.person_id end)
            as weekly_active,
        count(distinct p.person_id) as monthly_active
    from spine
    left join person_days as p
        on p.tenant_id = spine.tenant_id
        and p.event = spine.event
        and p.activity_date between spine.activity_date - 29 and spine.activity_date
    group by spine.tenant_id, spine.event, spine.activity_date
)

select tenant_id, activity_date, event, dau, weekly_active, monthly_active
from actives
where {{ in_model_window('activity_date') }}
