{{ config(
    window_column='activity_date',
) }}
-- One row per (tenant, day, event, person): the compact activity record that trailing
-- actives and retention read instead of rescanning raw events. They count and join
-- persons by person_key (macros/person_key.sql).
select
    tenant_id,
    event_date as activity_date,
    event,
    person_id,
    {{ person_key('person_id') }} as person_key,
    count(*) as events
from {{ ref('stg_product__events') }}
where {{ in_window('occurred_at') }}  -- its event_date days (on the raw timestamp: cheaper)
group by tenant_id, event_date, event, person_id
