"""Custom metrics: formulas over a data source's allow-listed columns, compiled to
ClickHouse SQL with bound parameters, saved per tenant and evaluated by query runners."""
