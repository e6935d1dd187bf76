"""`accord serve`: start the HTTP API."""

from __future__ import annotations

import asyncio

import typer
import uvicorn

from accord.app import create_app
from accord.cli._common import fail, load_settings
from accord.config import Settings
from accord.db import create_engine, create_sessionmaker
from accord.logging import configure_logging
from accord.startup import StartupError, prepare


async def _prepare(settings: Settings) -> None:
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
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        asyncio.run(_prepare(settings))
    except StartupError as exc:
        fail(str(exc), 1)
    app = create_app(settings, run_startup_checks=False)
    typer.echo(
        f"Accord listening on http://{host or settings.host}:{port or settings.port} "
        f"(database: {'SQLite' if settings.is_sqlite else 'PostgreSQL'})",
        err=True,
    )
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
