"""Add the web UI to the app: its routers, static files, error pages, headers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from accord.config import Settings
from accord.middleware import RefusalPage
from accord.web import errors
from accord.web.compression import UiGzipMiddleware
from accord.web.pages import admin, assets, audit, auth, inbox, oidc
from accord.web.security import UiHeadersMiddleware

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, settings: Settings) -> None:
    """Call after the API's routers and `problems.install`: the UI wraps their handlers."""
    if not settings.ui_enabled:
        return
    for module in (auth, oidc, inbox, assets, audit, admin):
        app.include_router(module.router)
    app.mount(
        "/ui/static",
        GZipMiddleware(StaticFiles(directory=STATIC), minimum_size=1024),
        name="ui-static",
    )
    errors.install(app)
    app.add_middleware(UiHeadersMiddleware)
    app.add_middleware(UiGzipMiddleware)


def refusal_page(settings: Settings) -> RefusalPage | None:
    """What the body middleware answers a refused /ui request with: the UI's error page
    (`errors.refusal_page`), or nothing when there is no UI."""
    return errors.refusal_page if settings.ui_enabled else None
