"""The app factory: `create_app()` wires settings, services, middleware, error handlers, the
routers under /v1 and the web app at /. `api.main:app` is what uvicorn serves (`sightline
serve`)."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api import errors
from api.context import ApiContext, build_context
from api.dashboards import warming
from api.envelopes import PROBLEM_RESPONSES
from api.hot_path import HotPathMiddleware
from api.middleware import BodyLimitMiddleware, MetricsMiddleware
from api.pipeline_runs import RunLauncher
from api.system import router as system
from api.web import router as web
from warehouse.allocator import keep_freed_memory
from warehouse.settings import Settings, load_settings

API_PREFIX = "/v1"


def _routers() -> list[APIRouter]:
    from api.analytics import router as analytics
    from api.custom_metrics import router as custom_metrics
    from api.dashboards import router as dashboards
    from api.ingest import router as ingest
    from api.pulse import router as modules
    from api.reports import router as reports
    from api.social import router as social
    from api.storytelling import router as storytelling
    from api.wargaming import router as wargaming

    return [analytics.router, modules.router, social.router, wargaming.router, ingest.router,
            dashboards.router, dashboards.shared_router, custom_metrics.router,
            reports.schedules_router, reports.router, storytelling.router,
            storytelling.claims_router, storytelling.board_router]


def create_app(settings: Settings | None = None, context: ApiContext | None = None,
               run_launcher: RunLauncher | None = None) -> FastAPI:
    """Build the API. Nothing is opened until the first request needs it. `run_launcher`
    queues pipeline runs (POST /modules/growth-pulse/run answers 503 without one)."""
    settings = settings or load_settings()
    context = context or build_context(settings)
    keep_freed_memory(settings.api.malloc_top_pad_bytes)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.api.dashboard_warming:
            warming.install(app, context)
            context.versions.listen()
        yield
        warming.uninstall(app, context)
        await context.aclose()

    app = FastAPI(
        title="Sightline API",
        version="1.0.0",
        description="Analytics, social intelligence, wargaming and ingest for Sightline. "
        "Authenticate with `Authorization: Bearer <API key>`; every answer is "
        "`{data, meta}`, every error RFC 9457 problem+json.",
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
        docs_url=None,  # served by the web app over vendored assets (works offline)
        redoc_url=None,
    )
    app.state.context = context
    app.state.warmer = None  # set at startup when dashboard warming is on
    app.state.run_launcher = run_launcher
    errors.install(app, page_renderer=web.error_page)
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(system.router)
    for router in _routers():
        api.include_router(router)
    app.include_router(api)
    app.include_router(system.prometheus_router)
    web.install(app)
    # Added first = innermost: metrics and body limits apply to hot-path answers too.
    app.add_middleware(HotPathMiddleware, context=context)
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.api.max_body_bytes,
                       upload_limit=settings.api.max_upload_bytes)
    app.add_middleware(MetricsMiddleware, metrics=context.metrics)
    return app


def __getattr__(name: str):
    # `api.main:app` builds the app on first access, so importing the module opens nothing.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
