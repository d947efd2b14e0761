"""The competitor-move history query (the `competitor_moves` landing connector's rows in
`raw_connector_records`), shared by the simulation asset and the API; the rows it returns
become the engine's moves in `simulations.observed`."""

from __future__ import annotations

# Bind {end:DateTime64(3, 'UTC')}; the tenant predicate is the caller's (a WHERE clause
# for the asset's raw client, the query layer's filter for the API).
MOVES_SQL = (
    "SELECT toDate(occurred_at) AS day, payload FROM raw_connector_records "
    "WHERE record_type = 'competitor_move' AND occurred_at < {end:DateTime64(3, 'UTC')} "
    "{tenant_predicate} ORDER BY occurred_at, record_id"
)


def moves_sql(with_tenant_predicate: bool) -> str:
    """The history query, with `AND tenant_id = {tenant_id:String}` when asked."""
    predicate = "AND tenant_id = {tenant_id:String}" if with_tenant_predicate else ""
    return MOVES_SQL.replace("{tenant_predicate}", predicate)
