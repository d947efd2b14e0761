"""A shared link's page: one dashboard, read-only, without signing in. The token is
checked like an API key (failed tries count against the client) and the view's requests
count against the owning tenant's rate limit, as `GET /v1/shared/{token}` does."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import Response

from api.authorize import admit, identify_link
from api.dashboards import sharing
from api.dashboards.spec import RangeQuery, override_filters
from api.deps import Context, client_of
from api.keys import Principal
from api.web.pages.common import PageForm, page_router
from api.web.pages.dashboards import evaluate, grid_styles, kpi_row
from api.web.templating import render

router = page_router()


class SharedRange(PageForm, RangeQuery):
    """The shared page's date range form."""


@router.get("/s/{token}")
async def shared_dashboard(token: Annotated[str, Path(max_length=100)], request: Request,
                           context: Context, span: Annotated[SharedRange, Query()]) -> Response:
    shared = await identify_link(context, client_of(request),
                                 lambda: sharing.open_link(context.db, token))
    await admit(context, Principal(0, "share", shared.tenant_id, frozenset({"read"})))
    document = await evaluate(context, shared.tenant_id, shared.dashboard_id, shared.version,
                              shared.spec, override_filters(shared.spec, span))
    return render(request, "shared.html", {
        "document": document, "kpi_row": kpi_row, "query": span,
        "placement": grid_styles(shared.spec.widgets)},
        headers={"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"})
