"""Routes of the dashboards domain (DESIGN §12): save, list, version, restore, fork and
evaluate dashboards. See docs/dashboards.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.answers import envelope
from api.authorize import admit, identify_link
from api.dashboards import sharing, store
from api.dashboards.data import dashboard_data
from api.dashboards.exporting import MEDIA_TYPES, ExportFormat, export_dashboard
from api.dashboards.spec import (
    DashboardFilters,
    DashboardSpec,
    RangeQuery,
    Role,
    VariableValue,
    Visibility,
    Widget,
    check,
    override_filters,
)
from api.dashboards.templates import builtin_templates, instantiate
from api.dashboards.warming import record_view
from api.deps import Context, Reader, client_of
from api.errors import ApiProblem, invalid
from api.keys import Principal

router = APIRouter(prefix="/dashboards", tags=["dashboards"])
shared_router = APIRouter(prefix="/shared", tags=["dashboards"])
DashboardId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class DashboardCreate(BaseModel):
    """A new dashboard: from a built-in template (with variables), or a spec of its own."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"template": "brand_health", "variables": {"brand": "Acme"}},
        {"name": "Signups", "filters": {"last_days": 14}, "widgets": [
            {"id": "signups", "title": "Signups", "kind": "line", "source": "trends",
             "params": {"series": [{"event": "signup"}]}}]}]})

    template: str | None = Field(None, description="A built-in template's id")
    variables: dict[str, VariableValue] = Field(default_factory=dict, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str = Field("", max_length=2_000)
    filters: DashboardFilters = Field(default_factory=DashboardFilters)
    widgets: list[Widget] = Field(default_factory=list)
    visibility: Visibility = "private"

    @model_validator(mode="after")
    def _template_or_spec(self) -> DashboardCreate:
        if self.template is None and self.name is None:
            raise ValueError("give a name (and widgets), or a template")
        if self.template is not None and self.widgets:
            raise ValueError("give a template or widgets, not both")
        return self

    def spec(self) -> DashboardSpec:
        """The dashboard's first spec."""
        if self.template is not None:
            return instantiate(self.template, self.variables, self.name)
        try:
            return DashboardSpec(name=self.name, description=self.description,
                                 filters=self.filters, variables=self.variables,
                                 widgets=self.widgets)
        except ValidationError as exc:
            raise invalid(exc) from None


class DashboardUpdate(DashboardSpec):
    """A full new version of the spec; the owner may also change visibility, grants and
    whether a fork follows its parent."""

    visibility: Visibility | None = None
    grants: dict[str, Role] | None = Field(None, max_length=200,
                                           description="user → editor | viewer (replaces)")
    follows_parent: bool | None = None

    def spec(self) -> DashboardSpec:
        """The spec part of the document."""
        return DashboardSpec.model_validate(self.model_dump(
            include=set(DashboardSpec.model_fields)))


class ForkRequest(BaseModel):
    """A fork's name, and whether it follows its parent's widgets (until detached)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    follow: bool = True


class ExportQuery(RangeQuery):
    """An export's format and date range."""

    format: ExportFormat = Field("pdf", description="pdf, xlsx, pptx or csv")


def _today():
    return datetime.now(UTC).date()


async def _in_thread(function, *args) -> Any:
    return await anyio.to_thread.run_sync(function, *args)


@router.get("/templates", summary="Built-in templates and the tenant's published templates")
async def templates(context: Context, principal: Reader) -> Response:
    builtin = [{"id": t["id"], "title": t["title"], "description": t["description"],
                "variables": t["variables"], "spec": t["spec"], "builtin": True}
               for t in builtin_templates().values()]
    published = [{"id": view.id, "title": view.spec.name,
                  "description": view.spec.description, "variables": view.spec.variables,
                  "spec": view.spec.model_dump(mode="json"), "builtin": False}
                 for view in await _in_thread(store.list_visible, context.db,
                                              store.Caller.of(principal))
                 if view.visibility == "template"]
    return envelope(builtin + published)


@router.post("", status_code=201, summary="Create a dashboard (from a template or a spec)")
async def create_dashboard(body: DashboardCreate, context: Context,
                           principal: Reader) -> Response:
    spec = body.spec()
    check(spec, _today())
    view = await _in_thread(store.create, context.db, store.Caller.of(principal), spec,
                            body.visibility)
    return envelope(view.as_json(), status=201,
                    headers={"Location": f"/v1/dashboards/{view.id}"})


@router.get("", summary="Dashboards this key may open")
async def list_dashboards(context: Context, principal: Reader) -> Response:
    views = await _in_thread(store.list_visible, context.db, store.Caller.of(principal))
    return envelope([view.as_json() for view in views])


@router.get("/{dashboard_id}", summary="A dashboard's current spec")
async def get_dashboard(dashboard_id: DashboardId, context: Context,
                        principal: Reader) -> Response:
    view = await _in_thread(store.get, context.db, store.Caller.of(principal), dashboard_id)
    return envelope(view.as_json())


@router.put("/{dashboard_id}", summary="Save a new version (editor; visibility and grants: "
            "owner)")
async def put_dashboard(dashboard_id: DashboardId, body: DashboardUpdate, context: Context,
                        principal: Reader) -> Response:
    spec = body.spec()
    check(spec, _today())
    view = await _in_thread(store.update, context.db, store.Caller.of(principal), dashboard_id,
                            spec, body.visibility, body.grants, body.follows_parent)
    return envelope(view.as_json())


@router.delete("/{dashboard_id}", status_code=204, summary="Delete a dashboard (owner)")
async def delete_dashboard(dashboard_id: DashboardId, context: Context,
                           principal: Reader) -> Response:
    await _in_thread(store.remove, context.db, store.Caller.of(principal), dashboard_id)
    return Response(status_code=204)


@router.get("/{dashboard_id}/data", summary="Every widget's data, each with its own meta")
async def get_dashboard_data(
    dashboard_id: DashboardId, request: Request, context: Context, principal: Reader,
    span: Annotated[RangeQuery, Query()],
) -> Response:
    view = await _in_thread(store.get, context.db, store.Caller.of(principal), dashboard_id)
    await record_view(request, principal.tenant_id, view.id)
    return await _data_answer(context, principal.tenant_id, view.id, view.version, view.spec,
                              override_filters(view.spec, span))


async def _data_answer(context, tenant_id: str, dashboard_id: int, version: int,
                       spec: DashboardSpec, filters: DashboardFilters | None) -> Response:
    widgets = await dashboard_data(context, tenant_id, spec, filters)
    versions: dict[str, int] = {}
    for widget in widgets:
        versions.update(widget.get("meta", {}).get("dataset_versions", {}))
    return envelope({"id": dashboard_id, "name": spec.name, "version": version,
                     "widgets": widgets}, versions=versions)


@router.get("/{dashboard_id}/versions", summary="Saved versions, newest first; or the diff "
            "of two")
async def get_versions(
    dashboard_id: DashboardId, context: Context, principal: Reader,
    diff_from: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    diff_to: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    caller = store.Caller.of(principal)
    if diff_from is None and diff_to is None:
        return envelope(await _in_thread(store.versions, context.db, caller, dashboard_id))
    if diff_from is None or diff_to is None:
        raise ApiProblem(422, "give both diff_from and diff_to",
                         field="diff_from" if diff_from is None else "diff_to")
    old = await _in_thread(store.version_spec, context.db, caller, dashboard_id, diff_from)
    new = await _in_thread(store.version_spec, context.db, caller, dashboard_id, diff_to)
    return envelope({"from": diff_from, "to": diff_to, **store.diff(old, new)})


@router.post("/{dashboard_id}/versions/{version}/restore",
             summary="Save an old version again, as a new version (editor)")
async def restore_version(dashboard_id: DashboardId,
                          version: Annotated[int, Path(ge=1, le=2**31 - 1)],
                          context: Context, principal: Reader) -> Response:
    view = await _in_thread(store.restore, context.db, store.Caller.of(principal), dashboard_id,
                            version)
    return envelope(view.as_json())


@router.post("/{dashboard_id}/fork", status_code=201,
             summary="Copy a dashboard; the fork follows its parent's widgets until detached")
async def fork_dashboard(dashboard_id: DashboardId, context: Context, principal: Reader,
                         body: ForkRequest | None = None) -> Response:
    body = body or ForkRequest()
    view = await _in_thread(store.fork, context.db, store.Caller.of(principal), dashboard_id,
                            body.name, body.follow)
    return envelope(view.as_json(), status=201,
                    headers={"Location": f"/v1/dashboards/{view.id}"})


class ShareRequest(BaseModel):
    """How long a new read-only link lives."""

    model_config = ConfigDict(extra="forbid")

    expires_in_hours: int = Field(168, ge=1, le=24 * 366)


@router.post("/{dashboard_id}/share", status_code=201,
             summary="A read-only link to this dashboard (owner); the token is shown once")
async def share_dashboard(dashboard_id: DashboardId, context: Context, principal: Reader,
                          body: ShareRequest | None = None) -> Response:
    body = body or ShareRequest()
    link = await _in_thread(sharing.create_link, context.db, store.Caller.of(principal),
                            dashboard_id, timedelta(hours=body.expires_in_hours))
    return envelope(link, status=201)


@router.get("/{dashboard_id}/share", summary="The dashboard's share links (owner)")
async def list_share_links(dashboard_id: DashboardId, context: Context,
                           principal: Reader) -> Response:
    return envelope(await _in_thread(sharing.list_links, context.db, store.Caller.of(principal),
                                     dashboard_id))


@router.delete("/{dashboard_id}/share/{link_id}", status_code=204,
               summary="Revoke a share link (owner)")
async def revoke_share_link(dashboard_id: DashboardId,
                            link_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                            context: Context, principal: Reader) -> Response:
    await _in_thread(sharing.revoke_link, context.db, store.Caller.of(principal), dashboard_id,
                     link_id)
    return Response(status_code=204)


@shared_router.get("/{token}", summary="A shared dashboard with its data (no API key)")
async def open_shared(
    token: Annotated[str, Path(max_length=100)], request: Request, context: Context,
    span: Annotated[RangeQuery, Query()],
) -> Response:
    shared = await identify_link(context, client_of(request),
                                 lambda: sharing.open_link(context.db, token))
    await admit(context, Principal(0, "share", shared.tenant_id, frozenset({"read"})))
    return await _data_answer(context, shared.tenant_id, shared.dashboard_id, shared.version,
                              shared.spec,
                              override_filters(shared.spec, span))


@router.get("/{dashboard_id}/export", summary="The dashboard as PDF, XLSX, PPTX or CSV",
            response_class=Response, responses={200: {"content": {
                media: {} for media in MEDIA_TYPES.values()}}})
async def export(
    dashboard_id: DashboardId, request: Request, context: Context, principal: Reader,
    span: Annotated[ExportQuery, Query()],
) -> Response:
    view = await _in_thread(store.get, context.db, store.Caller.of(principal), dashboard_id)
    made = await export_dashboard(context, principal.tenant_id, view.id, view.version,
                                  view.spec, span.format,
                                  override_filters(view.spec, span))
    headers = {"ETag": made.etag, "Cache-Control": "private, no-cache",
               "Content-Disposition": f'attachment; filename="{made.filename}"'}
    if request.headers.get("if-none-match") == made.etag:
        return Response(status_code=304, headers=headers)
    return Response(made.content, media_type=made.media_type, headers=headers)
