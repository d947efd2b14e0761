"""PPTX export (python-pptx): a title slide, then one slide per widget — a native chart of
its chart data, or a table for tables, KPIs and grids — with the widget's provenance in
the speaker notes. Normalised afterwards so the same data gives the same bytes."""

from __future__ import annotations

import io
from datetime import datetime

from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Inches, Pt

from api.dashboards.exports.document import (
    ExportDocument,
    WidgetExport,
    format_number,
    params_text,
)
from api.dashboards.exports.zipnorm import normalise_zip

MAX_TABLE_ROWS = 14
_CHARTS = {"line": XL_CHART_TYPE.LINE_MARKERS, "area": XL_CHART_TYPE.AREA,
           "bar": XL_CHART_TYPE.COLUMN_CLUSTERED, "waterfall": XL_CHART_TYPE.COLUMN_CLUSTERED,
           "gauge": XL_CHART_TYPE.COLUMN_CLUSTERED, "funnel": XL_CHART_TYPE.BAR_CLUSTERED,
           "pie": XL_CHART_TYPE.PIE}
BOX = (Inches(0.5), Inches(1.3), Inches(9), Inches(5.5))


def _chart(slide, widget: WidgetExport) -> bool:
    xs, series, values = widget.pivot()
    if not xs:
        return False
    if widget.kind == "scatter":
        data = XyChartData()
        for name, column in zip(series, values, strict=True):
            points = data.add_series(name)
            for x, y in zip(range(len(xs)), column, strict=True):
                if y is not None:
                    points.add_data_point(x, y)
        chart_type = XL_CHART_TYPE.XY_SCATTER
    elif widget.kind in _CHARTS:
        data = CategoryChartData()
        data.categories = [str(x) for x in xs]
        for name, column in list(zip(series, values, strict=True))[
                :1 if widget.kind == "pie" else None]:
            data.add_series(name, column)
        chart_type = _CHARTS[widget.kind]
    else:
        return False
    chart = slide.shapes.add_chart(chart_type, *BOX, data).chart
    chart.has_legend = len(series) > 1 or widget.kind == "pie"
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    return True


def _table(slide, widget: WidgetExport) -> None:
    table = widget.table
    rows = table.rows[:MAX_TABLE_ROWS]
    shape = slide.shapes.add_table(len(rows) + 1, len(table.columns), *BOX).table
    for c, column in enumerate(table.columns):
        shape.cell(0, c).text = column.name
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            shape.cell(r, c).text = format_number(value)[:120]
    for row in shape.rows:
        for cell in row.cells:
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = Pt(10)


def render_pptx(document: ExportDocument) -> bytes:
    """The dashboard as a PPTX deck."""
    deck = Presentation()
    as_of = datetime.fromisoformat(document.data_as_of.replace("Z", "+00:00"))
    props = deck.core_properties
    props.title, props.author, props.last_modified_by = document.name, "Sightline", "Sightline"
    props.created = props.modified = as_of.replace(tzinfo=None)
    props.revision = 1
    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = document.name
    title.placeholders[1].text = "\n".join(f"{k}: {v}" for k, v in document.provenance())
    for widget in document.widgets:
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = widget.title
        if widget.table is None:
            box = slide.shapes.add_textbox(*BOX)
            box.text_frame.text = f"Not available: {widget.error}"
        elif widget.kind in ("table", "kpi", "heatmap", "retention_grid") \
                or not _chart(slide, widget):
            _table(slide, widget)
        versions = ", ".join(f"{k} v{v}" for k, v in sorted(widget.dataset_versions.items()))
        slide.notes_slide.notes_text_frame.text = (
            f"Source: {widget.source}\nParameters: {params_text(widget)}\n"
            f"Dataset versions: {versions or 'none'}\nData as of: {document.data_as_of}\n"
            f"Tenant: {document.tenant_id}")
    out = io.BytesIO()
    deck.save(out)
    return normalise_zip(out.getvalue(), document.data_as_of)
