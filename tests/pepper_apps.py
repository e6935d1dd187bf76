"""Apps and workers of one database under given key peppers: a restart with a rotation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.config import Settings
from accord.worker.runner import Worker
from tests.conftest import PEPPER, make_settings

P1 = PEPPER  # what the session's app (tests/conftest.py) runs with
P2 = "second-pepper-for-rotation-tests-0123456789"
P3 = "third-pepper-for-rotation-tests-0123456789x"


def pepper_settings(database_url: str, peppers: Sequence[str], **overrides: Any) -> Settings:
    return make_settings(
        database_url, key_pepper=peppers[0], key_peppers=list(peppers), **overrides
    )


@asynccontextmanager
async def served(database_url: str, peppers: Sequence[str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a fresh app on the shared (migrated) database, as after a restart with
    ACCORD_KEY_PEPPERS=<peppers>."""
    app = create_app(pepper_settings(database_url, peppers), run_startup_checks=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def worker_with(
    database_url: str, peppers: Sequence[str], sessionmaker: async_sessionmaker[AsyncSession]
) -> Worker:
    return Worker(pepper_settings(database_url, peppers), sessionmaker, {})
