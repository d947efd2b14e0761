"""PDF export: HTML (a Jinja template, autoescaped) with each widget's chart as an SVG
image (vl-convert renders the widget's Vega-Lite spec, no browser) and its table, laid out by
WeasyPrint; the provenance is the footer of every page (a running element, so it is
escaped HTML like the rest)."""

from __future__ import annotations

import base64
import os
import threading
from datetime import datetime
from functools import cache
from pathlib import Path

import vl_convert
import weasyprint
from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from api.dashboards.exports.document import ExportDocument, format_number

MAX_TABLE_ROWS = 12  # the rest is in the XLSX and CSV; WeasyPrint lays out ~5 ms a row
TEMPLATE = Path(__file__).with_name("pdf_template.html")


@cache
def _template():
    environment = Environment(autoescape=select_autoescape(default=True))
    return environment.from_string(TEMPLATE.read_text())


def render_html(document: ExportDocument) -> str:
    """The export's HTML (charts inline as SVG)."""
    # One after another: vl-convert's renderers number their SVG ids per runtime, so
    # charts drawn on several threads could come back with other ids (other bytes).
    # Each chart is an <img> of its SVG, not inline SVG: WeasyPrint then does not run the
    # CSS cascade over every node of every chart (measured: a quarter of its time on a
    # 12-widget dashboard, for the same PDF).
    svgs = [Markup(f'<img class="chart" alt="" src="{_svg_uri(w.chart)}">') if w.chart
            else None for w in document.widgets]
    return _template().render(doc=document, svgs=svgs, fmt=format_number,
                              max_rows=MAX_TABLE_ROWS)


def _svg_uri(spec: dict) -> str:
    svg = vl_convert.vegalite_to_svg(spec)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


_REPRODUCIBLE = threading.Lock()


def render_pdf(document: ExportDocument) -> bytes:
    """The dashboard as a PDF; the same document gives the same bytes.

    WeasyPrint subsets fonts with fontTools, which stamps each subset with the current
    time unless SOURCE_DATE_EPOCH is set (the reproducible-builds convention): it is set
    to the data's as-of time for the render, one render at a time."""
    html = weasyprint.HTML(string=render_html(document))
    as_of = datetime.fromisoformat(document.data_as_of.replace("Z", "+00:00"))
    with _REPRODUCIBLE:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(as_of.timestamp()))
        try:
            return html.write_pdf(pdf_identifier=document.data_as_of.encode(),
                                  custom_metadata=False)
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous
