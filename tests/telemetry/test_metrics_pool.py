"""The pool gauges read a real, exhausted pool: connections in use and callers waiting.
`waiting` reads SQLAlchemy's queue; this fails first if a release changes it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from accord.telemetry import metrics_pool
from tests.conftest import BACKEND


@pytest.fixture
async def small_pool(tmp_path: Path, database_url: str) -> AsyncIterator[AsyncEngine]:
    """One connection at most: the second caller must wait."""
    url = database_url if BACKEND == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/p.db"
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=10)
    yield engine
    await engine.dispose()


def gauge(name: str, role: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"role": role})


async def _settle(condition: object) -> None:
    for _ in range(100):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)


async def test_in_use_and_waiting(small_pool: AsyncEngine, engine: AsyncEngine) -> None:
    # (`engine`: the session's database exists, migrated, on PostgreSQL too.)
    pool = small_pool.sync_engine.pool
    assert metrics_pool.waiting(pool) == 0  # no caller yet: nothing waits
    assert metrics_pool.capacity(pool) == 1
    async with small_pool.connect() as held:
        await held.execute(text("SELECT 1"))
        assert metrics_pool.in_use(pool) == 1
        second = asyncio.create_task(_use(small_pool))
        await _settle(lambda: metrics_pool.waiting(pool) == 1)
        assert metrics_pool.waiting(pool) == 1
        metrics_pool.sample(small_pool, "api")
        assert gauge("accord_db_pool_waiting_requests", "api") == 1
        assert gauge("accord_db_pool_connections_in_use", "api") == 1
    await second
    assert metrics_pool.waiting(pool) == 0
    assert metrics_pool.in_use(pool) == 0


async def _use(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def test_the_sampler_runs_until_cancelled(small_pool: AsyncEngine) -> None:
    task = asyncio.create_task(metrics_pool.run_sampler(small_pool, "worker", every_s=0.01))
    async with small_pool.connect() as held:
        await held.execute(text("SELECT 1"))
        await _settle(lambda: gauge("accord_db_pool_connections_in_use", "worker") == 1)
        assert gauge("accord_db_pool_connections_in_use", "worker") == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
