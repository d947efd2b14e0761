-- Revenue lines (orders) from the revenue connector: one row per order line.
select
    tenant_id,
    record_id as order_line_id,
    occurred_at,
    cast(occurred_at as date) as order_date,
    amount,
    currency,
    json_extract_string(payload, '$.customer_id') as customer_id,
    json_extract_string(payload, '$.product') as product,
    source
from {{ source('connectors', 'records') }}
where record_type = 'revenue_line'
