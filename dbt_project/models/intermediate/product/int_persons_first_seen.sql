{{ config(
    incremental_strategy='delete+insert',
    unique_key=['tenant_id', 'event', 'person_id'],
    window_column='first_seen_date',
) }}
-- First time each person did each event, over all history. An incremental run only
-- touches persons active in the window and keeps the earlier of the stored and the new
-- first time, so first-time cohorts never rescan raw events. A windowed run tests the
-- persons first seen in the window, against the whole table (macros/test_window.sql).
-- (Backfilling a window whose data shrank can leave a first_seen that no longer exists:
-- rebuild with --full-refresh.)
with window_firsts as (
    select tenant_id, event, person_id, min(occurred_at) as first_seen_at
    from {{ ref('stg_product__events') }}
    where {{ in_window('occurred_at') }}  -- the window's event_date days, on the raw timestamp
    group by tenant_id, event, person_id
),

merged as (
{% if is_incremental() %}
    select
        w.tenant_id,
        w.event,
        w.person_id,
        least(w.first_seen_at, coalesce(t.first_seen_at, w.first_seen_at)) as first_seen_at
    from window_firsts as w
    left join {{ this }} as t
        on t.tenant_id = w.tenant_id and t.event = w.event and t.person_id = w.person_id
{% else %}
    select * from window_firsts
{% endif %}
)

select
    tenant_id,
    event,
    person_id,
    {{ person_key('person_id') }} as person_key,
    first_seen_at,
    cast(first_seen_at as date) as first_seen_date
from merged
