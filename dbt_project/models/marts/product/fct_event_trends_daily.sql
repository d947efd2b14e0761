{{ config(
    window_column='event_date',
) }}
-- Daily trends per event and breakdown (utm_source × country × device): total events,
-- distinct persons and revenue. Persons are distinct within a row only: summing them
-- over breakdowns or days overcounts people active in several (docs/analytics-semantics.md).
select
    tenant_id,
    event_date,
    event,
    utm_source,
    country,
    device,
    count(*) as events,
    count(distinct person_id) as persons,
    coalesce(sum(revenue), 0) as revenue
from {{ ref('stg_product__events') }}
where {{ in_window('occurred_at') }}  -- its event_date days (on the raw timestamp: cheaper)
group by tenant_id, event_date, event, utm_source, country, device
