"""The pages' Jinja environment: autoescaped templates, number and date filters, and the
addresses of the vendored scripts (each under its version, so they are cached for good)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import Response

from api.sessions import CSRF_FIELD, WebIdentity

HERE = Path(__file__).parent
STATIC = HERE / "static"
LOCALE = "en_US"
# The vendored scripts, by name: path under /static (see static/vendor/README.md).
VENDOR = {
    "htmx": "vendor/htmx-2.0.11/htmx.min.js",
    "vega": "vendor/vega-6.2.0/vega.min.js",
    "vega_lite": "vendor/vega-lite-6.4.1/vega-lite.min.js",
    "vega_embed": "vendor/vega-embed-7.0.2/vega-embed.min.js",
    "swagger_js": "vendor/swagger-ui-5.36.0/swagger-ui-bundle.js",
    "swagger_css": "vendor/swagger-ui-5.36.0/swagger-ui.css",
    "redoc": "vendor/redoc-2.5.2/redoc.standalone.js",
}


def number(value: Any, digits: int = 2) -> str:
    """A number for people: grouped thousands, at most `digits` decimals; '—' for none."""
    if value is None:
        return "—"
    return format_decimal(value, format=f"#,##0.{'#' * digits}" if digits else "#,##0",
                          locale=LOCALE)


def percent(value: Any, digits: int = 1) -> str:
    """A ratio (0.25) as a percentage ('25.0%'); '—' for none."""
    if value is None:
        return "—"
    return format_percent(value, format=f"#,##0.{'0' * digits}%", locale=LOCALE)


def signed_percent(value: Any, digits: int = 1) -> str:
    """A relative change (0.12) as '+12.0%' / '−3.0%'; '—' for none."""
    if value is None:
        return "—"
    text = percent(abs(value), digits)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def json_script(value: Any) -> Markup:
    """`value` as JSON safe to place inside <script type="application/json">."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("&", "\\u0026"))


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(number=number, percent=percent, signed_percent=signed_percent,
                             json_script=json_script)
templates.env.globals["vendor"] = {name: f"/static/{path}" for name, path in VENDOR.items()}
templates.env.globals["csrf_field"] = CSRF_FIELD


def render(request: Request, name: str, context: dict[str, Any],
           identity: WebIdentity | None = None, status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    """Render template `name` with `context`, the signed-in identity (for the header and
    the CSRF token the page's forms send) and the current path (for the navigation)."""
    return templates.TemplateResponse(
        request, name, {**context, "identity": identity, "path": request.url.path},
        status_code=status, headers=headers)
