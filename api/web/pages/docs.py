"""/docs (Swagger UI) and /redoc over the vendored assets: both work offline."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.web.templating import templates

router = APIRouter(include_in_schema=False)
_VENDOR = templates.env.globals["vendor"]
OPENAPI_URL = "/openapi.json"
FAVICON = "/static/favicon.svg"


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=OPENAPI_URL, title="Sightline API",
                               swagger_js_url=_VENDOR["swagger_js"],
                               swagger_css_url=_VENDOR["swagger_css"],
                               swagger_favicon_url=FAVICON)


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return get_redoc_html(openapi_url=OPENAPI_URL, title="Sightline API",
                          redoc_js_url=_VENDOR["redoc"], redoc_favicon_url=FAVICON,
                          with_google_fonts=False)
