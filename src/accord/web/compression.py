"""Gzip for the UI's pages (the API's answers are left as they are: clients and
benchmarks of the API see the bytes they always did)."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class UiGzipMiddleware:
    def __init__(self, app: ASGIApp, prefix: str = "/ui", minimum_size: int = 1024) -> None:
        self.app = app
        self.prefix = prefix
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        static = path.startswith(self.prefix + "/static/")  # gzipped by its own mount
        if (path == self.prefix or path.startswith(self.prefix + "/")) and not static:
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
