"""Issue 15: the worker survives database trouble, says how it is, and stops loudly.

Each test here failed on a52fa47: one transient database error ended `Worker.run` for
good (deliveries stayed pending, `/readyz` said ok), `accord worker` then exited 0, a
dead in-process worker aborted the server's shutdown before key usage was flushed, and
leases were fixed at claim time whatever the batch took.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.db import create_engine, create_sessionmaker, session_scope
from accord.migrate import upgrade
from accord.models import ApiKey, Delivery
from accord.worker.repository import WorkerRepository
from accord.worker.runner import Worker
from tests.conftest import BACKEND, PEPPER, Actors, admin_key_for, bearer, make_settings
from tests.lifecycle_helpers import make_asset, register
from tests.locks import write_lock_held
from tests.receiver import Receiver
from tests.worker.conftest import subscribe

ACCORD = str(Path(sys.executable).parent / "accord")


async def _wait_for(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_worker_survives_a_held_lock_and_delivers_once_it_is_released(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, database_url: str
) -> None:
    """On a52fa47 the first `database is locked` (SQLite) ended the loop for good."""
    settings = make_settings(
        database_url,
        sqlite_busy_timeout_ms=200,
        db_lock_timeout_ms=200,
        worker_poll_interval_s=0.05,
    )
    engine = create_engine(settings)
    worker = Worker(settings, create_sessionmaker(engine), {})
    await subscribe(client, actors, receiver.url)
    first = await make_asset(client, actors)
    assert (await register(client, actors, first)).status_code == 201  # one delivery due
    running = asyncio.create_task(asyncio.sleep(0))
    try:
        with write_lock_held(database_url, 30, table="deliveries") as release:
            running = asyncio.create_task(worker.run())
            assert await _wait_for(lambda: worker.health.failures_total >= 2, 15)
            assert not running.done(), "the worker loop ended on a database error"
            snapshot = worker.health.snapshot(worker.stale_after_s)
            assert snapshot["status"] == "failing"
            assert isinstance(snapshot["consecutive_failures"], int)
            assert snapshot["consecutive_failures"] >= 2
            assert receiver.received == []
            release.set()
        # The lock is gone: what was due goes out, and so does what comes next, without
        # restarting anything.
        assert await _wait_for(lambda: len(receiver.received) == 1, 15)
        second = await make_asset(client, actors, fqn="warehouse.sales.returns")
        assert (await register(client, actors, second)).status_code == 201
        assert await _wait_for(lambda: len(receiver.received) == 2, 15)
        assert not running.done()
        assert worker.health.snapshot(worker.stale_after_s)["status"] == "ok"
    finally:
        worker.stop()
        await asyncio.wait_for(running, 15)
        await engine.dispose()


async def test_leases_are_extended_while_a_batch_is_in_flight(
    client: httpx.AsyncClient,
    actors: Actors,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """On a52fa47 a lease was fixed at claim time: a batch running past it was re-sent
    by a second worker. Now a live worker pushes its leases forward."""
    settings = make_settings(
        database_url, worker_lease_s=3, webhook_timeout_s=2.9, worker_batch_size=10
    )
    worker = Worker(settings, sessionmaker, {})
    async with Receiver(delay_s=2.5) as slow:
        await subscribe(client, actors, slow.url)
        asset = await make_asset(client, actors)
        await register(client, actors, asset)
        async with worker.http() as http:
            batch = asyncio.create_task(worker.run_once(http))
            assert await _wait_for(lambda: len(slow.received) == 1, 5)
            async with session_scope(sessionmaker) as s:
                first = (await s.execute(select(Delivery.lease_expires_at))).scalar_one()
            await asyncio.sleep(1.6)  # past one extension period (a third of the lease)
            async with session_scope(sessionmaker) as s:
                later = (await s.execute(select(Delivery.lease_expires_at))).scalar_one()
            assert first is not None
            assert later is not None
            assert later > first, "the lease was not extended while the delivery was in flight"
            assert await batch == 1
    async with session_scope(sessionmaker) as s:
        [delivery] = (await s.execute(select(Delivery))).scalars()
    assert delivery.status == "delivered"
    assert delivery.attempts == 1


@pytest.mark.skipif(BACKEND != "postgresql", reason="the database clock is PostgreSQL's")
async def test_lease_times_come_from_the_database_clock(
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A worker whose clock is an hour behind neither sees expired leases as live nor
    writes leases that expire an hour early: the claim uses PostgreSQL's now()."""
    await subscribe(client, actors, receiver.url)
    asset = await make_asset(client, actors)
    await register(client, actors, asset)
    skewed = datetime.now(UTC) - timedelta(hours=1)
    async with session_scope(sessionmaker) as s:
        [claimed] = await WorkerRepository(s).claim("t", skewed, timedelta(seconds=60), 10)
        db_now = (await s.execute(text("SELECT now()"))).scalar_one()
        expires = (
            await s.execute(select(Delivery.lease_expires_at).where(Delivery.id == claimed.id))
        ).scalar_one()
    assert expires is not None
    assert abs((expires - db_now).total_seconds() - 60) < 5


def _worker_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.update(
        ACCORD_DATABASE_URL=database_url,
        ACCORD_KEY_PEPPER=PEPPER,
        ACCORD_LOG_LEVEL="warning",
        ACCORD_WORKER_POLL_INTERVAL_S="0.05",
    )
    return env


async def _broken_sqlite_database(tmp_path: Path) -> str:
    """A migrated SQLite file whose deliveries table then disappears: every iteration of
    a worker fails the same way, and it is not database trouble that will pass."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'broken.db'}"
    engine = create_engine(make_settings(url))
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE delivery_attempts"))
            await conn.execute(text("DROP TABLE deliveries"))
    finally:
        await engine.dispose()
    return url


async def test_accord_worker_exits_non_zero_when_it_must_stop(tmp_path: Path) -> None:
    """On a52fa47 it printed "worker stopped" and exited 0, so no supervisor restarted it."""
    url = await _broken_sqlite_database(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [ACCORD, "worker", "--health-port", str(port)],
        env=_worker_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        seen_failing = False
        async with httpx.AsyncClient() as http:
            deadline = time.monotonic() + 30
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    r = await http.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    seen_failing |= r.json()["status"] == "failing"
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err.decode()
    assert seen_failing, "the health endpoint never showed the failures"
    assert "worker failed" in err.decode()
    assert "no such table" in err.decode()


def _free_port() -> int:
    from tests.receiver import free_port

    return free_port()


@pytest.fixture
async def dead_worker_app(tmp_path: Path) -> AsyncIterator[tuple[object, AsyncEngine, str]]:
    url = await _broken_sqlite_database(tmp_path)
    settings = make_settings(url, worker_in_process=True, worker_poll_interval_s=0.05)
    engine = create_engine(settings)
    try:
        _, key = await admin_key_for(create_sessionmaker(engine), "dead")
        yield create_app(settings, run_startup_checks=False), engine, key
    finally:
        await engine.dispose()


async def test_dead_in_process_worker_fails_readyz_and_shutdown_still_flushes_usage(
    dead_worker_app: tuple[object, AsyncEngine, str],
) -> None:
    """On a52fa47 `/readyz` said ok with the worker dead, and shutdown ended in
    "Application shutdown failed" before the pending `last_used_at` updates were written."""
    app, engine, key = dead_worker_app
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/api/v1/me", headers=bearer(key))).status_code == 200
            deadline = time.monotonic() + 30
            ready = await client.get("/readyz")
            while ready.status_code == 200 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                ready = await client.get("/readyz")
            assert ready.status_code == 503, ready.text
            worker = ready.json()["worker"]
            assert worker["status"] == "down"
            assert "no such table" in worker["stopped"]
    # The lifespan ended without raising, and the key's use was flushed on the way out.
    async with session_scope(create_sessionmaker(engine)) as s:
        used = (await s.execute(select(ApiKey.last_used_at))).scalars().all()
    assert any(u is not None for u in used)
