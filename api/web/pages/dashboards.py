"""Dashboard pages: the list (with templates to start from), a dashboard drawn from the
same evaluation as `GET /v1/dashboards/{id}/data` and rendered from the exports' one
document (so a chart shows the numbers a PDF or XLSX shows), its editor and its versions.

Every change (create, save, restore, share, schedule) is a form the page's script sends
to the API route itself, with the session's CSRF token: the web app adds no write path.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.analytics.schemas import PropertyFilter
from api.custom_metrics.store import list_metrics
from api.dashboards import store
from api.dashboards.data import dashboard_data
from api.dashboards.exports.document import ExportDocument, build_document
from api.dashboards.exports.tables import Table
from api.dashboards.sources import PARAMS
from api.dashboards.spec import (
    GRID_COLUMNS,
    DashboardSpec,
    RangeQuery,
    Widget,
    override_filters,
)
from api.dashboards.templates import builtin_templates
from api.dashboards.warming import record_view
from api.deps import Context
from api.errors import invalid
from api.web.auth import SignedIn
from api.web.pages.common import PageForm, in_thread, page_router, today
from api.web.templating import render

router = page_router()
DashboardId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CHART_KINDS = ("line", "bar", "area", "pie", "table", "kpi", "heatmap", "scatter", "funnel",
               "retention_grid")


class ViewQuery(PageForm, RangeQuery):
    """A dashboard page's date range and one extra property filter."""

    property_key: str | None = None
    property_operator: str = "exact"
    property_value: str | None = None

    def properties(self) -> list[PropertyFilter]:
        """The extra property filter, if the form named one."""
        if not self.property_key or self.property_value is None:
            return []
        try:
            return [PropertyFilter.model_validate({
                "key": self.property_key, "operator": self.property_operator,
                "value": self.property_value})]
        except ValidationError as exc:
            raise invalid(exc, "property") from None


async def evaluate(context, tenant_id: str, dashboard_id: int, version: int,
                   spec: DashboardSpec, filters) -> ExportDocument:
    """The dashboard's widgets evaluated as the data route does, as the exports' document."""
    widgets = await dashboard_data(context, tenant_id, spec, filters)
    answer: dict[str, Any] = {"id": dashboard_id, "name": spec.name, "version": version,
                              "widgets": widgets}
    return build_document(tenant_id, answer, data_as_of="")


def kpi_row(table: Table) -> list | None:
    """The row a KPI widget shows: the latest, or the one before it when the latest is
    today's (UTC) partial day."""
    rows = table.rows
    if len(rows) > 1 and table.columns[0].type == "date" and str(rows[-1][0]) == \
            today().isoformat():
        return rows[-2]
    return rows[-1] if rows else None


def grid_styles(widgets: list[Widget]) -> dict[str, str]:
    """Each widget's CSS grid placement: where its position says, or, when positions
    overlap (a spec written without them), by size only, flowing in widget order."""
    taken: set[tuple[int, int]] = set()
    overlap = False
    for widget in widgets:
        p = widget.position
        cells = {(x, y) for x in range(p.x, p.x + p.w) for y in range(p.y, p.y + p.h)}
        overlap = overlap or bool(cells & taken)
        taken |= cells
    return {w.id: (f"grid-column: span {w.position.w}; grid-row: span {w.position.h};"
                   if overlap else
                   f"grid-column: {w.position.x + 1} / span {w.position.w}; "
                   f"grid-row: {w.position.y + 1} / span {w.position.h};")
            for w in widgets}


@router.get("/dashboards")
async def dashboards(request: Request, context: Context, identity: SignedIn) -> Response:
    views = await in_thread(store.list_visible, context.db, store.Caller.of(identity.principal))
    return render(request, "dashboards/list.html", {
        "dashboards": views, "templates": list(builtin_templates().values())}, identity)


@router.get("/dashboards/{dashboard_id}")
async def dashboard(dashboard_id: DashboardId, request: Request, context: Context,
                    identity: SignedIn, query: Annotated[ViewQuery, Query()]) -> Response:
    principal = identity.principal
    view = await in_thread(store.get, context.db, store.Caller.of(principal), dashboard_id)
    await record_view(request, principal.tenant_id, view.id)
    filters = override_filters(view.spec, query, query.properties())
    document = await evaluate(context, principal.tenant_id, view.id, view.version, view.spec,
                              filters)
    return render(request, "dashboards/view.html", {
        "view": view, "document": document, "query": query, "kpi_row": kpi_row,
        "placement": grid_styles(view.spec.widgets)}, identity)


@router.get("/dashboards/{dashboard_id}/edit")
async def edit(dashboard_id: DashboardId, request: Request, context: Context,
               identity: SignedIn) -> Response:
    principal = identity.principal
    view = await in_thread(store.get_for, context.db, store.Caller.of(principal), dashboard_id,
                           "editor")
    metrics = await in_thread(list_metrics, context.db, principal.tenant_id)
    return render(request, "dashboards/edit.html", {
        "view": view, "spec": view.spec.model_dump(mode="json"), "sources": sorted(PARAMS),
        "kinds": CHART_KINDS, "metrics": metrics, "columns": GRID_COLUMNS}, identity)


@router.get("/dashboards/{dashboard_id}/versions")
async def versions(dashboard_id: DashboardId, request: Request, context: Context,
                   identity: SignedIn) -> Response:
    principal = identity.principal
    view = await in_thread(store.get, context.db, store.Caller.of(principal), dashboard_id)
    saved = await in_thread(store.versions, context.db, store.Caller.of(principal), dashboard_id)
    return render(request, "dashboards/versions.html", {"view": view, "versions": saved},
                  identity)
