"""XLSX export (xlsxwriter): one sheet per widget — its table, and a native chart drawn from
the chart data beside it — and a provenance sheet. The workbook's dates are the data's
as-of time, so the same data gives the same bytes."""

from __future__ import annotations

import io
import re
from datetime import datetime

import xlsxwriter

from api.dashboards.exports.document import ExportDocument, WidgetExport, params_text
from api.dashboards.exports.zipnorm import normalise_zip

_CHARTS = {"line": "line", "area": "area", "bar": "column", "waterfall": "column",
           "gauge": "column", "funnel": "bar", "pie": "pie", "scatter": "scatter"}


def _sheet_names(widgets: list[WidgetExport]) -> list[str]:
    names, seen = [], {"provenance"}
    for widget in widgets:
        base = re.sub(r"[\[\]:*?/\\]", "_", widget.id)[:28] or "widget"
        name, n = base, 2
        while name.lower() in seen:
            name, n = f"{base[:25]}~{n}", n + 1
        seen.add(name.lower())
        names.append(name)
    return names


def _widget_sheet(book, sheet, name: str, widget: WidgetExport, bold) -> None:
    sheet.write(0, 0, widget.title, bold)
    if widget.table is None:
        sheet.write(1, 0, f"not available: {widget.error}")
        return
    table = widget.table
    sheet.write_row(2, 0, [c.name for c in table.columns], bold)
    for r, row in enumerate(table.rows, start=3):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    if widget.kind in ("heatmap", "retention_grid") and table.rows and table.numeric:
        first, last = table.numeric[0], table.numeric[-1]
        sheet.conditional_format(3, first, 2 + len(table.rows), last,
                                 {"type": "2_color_scale", "min_color": "#FFFFFF",
                                  "max_color": "#0072B2"})
    kind = _CHARTS.get(widget.kind)
    xs, series, values = widget.pivot()
    if kind is None or not xs:
        return
    left = len(table.columns) + 1  # the chart data: x down, one column per series
    sheet.write(2, left, "chart data", bold)
    sheet.write_row(2, left + 1, series, bold)
    for i, x in enumerate(xs, start=3):
        sheet.write(i, left, x)
        for j, column in enumerate(values):
            if column[i - 3] is not None:
                sheet.write(i, left + 1 + j, column[i - 3])
    chart = book.add_chart({"type": kind})
    last_row = 2 + len(xs)
    for j, title in enumerate(series[: 1 if kind == "pie" else None]):
        chart.add_series({"name": title, "categories": [name, 3, left, last_row, left],
                          "values": [name, 3, left + 1 + j, last_row, left + 1 + j]})
    chart.set_title({"name": widget.title})
    sheet.insert_chart(1, 0 if not table.rows else len(table.columns) + len(series) + 3,
                       chart)


def render_xlsx(document: ExportDocument) -> bytes:
    """The dashboard as an XLSX workbook."""
    out = io.BytesIO()
    as_of = datetime.fromisoformat(document.data_as_of.replace("Z", "+00:00"))
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": document.name, "created": as_of.replace(tzinfo=None),
                         "author": "Sightline"})
    bold = book.add_format({"bold": True})
    for name, widget in zip(_sheet_names(document.widgets), document.widgets, strict=True):
        _widget_sheet(book, book.add_worksheet(name), name, widget, bold)
    sheet = book.add_worksheet("provenance")
    rows = [*document.provenance(), ("", "")]
    rows += [(f"{w.id} parameters", params_text(w)) for w in document.widgets]
    rows += [(f"{w.id} dataset versions",
              ", ".join(f"{k} v{v}" for k, v in sorted(w.dataset_versions.items())))
             for w in document.widgets]
    for r, (label, value) in enumerate(rows):
        sheet.write(r, 0, label, bold)
        sheet.write(r, 1, value)
    book.close()
    return normalise_zip(out.getvalue(), document.data_as_of)
