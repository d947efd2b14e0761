"""RFC 9457 problem+json for every error: HTTP errors, validation (422 naming the field),
unknown routes, busy store (503 + Retry-After), query limits, and anything unexpected
(500 without a stack trace or SQL; the detail goes to the log with a reference id)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from clickhouse_connect.driver.exceptions import ClickHouseError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.store import StoreBusyError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
          415: "Unsupported Media Type", 422: "Unprocessable Content",
          429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
PAGE_SCOPE = "sightline.page"  # set on web page requests: their errors render as pages
PageRenderer = Callable[[Request, int, str, dict[str, str]], Response]
# ClickHouse error codes that mean "the query is too big", not "the server is broken".
LIMIT_CODES = {"TIMEOUT_EXCEEDED": 159, "TOO_MANY_ROWS": 158, "TOO_MANY_ROWS_OR_BYTES": 396}


class ApiProblem(Exception):
    """Raise from anywhere to answer with a problem document.

    A 422 always names what is wrong: `field` (default "body") becomes its `errors`
    entry unless `errors` is given.
    """

    def __init__(self, status: int, detail: str, *, title: str | None = None,
                 headers: dict[str, str] | None = None, field: str = "body",
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(status, "Error")
        self.headers = headers or {}
        if status == 422 and "errors" not in extra:
            extra["errors"] = [{"field": field, "message": detail}]
        self.extra = extra


def problem(status: int, detail: str, request: Request | None = None, *,
            title: str | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _field(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def invalid(exc: ValidationError, prefix: str = "") -> ApiProblem:
    """A 422 naming each field a pydantic model refused, under `prefix` (e.g. a widget's
    `widgets.2.params`) when the model validated part of a larger document."""
    errors = [{"field": ".".join(p for p in (prefix, _field(e.get("loc", ()))) if p),
               "message": e.get("msg", "invalid")} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return ApiProblem(422, detail or "invalid request", errors=errors)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")}
              for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, detail or "invalid request", request, errors=errors)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.method} {request.url.path}; see /docs for the API"
    return problem(exc.status_code, detail, request, headers=getattr(exc, "headers", None))


async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
    return problem(exc.status, exc.detail, request, title=exc.title, headers=exc.headers,
                   **exc.extra)


async def _busy(request: Request, exc: StoreBusyError) -> JSONResponse:
    return problem(503, exc.detail, request, headers={"Retry-After": str(exc.retry_after)})


async def _clickhouse(request: Request, exc: ClickHouseError) -> JSONResponse:
    text = str(exc)
    if any(name in text for name in LIMIT_CODES):
        return problem(400, "the query exceeds the per-query limits (time or rows read); "
                       "narrow the date range or add filters", request)
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    log.exception("unhandled error %s on %s %s", reference, request.method, request.url.path,
                  exc_info=exc)
    return problem(500, f"internal error; reference {reference} is in the server log",
                   request, reference=reference)


def _for_pages(handler: Callable[[Request, Any], Awaitable[JSONResponse]],
               render: PageRenderer | None) -> Callable[[Request, Any], Awaitable[Response]]:
    """`handler`, whose problem document a web page request gets as an HTML page."""
    if render is None:
        return handler

    async def handle(request: Request, exc: Any) -> Response:
        response = await handler(request, exc)
        if not request.scope.get(PAGE_SCOPE):
            return response
        body = json.loads(response.body)
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() in ("retry-after", "www-authenticate")}
        return render(request, body["status"], body["detail"], headers)

    return handle


def install(app: FastAPI, page_renderer: PageRenderer | None = None) -> None:
    """Register the problem+json handlers on `app`; requests marked as web pages
    (`PAGE_SCOPE`) get the same problem as a page drawn by `page_renderer`."""
    for kind, handler in ((RequestValidationError, _validation),
                          (StarletteHTTPException, _http), (ApiProblem, _api_problem),
                          (StoreBusyError, _busy), (ClickHouseError, _clickhouse),
                          (Exception, _unexpected)):
        app.add_exception_handler(kind, _for_pages(handler, page_renderer))
