"""Property filters and property expressions over `raw_events`, as SQL with bound values.

A property is either a hot column of `raw_events` (url, referrer, utm_source, country,
device, revenue), which maps to that column, or any other name, which maps to
`properties[{key:String}]` with the key bound as a parameter. Column names only ever come
from `HOT_COLUMNS`; every value (and every map key) is a server-side parameter, so no
text of a request is ever spliced into SQL.

A missing map key reads as '' (ClickHouse's default for Map lookups), so `is_not_set`
matches a missing key, and comparison operators see ''.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from api.analytics.schemas import PropertyFilter

# Hot columns of raw_events: the only identifiers a request can reach.
HOT_COLUMNS: dict[str, str] = {
    "url": "url",
    "referrer": "referrer",
    "utm_source": "utm_source",
    "country": "country",
    "device": "device",
    "revenue": "revenue",
}
NUMERIC_COLUMNS = frozenset({"revenue"})  # Nullable(Float64); the others are String


class QueryParams:
    """Server-side parameters of one query: `add()` returns a `{name:Type}` placeholder."""

    def __init__(self, initial: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(initial or {})
        self._count = 0

    def add(self, value: Any, type_: str) -> str:
        """Bind `value` as ClickHouse type `type_`; return its placeholder."""
        self._count += 1
        name = f"p{self._count}"
        self.values[name] = value
        return f"{{{name}:{type_}}}"


def property_expr(prop: str, params: QueryParams) -> str:
    """SQL of a property's raw value (String, or Nullable(Float64) for revenue)."""
    column = HOT_COLUMNS.get(prop)
    if column is not None:
        return column
    return f"properties[{params.add(prop, 'String')}]"


def string_expr(prop: str, params: QueryParams) -> str:
    """SQL of a property as a String ('' when unset): breakdown values."""
    if prop in NUMERIC_COLUMNS:
        return f"ifNull(toString({HOT_COLUMNS[prop]}), '')"
    return property_expr(prop, params)


def numeric_expr(prop: str, params: QueryParams) -> str:
    """SQL of a property as Nullable(Float64): NULL when unset or not a number."""
    if prop in NUMERIC_COLUMNS:
        return HOT_COLUMNS[prop]
    return f"toFloat64OrNull({property_expr(prop, params)})"


def _is_set(prop: str, params: QueryParams) -> str:
    if prop in NUMERIC_COLUMNS:
        return f"({HOT_COLUMNS[prop]} IS NOT NULL)"
    if prop in HOT_COLUMNS:
        return f"({HOT_COLUMNS[prop]} != '')"
    return f"mapContains(properties, {params.add(prop, 'String')})"


def _text(value: Any) -> str:
    # JSON numbers compared with string properties read as their usual text ("2", "2.5").
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def filter_sql(flt: PropertyFilter, params: QueryParams) -> str:
    """One filter as a boolean SQL expression."""
    op, prop, value = flt.operator, flt.property, flt.value
    if op == "is_set":
        return _is_set(prop, params)
    if op == "is_not_set":
        return f"NOT {_is_set(prop, params)}"
    if op in ("gt", "gte", "lt", "lte"):
        sign = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return f"({numeric_expr(prop, params)} {sign} {params.add(float(value), 'Float64')})"
    numeric = prop in NUMERIC_COLUMNS
    if op in ("in", "not_in"):
        values = list(value)
        if numeric:
            bound = params.add([float(v) for v in values], "Array(Float64)")
            test = f"has({bound}, {HOT_COLUMNS[prop]})"
        else:
            bound = params.add([_text(v) for v in values], "Array(String)")
            test = f"({property_expr(prop, params)} IN {bound})"
        return f"ifNull({test}, 0)" if op == "in" else f"NOT ifNull({test}, 0)"
    if op in ("eq", "neq"):
        if numeric:
            test = f"ifNull({HOT_COLUMNS[prop]} = {params.add(float(value), 'Float64')}, 0)"
        else:
            test = f"({property_expr(prop, params)} = {params.add(_text(value), 'String')})"
        return test if op == "eq" else f"NOT {test}"
    # contains / not_contains: case-insensitive substring, as PostHog's icontains
    text = string_expr(prop, params)
    test = f"(positionCaseInsensitiveUTF8({text}, {params.add(_text(value), 'String')}) > 0)"
    return test if op == "contains" else f"NOT {test}"


def filters_sql(filters: Iterable[PropertyFilter], params: QueryParams) -> str:
    """All filters ANDed as SQL ('1' when there are none)."""
    parts = [filter_sql(f, params) for f in filters]
    return " AND ".join(parts) if parts else "1"


def event_sql(event: str, params: QueryParams) -> str:
    """Predicate of an event name ('$any' matches every event)."""
    if event == "$any":
        return "1"
    return f"event = {params.add(event, 'String')}"


def events_sql(events: Sequence[str], params: QueryParams) -> str:
    """Predicate of a set of event names ('$any' among them matches every event)."""
    if "$any" in events:
        return "1"
    return f"event IN {params.add(sorted(set(events)), 'Array(String)')}"
