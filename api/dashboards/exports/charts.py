"""One Vega-Lite spec per widget, from its table: the PDF export renders it to SVG (vl-convert,
no browser) and the web app draws the same spec. Colours are the Okabe–Ito palette, which
stays distinguishable under the common colour-vision deficiencies."""

from __future__ import annotations

from typing import Any

from api.dashboards.exports.tables import Table

# Okabe & Ito (2008), "Color Universal Design".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
           "#000000"]
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
_MARKS = {"line": "line", "area": "area", "bar": "bar", "waterfall": "bar", "gauge": "bar"}


def long_records(table: Table) -> list[dict[str, Any]]:
    """The table as (x, series, value) records: one series per number column (named after
    it), or, when a second text column names the series (e.g. brand), one per value of it."""
    texts = [i for i, c in enumerate(table.columns) if c.type != "number" and i > 0]
    numeric = table.numeric
    if not numeric:
        return []
    if texts:
        series, value = texts[0], numeric[0]
        return [{"x": row[0], "series": str(row[series]), "value": row[value]}
                for row in table.rows]
    return [{"x": row[0], "series": table.columns[j].name, "value": row[j]}
            for row in table.rows for j in numeric]


def chart_spec(kind: str, title: str, table: Table) -> dict[str, Any] | None:
    """The Vega-Lite spec of a widget, or None for kinds drawn as text (table, kpi)."""
    records = long_records(table)
    if kind in ("table", "kpi") or not records:
        return None
    x_type = "temporal" if table.columns[0].type == "date" else "nominal"
    base: dict[str, Any] = {"$schema": SCHEMA, "title": title, "width": 480, "height": 240,
                            "data": {"values": records},
                            "config": {"range": {"category": PALETTE},
                                       "axisX": {"grid": False}}}
    x_title = table.columns[0].name
    first = [r for r in records if r["series"] == records[0]["series"]]
    if kind == "pie":  # a pie shows one series: the first number column
        return {**base, "data": {"values": first}, "mark": "arc", "encoding": {
            "theta": {"field": "value", "type": "quantitative"},
            "color": {"field": "x", "type": "nominal", "title": x_title}}}
    if kind in ("heatmap", "retention_grid"):
        # a cohort's size is its own column, not a period of the grid
        cells = [r for r in records if r["series"] != "cohort_size"]
        return {**base, "data": {"values": cells}, "mark": "rect", "encoding": {
            "x": {"field": "series", "type": "ordinal", "sort": None, "title": "period"},
            "y": {"field": "x", "type": "ordinal", "sort": None, "title": x_title},
            "color": {"field": "value", "type": "quantitative", "scale": {"scheme": "blues"}}}}
    if kind == "funnel":
        return {**base, "data": {"values": first}, "mark": "bar", "encoding": {
            "y": {"field": "x", "type": "nominal", "sort": None, "title": x_title},
            "x": {"field": "value", "type": "quantitative", "title": first[0]["series"]}}}
    if kind == "scatter":
        return {**base, "mark": "point", "encoding": {
            "x": {"field": "x", "type": x_type, "title": x_title},
            "y": {"field": "value", "type": "quantitative"},
            "color": {"field": "series", "type": "nominal"}}}
    mark = _MARKS.get(kind, "line")
    # Bars over days are drawn one band per day, not as hairlines on a time axis.
    x_axis = ({"type": "ordinal", "timeUnit": "yearmonthdate"} if mark == "bar" and
              x_type == "temporal" else {"type": x_type})
    return {**base, "mark": {"type": mark, "tooltip": True}, "encoding": {
        "x": {"field": "x", **x_axis, "title": x_title,
              **({} if x_type == "temporal" else {"sort": None})},
        "y": {"field": "value", "type": "quantitative", "title": None},
        "color": {"field": "series", "type": "nominal", "title": None}}}
