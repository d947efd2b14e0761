"""Mounts the web app on the API's app: static files, offline API docs, sign-in and the
pages, and the page that errors on a page request render as."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.errors import TITLES
from api.web import auth
from api.web.pages import briefs, dashboards, docs, explore, home, shared, social, wargaming
from api.web.templating import STATIC, render

PAGE_ROUTERS = (docs.router, auth.router, home.router, dashboards.router, explore.router,
                social.router, wargaming.router, briefs.router, shared.router)


class VendorCachingStatic(StaticFiles):
    """Static files; the vendored ones (versioned paths) are cached for a year."""

    def file_response(self, full_path, stat_result, scope, status_code=200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if "/vendor/" in str(full_path):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


def error_page(request: Request, status: int, detail: str,
               headers: dict[str, str]) -> Response:
    """A problem as a page (the API's error handlers call it for page requests)."""
    return render(request, "error.html", {"status": status, "detail": detail,
                                          "title": TITLES.get(status, "Error")},
                  status=status, headers=headers)


def install(app: FastAPI) -> None:
    """Add the web app's routes, static files and sign-in redirect to `app`."""
    app.mount("/static", VendorCachingStatic(directory=STATIC), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.add_exception_handler(auth.SignInRequired, auth.redirect_to_sign_in)
