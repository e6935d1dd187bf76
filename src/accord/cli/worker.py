"""`accord worker`: deliver webhooks and run scheduled tasks until stopped."""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING

import typer

from accord.cli._common import fail, load_settings

if TYPE_CHECKING:
    from accord.config import Settings


async def _run(settings: Settings) -> None:
    from accord.db import create_engine, create_sessionmaker
    from accord.migrate import schema_status
    from accord.startup import StartupError, check_database
    from accord.worker.runner import Worker
    from accord.worker.tasks import default_tasks

    engine = create_engine(settings)
    try:
        await check_database(settings, engine)
        if not (await schema_status(engine)).up_to_date:
            raise StartupError("database schema is behind the code: run `accord db upgrade`")
        worker = Worker(settings, create_sessionmaker(engine), default_tasks(settings))
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
        if not running.done():
            running.cancel()
        released = await worker.release()
        typer.echo(
            f"worker stopped: {worker.stats.delivered} delivered, {worker.stats.retried} "
            f"retried, {worker.stats.dead} dead, {released} released",
            err=True,
        )
        stopper.cancel()
    finally:
        await engine.dispose()


def worker() -> None:
    """Deliver webhooks and run scheduled tasks (several may run against PostgreSQL).

    SIGTERM finishes the batch in flight; a second SIGTERM releases it at once."""
    from accord.logging import configure_logging
    from accord.startup import StartupError

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        asyncio.run(_run(settings))
    except StartupError as exc:
        fail(str(exc), 1)
