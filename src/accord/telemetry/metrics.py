"""Prometheus metrics: GET /metrics and the request middleware (docs/metrics.md, ADR 0033).

`install` runs in `create_app`, before any request: it switches on multiprocess mode when
``ACCORD_METRICS_DIR`` is set, creates every labelled series at zero (so dashboards and
alerts see them before the first event), adds the request middleware (just inside the
request context, so it sees every answer, 429s and 500s included) and serves the scrape.

The scrape is open on the API's port, like /healthz: it shows counts and durations, never
a name, key or payload. Put it behind the proxy's rules if that is not acceptable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from accord.config import Settings
from accord.ratelimit import metrics as ratelimit_metrics
from accord.telemetry import metrics_engine, metrics_worker
from accord.telemetry.metrics_db import DatabaseGauges
from accord.telemetry.metrics_http import MetricsMiddleware
from accord.telemetry.metrics_process import activate, exposition_registry

PATH = "/metrics"


def prepare(settings: Settings) -> None:
    """What every process (API or worker) does before it counts anything."""
    if settings.metrics_dir is not None:
        activate(settings.metrics_dir)
    metrics_engine.prime()
    metrics_worker.prime()
    ratelimit_metrics.prime()


async def render(collectors: Iterable[Collector], accept: str | None) -> tuple[bytes, str]:
    """The exposition the ``Accept`` header asks for (Prometheus text 0.0.4 unless it asks
    for OpenMetrics) and its content type. Reading the shared files is disk I/O: it runs
    off the event loop."""
    encode, content_type = choose_encoder(accept or "")
    registry = exposition_registry(collectors)
    return await asyncio.to_thread(encode, registry), content_type


def install(app: FastAPI, settings: Settings) -> None:
    if not settings.metrics_enabled:
        return
    prepare(settings)
    app.add_middleware(MetricsMiddleware)
    database = DatabaseGauges()

    async def scrape(request: Request) -> Response:
        state = getattr(request.app.state, "accord", None)
        if database.sessionmaker is None and state is not None:
            database.sessionmaker = state.sessionmaker
        await database.refresh()
        collectors = [database, metrics_worker.HeartbeatAge()]
        body, content_type = await render(collectors, request.headers.get("accept"))
        return Response(body, headers={"Content-Type": content_type})

    app.add_api_route(PATH, scrape, methods=["GET"], include_in_schema=False)
