"""Dashboard exports over HTTP, opened with pypdf, openpyxl and python-pptx: each widget's
numbers equal the data endpoint's, provenance is present, charts are native, and two
exports of the same dataset versions are byte-identical."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from api.dashboards.exports.document import format_number
from api.keys import create_key
from tests.api.conftest import API_FIRST, API_LAST, client_for

RANGE = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat()}
WIDGETS = [
    {"id": "signups", "title": "Signups and visits", "kind": "line", "source": "trends",
     "params": {"series": [{"event": "signup"}, {"event": "visit"}]}},
    {"id": "funnel", "title": "Visit to purchase", "kind": "funnel", "source": "funnels",
     "params": {"steps": ["visit", "signup", "purchase"], "window": 7}},
    {"id": "retention", "title": "Retention", "kind": "retention_grid", "source": "retention",
     "params": {"target_event": "signup", "period": "day", "intervals": 4}},
    {"id": "voice", "title": "Share of voice", "kind": "pie", "source": "share_of_voice",
     "params": {"metric": "mentions"}},
    {"id": "influencers", "title": "Influencers", "kind": "table", "source": "influencers",
     "params": {"limit": 5}},
]


@pytest.fixture(scope="module")
def exported(demo_pipeline, api_context, server_url):
    """The dashboard's data answer and each format exported twice."""
    key = create_key(api_context.db, "acme", ["read"], "exports", user="erin")[0]
    with client_for(server_url, key) as client:
        made = client.post("/dashboards", json={"name": "Weekly review", "filters": RANGE,
                                                "widgets": WIDGETS})
        assert made.status_code == 201, made.text
        path = f"/dashboards/{made.json()['data']['id']}"
        data = client.get(f"{path}/data").json()
        files = {}
        for fmt in ("pdf", "xlsx", "pptx", "csv"):
            first, second = (client.get(f"{path}/export", params={"format": fmt})
                             for _ in range(2))
            assert first.status_code == 200, first.text
            files[fmt] = (first, second)
        again = client.get(f"{path}/export", params={"format": "pdf"},
                           headers={"If-None-Match": files["pdf"][0].headers["ETag"]})
        assert again.status_code == 304, {f: (a.headers["ETag"], b.headers["ETag"])
                                          for f, (a, b) in files.items()}
    widgets = {w["id"]: w for w in data["data"]["widgets"]}
    assert all("error" not in w for w in widgets.values())
    return widgets, data["meta"]["dataset_versions"], files


def test_same_versions_give_the_same_bytes(exported) -> None:
    _, _, files = exported
    for fmt, (first, second) in files.items():
        assert first.content == second.content, fmt
        assert first.headers["ETag"] == second.headers["ETag"]
        assert first.headers["content-disposition"] == \
            f'attachment; filename="weekly-review-v1.{fmt}"'


def test_xlsx_sheets_hold_the_widgets_numbers_with_native_charts(exported) -> None:
    widgets, versions, files = exported
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"][0].content))
    assert book.sheetnames == [w["id"] for w in WIDGETS] + ["provenance"]
    trends = widgets["signups"]["data"]["results"]
    sheet = book["signups"]
    assert [c.value for c in sheet[3][:3]] == ["date", trends[0]["label"], trends[1]["label"]]
    days = [row[0].value for row in sheet.iter_rows(min_row=4, max_col=1)]
    assert days == trends[0]["dates"]
    assert [row[1].value for row in sheet.iter_rows(min_row=4, max_row=3 + len(days))] == \
        trends[0]["data"]
    steps = widgets["funnel"]["data"]["results"][0]["steps"]
    assert [row[2].value for row in book["funnel"].iter_rows(min_row=4)] == \
        [s["persons"] for s in steps]
    cohorts = widgets["retention"]["data"]["cohorts"]
    assert [row[1].value for row in book["retention"].iter_rows(min_row=4)] == \
        [c["cohort_size"] for c in cohorts]
    charts = [n for n in zipfile.ZipFile(io.BytesIO(files["xlsx"][0].content)).namelist()
              if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # line, funnel bar, pie; the grid and the table have none
    provenance = {row[0].value: row[1].value for row in book["provenance"].iter_rows()}
    assert provenance["Tenant"] == "acme"
    assert all(f"{d} v{v}" in provenance["Dataset versions"] for d, v in versions.items())
    assert '"target_event":"signup"' in provenance["retention parameters"]


def test_pptx_has_a_slide_per_widget_with_native_charts_and_notes(exported) -> None:
    widgets, _, files = exported
    deck = Presentation(io.BytesIO(files["pptx"][0].content))
    slides = list(deck.slides)[1:]
    assert [s.shapes.title.text for s in slides] == [w["title"] for w in WIDGETS]
    chart = next(s for s in slides[0].shapes if s.has_chart).chart
    trends = widgets["signups"]["data"]["results"]
    assert list(chart.plots[0].categories) == trends[0]["dates"]
    assert [list(series.values) for series in chart.plots[0].series] == \
        [[float(v) for v in r["data"]] for r in trends]
    funnel = next(s for s in slides[1].shapes if s.has_chart).chart
    assert list(funnel.plots[0].series[0].values) == [
        s["persons"] for s in widgets["funnel"]["data"]["results"][0]["steps"]]
    table = next(s for s in slides[4].shapes if s.has_table).table
    influencers = widgets["influencers"]["data"]["influencers"]
    assert [table.cell(r + 1, 1).text for r in range(len(influencers))] == \
        [i["author_handle"] for i in influencers]
    notes = slides[2].notes_slide.notes_text_frame.text
    assert "Source: retention" in notes and all(f"{d} v{v}" in notes
                                                for d, v in widgets["retention"]["meta"][
                                                    "dataset_versions"].items())


def test_pdf_shows_every_widget_its_numbers_and_provenance(exported) -> None:
    widgets, _, files = exported
    reader = PdfReader(io.BytesIO(files["pdf"][0].content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for widget in WIDGETS:
        assert widget["title"] in text
    for value in widgets["signups"]["data"]["results"][1]["data"]:
        assert format_number(value) in text
    for step in widgets["funnel"]["data"]["results"][0]["steps"]:
        assert format_number(step["persons"]) in text
    assert "Tenant: acme" in text and "Data as of:" in text
    assert "<svg" not in text  # charts are drawn, not printed


def test_csv_cells_equal_the_data_endpoint(exported) -> None:
    widgets, _, files = exported
    rows = list(csv.DictReader(io.StringIO(files["csv"][0].content.decode())))
    funnel = [r for r in rows if r["widget"] == "funnel" and r["column"] == "persons"]
    assert [int(r["value"]) for r in funnel] == [
        s["persons"] for s in widgets["funnel"]["data"]["results"][0]["steps"]]
    shares = {r["row"]: r["value"] for r in rows
              if r["widget"] == "voice" and r["column"] == "share"}
    assert [float(v) for v in shares.values()] == [
        t["share"] for t in widgets["voice"]["data"]["total"]]
    assert any(r["widget"] == "_provenance" and r["title"] == "Tenant" and r["value"] == "acme"
               for r in rows)
