"""CSV export: one tidy table of every widget's cells (widget, row, column, value), so
widgets with different columns share one file."""

from __future__ import annotations

import csv
import io

from api.dashboards.exports.document import ExportDocument


def render_csv(document: ExportDocument) -> bytes:
    """The dashboard as CSV (UTF-8, \\n line ends); provenance rows come first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["widget", "title", "row", "column", "value"])
    for label, value in document.provenance():
        writer.writerow(["_provenance", label, "", "", value])
    for widget in document.widgets:
        if widget.table is None:
            writer.writerow([widget.id, widget.title, "", "error", widget.error])
            continue
        for index, row in enumerate(widget.table.rows):
            for column, value in zip(widget.table.columns, row, strict=True):
                writer.writerow([widget.id, widget.title, index, column.name,
                                 "" if value is None else value])
    return out.getvalue().encode()
