-- Product events, renamed and typed: one row per event.
select
    tenant_id,
    event_id,
    event,
    person_id,
    session_id,
    "timestamp" as occurred_at,
    cast("timestamp" as date) as event_date,
    url,
    referrer,
    coalesce(nullif(utm_source, ''), '(none)') as utm_source,
    coalesce(nullif(country, ''), '(none)') as country,
    coalesce(nullif(device, ''), '(none)') as device,
    revenue,
    source
from {{ source('product', 'events') }}
