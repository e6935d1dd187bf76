"""Helpers shared by the server-side commands.

Server modules (SQLAlchemy, FastAPI, ...) are imported inside the commands that need
them, so `accord --help` and the client commands start fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from accord.cli.errors import fail
from accord.cli.exit_codes import STARTUP_FAILED

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from accord.config import Settings

T = TypeVar("T")

__all__ = ["fail", "load_settings", "with_engine"]


def load_settings() -> Settings:
    from pydantic import ValidationError

    from accord.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        fail(f"invalid setting ACCORD_{where.upper()}: {message}" if where else message)


def with_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``work`` against a reachable database, or exit 1 with a one-line reason."""
    from accord.db import create_engine
    from accord.startup import StartupError, check_database

    async def _go() -> T:
        engine = create_engine(settings)
        try:
            await check_database(settings, engine)
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(_go())
    except StartupError as exc:
        fail(str(exc), STARTUP_FAILED)
