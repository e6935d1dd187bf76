"""`accord serve`: start the HTTP API (and, on the embedded default, a worker)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

from accord.cli._common import fail, load_settings

if TYPE_CHECKING:
    from accord.config import Settings


async def _prepare(settings: Settings) -> None:
    from accord.db import create_engine, create_sessionmaker
    from accord.startup import prepare

    engine = create_engine(settings)
    try:
        await prepare(settings, engine, create_sessionmaker(engine))
    finally:
        await engine.dispose()


def serve(
    host: str | None = typer.Option(None, help="Bind address (default: ACCORD_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: ACCORD_PORT).", min=1, max=65535),
) -> None:
    """Start Accord. On the embedded SQLite default it applies migrations itself."""
    import uvicorn

    from accord.app import create_app
    from accord.config import bind_problems
    from accord.logging import configure_logging
    from accord.startup import StartupError

    settings = load_settings()
    problems = bind_problems(settings, host) if host else []
    if problems:
        fail("unsafe settings: " + "; ".join(problems))
    configure_logging(settings.log_level, settings.log_format)
    try:
        asyncio.run(_prepare(settings))
    except StartupError as exc:
        fail(str(exc), 1)
    app = create_app(settings, run_startup_checks=False, warm_engine=True)
    worker = "with an in-process worker" if settings.should_run_worker_in_process else "no worker"
    typer.echo(
        f"Accord listening on http://{host or settings.host}:{port or settings.port} "
        f"(database: {'SQLite' if settings.is_sqlite else 'PostgreSQL'}, {worker})",
        err=True,
    )
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level="warning",
        access_log=False,
        server_header=False,
        # The client address is the socket peer unless ACCORD_TRUSTED_PROXIES says
        # otherwise (ratelimit/identity.py); uvicorn must not rewrite it first.
        proxy_headers=False,
    )
