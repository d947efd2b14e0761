-- GA4 daily traffic snapshots: one row per (tenant, day, traffic source).
select
    tenant_id,
    record_id as snapshot_id,
    cast(json_extract_string(payload, '$.date') as date) as snapshot_date,
    json_extract_string(payload, '$.source') as traffic_source,
    cast(json_extract(payload, '$.sessions') as bigint) as sessions,
    cast(json_extract(payload, '$.users') as bigint) as users,
    cast(json_extract(payload, '$.conversions') as bigint) as conversions,
    cast(json_extract(payload, '$.revenue') as double) as revenue,
    source
from {{ source('connectors', 'records') }}
where record_type = 'ga4_daily'
