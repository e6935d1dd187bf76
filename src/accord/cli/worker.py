"""`accord worker`: deliver webhooks and run scheduled tasks until stopped.

Exit codes: 0 after SIGTERM/SIGINT, 1 when it cannot start or must stop (the loop failed
the same way too often: see accord.worker.runner), so a supervisor restarts it.
`--health-port` serves the heartbeat at GET /healthz (200 ok or failing, 503 down) for
a liveness probe, and the worker's Prometheus metrics at GET /metrics (every process's,
merged, when ACCORD_METRICS_DIR is shared: docs/metrics.md).
"""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Annotated

import typer

from accord.cli._common import fail, load_settings
from accord.cli.exit_codes import STARTUP_FAILED

if TYPE_CHECKING:
    from accord.config import Settings
    from accord.worker.runner import Worker


async def _serve_health(worker: Worker, host: str, port: int, stack: AsyncExitStack) -> None:
    """GET /healthz on host:port: the worker's heartbeat as JSON (and /metrics)."""
    from aiohttp import web

    async def healthz(_request: web.Request) -> web.Response:
        snapshot = worker.health.snapshot(worker.stale_after_s)
        return web.json_response(snapshot, status=503 if snapshot["status"] == "down" else 200)

    async def metrics(request: web.Request) -> web.Response:
        from accord.telemetry.metrics import render
        from accord.telemetry.metrics_worker import HeartbeatAge

        body, content_type = await render([HeartbeatAge()], request.headers.get("Accept"))
        return web.Response(body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    if worker.settings.metrics_enabled:
        app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, host, port).start()


async def _run(settings: Settings, health_port: int | None, health_host: str) -> int:
    from accord.db import create_engine, create_sessionmaker
    from accord.logging import announce
    from accord.migrate import schema_status
    from accord.startup import StartupError, check_database, warn_connection_budget
    from accord.telemetry import metrics, metrics_pool, metrics_process
    from accord.worker.runner import Worker, WorkerFatalError
    from accord.worker.tasks import default_tasks

    if settings.metrics_enabled:
        metrics.prepare(settings)
    engine = create_engine(settings)
    async with AsyncExitStack() as stack:
        stack.callback(metrics_process.process_exited)  # last: its live gauges go
        stack.push_async_callback(engine.dispose)
        sampler = asyncio.create_task(metrics_pool.run_sampler(engine, "worker"))
        stack.callback(sampler.cancel)
        await check_database(settings, engine)
        await warn_connection_budget(settings, engine)
        status = await schema_status(engine)
        if not status.compatible:
            raise StartupError(status.message)
        worker = Worker(settings, create_sessionmaker(engine), default_tasks(settings))
        if health_port is not None:
            await _serve_health(worker, health_host, health_port, stack)
        loop = asyncio.get_running_loop()
        forced = asyncio.Event()

        def _on_signal() -> None:
            if worker.stopping:
                forced.set()  # second signal: stop waiting for the batch in flight
            worker.stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _on_signal)
        running = asyncio.create_task(worker.run())
        stopper = asyncio.create_task(forced.wait())
        await asyncio.wait({running, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not running.done():
            running.cancel()
        code = 0
        try:
            await running
        except asyncio.CancelledError:
            pass
        except WorkerFatalError as exc:
            announce("worker_failed", message=f"worker failed: {exc}")
            code = 1
        try:
            released = await worker.release()
        except Exception as exc:  # the database may be what failed; leases expire on their own
            announce(
                "worker_release_failed",
                message=f"could not release claimed deliveries ({type(exc).__name__}); "
                "they are re-claimed when their lease expires",
            )
            released = 0
        announce(
            "worker_stopped",
            message=f"worker stopped: {worker.stats.delivered} delivered, "
            f"{worker.stats.retried} retried, {worker.stats.dead} dead, {released} released",
        )
        return code


def worker(
    health_port: Annotated[
        int | None,
        typer.Option(help="Serve the heartbeat at http://HOST:PORT/healthz (probes)."),
    ] = None,
    health_host: Annotated[
        str,
        typer.Option(
            help="Where --health-port listens: 0.0.0.0 lets Prometheus scrape the worker's "
            "/metrics from outside its container (it shows counts, never payloads)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Deliver webhooks and run scheduled tasks (several may run against PostgreSQL).

    SIGTERM finishes the batch in flight; a second SIGTERM releases it at once. Exits 1
    when the worker must stop (a supervisor should restart it)."""
    from accord.logging import configure_logging
    from accord.startup import StartupError
    from accord.telemetry import tracing

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    tracing.configure(settings)  # delivery spans: sampled and exported like the server's
    try:
        code = asyncio.run(_run(settings, health_port, health_host))
    except StartupError as exc:
        fail(str(exc), STARTUP_FAILED)
    if code:
        raise typer.Exit(code)
