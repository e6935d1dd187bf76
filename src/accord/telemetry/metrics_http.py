"""Requests by route template, method and status, and their latency (pure ASGI).

Labels come from the route the router matched (``scope["route"]``, set in place on the
request's scope), so `/api/v1/assets/{asset_id}` is one series whatever the id; a path
no route matched is `UNMATCHED`, so scanners cannot create series. Per request this is a
clock read and two observations: a few microseconds.

The middleware also watches the lifespan: once the application has started it starts the
connection-pool sampler on the engine the lifespan built, and when it stops it drops this
process's live gauges (multiprocess mode).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.telemetry import metrics_pool
from accord.telemetry.metrics_process import process_exited

UNMATCHED = "<unmatched>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CLIENT_GONE = 499  # nginx's convention: the client went away before an answer

REQUESTS = Counter(
    "accord_http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
DURATION = Histogram(
    "accord_http_request_duration_seconds",
    "Time from a request's arrival to its answer's end, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def route_label(scope: Scope) -> str:
    """The matched route's template (a mount's with ``{path}``), else `UNMATCHED`."""
    route = scope.get("route")
    if route is None:
        # FastAPI's router names no route for a mount; the mount left its prefix in the
        # root path (Starlette's Mount.matches), after the application's own.
        base = scope.get("app_root_path")
        root = scope.get("root_path", "")
        if isinstance(base, str) and isinstance(root, str) and root.startswith(base):
            prefix = root[len(base) :]
            return f"{prefix}/{{path}}" if prefix else UNMATCHED
        return UNMATCHED
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) and template else UNMATCHED


# The labelled children, found once: `labels()` validates and locks on every call, which
# was half of what observing a request cost. Bounded: routes and methods are fixed sets,
# statuses are the few the app answers with.
_Children = tuple[Any, Any]
_children: dict[tuple[str, str, int], _Children] = {}


def _series(route: str, method: str, status: int) -> _Children:
    found = _children.get((route, method, status))
    if found is None:
        found = _children[route, method, status] = (
            REQUESTS.labels(route, method, str(status)),
            DURATION.labels(route, method),
        )
    return found


def observe(scope: Scope, status: int, seconds: float) -> None:
    method = scope.get("method", "")
    method = method if method in METHODS else "OTHER"
    requests, duration = _series(route_label(scope), method, status)
    requests.inc()
    duration.observe(seconds)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._sampler: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._watch_lifespan(scope, send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the caller gets if the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except asyncio.CancelledError:
            status = CLIENT_GONE
            raise
        finally:
            observe(scope, status, time.perf_counter() - started)

    def _watch_lifespan(self, scope: Scope, send: Send) -> Callable[[Message], Awaitable[None]]:
        async def watching(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                self._started(scope.get("app"))
            elif message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                await self._stopped()
            await send(message)

        return watching

    def _started(self, app: Any) -> None:
        state = getattr(getattr(app, "state", None), "accord", None)
        engine = getattr(state, "engine", None)
        if engine is not None and self._sampler is None:
            self._sampler = asyncio.create_task(metrics_pool.run_sampler(engine, "api"))

    async def _stopped(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None
        process_exited()
