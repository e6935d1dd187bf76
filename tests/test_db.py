"""Issue 15: database trouble is a 503 problem with Retry-After, never a 500 or a hang.

On a52fa47 a write waiting on SQLite's lock ended in `500 database is locked`, a
database that was down gave 500s, and PostgreSQL sessions had no lock or statement
timeout (a request waited on a row lock for as long as the holder liked).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.db import create_engine, create_sessionmaker, session_scope
from accord.exceptions import DatabaseTroubleError
from accord.models import Team
from tests.conftest import BACKEND, Actors, make_settings
from tests.locks import write_lock_held
from tests.receiver import free_port


@pytest.fixture
async def impatient(database_url: str, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """An app that waits only 200 ms for a lock, on the test database."""
    settings = make_settings(
        database_url, sqlite_busy_timeout_ms=200, db_lock_timeout_ms=200, db_retry_after_s=3
    )
    app = create_app(settings, run_startup_checks=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_a_write_waiting_on_a_held_lock_is_a_503_with_retry_after(
    impatient: httpx.AsyncClient, actors: Actors, database_url: str
) -> None:
    with write_lock_held(database_url, 20, table="teams"):
        started = time.monotonic()
        r = await impatient.post("/api/v1/teams", json={"name": "late"}, headers=actors.admin)
        waited = time.monotonic() - started
        assert r.status_code == 503, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["Retry-After"] == "3"
        body = r.json()
        assert body["code"] == ("lock_timeout" if BACKEND == "postgresql" else "database_busy")
        assert "nothing was written" in body["detail"]
        assert body["request_id"] == r.headers["X-Request-ID"]
        assert waited < 10
    # Nothing was written, and once the lock is gone the same request succeeds.
    listed = await impatient.get("/api/v1/teams", headers=actors.admin)
    assert "late" not in [t["name"] for t in listed.json()["items"]]
    again = await impatient.post("/api/v1/teams", json={"name": "late"}, headers=actors.admin)
    assert again.status_code == 201, again.text


@pytest.fixture
async def unreachable() -> AsyncIterator[FastAPI]:
    """An app whose PostgreSQL is down (nothing listens on its port)."""
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/accord"
    settings = make_settings(url, db_connect_timeout_s=1, db_retry_after_s=5)
    app = create_app(settings, run_startup_checks=False)
    async with app.router.lifespan_context(app):
        yield app


async def test_a_database_that_is_down_is_a_503_not_a_500(unreachable: FastAPI) -> None:
    transport = httpx.ASGITransport(app=unreachable)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        headers = {"Authorization": "Bearer acc_live_doesnotmatterbecausethedbisdown"}
        for method, path in (("GET", "/api/v1/me"), ("POST", "/api/v1/teams")):
            r = await client.request(method, path, headers=headers, json={"name": "x"})
            assert r.status_code == 503, r.text
            assert r.json()["code"] == "database_unavailable"
            assert r.headers["Retry-After"] == "5"
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert (await client.get("/healthz")).status_code == 200


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL session settings")
async def test_every_postgresql_session_has_lock_and_statement_timeouts(database_url: str) -> None:
    engine = create_engine(
        make_settings(database_url, db_lock_timeout_ms=1234, db_statement_timeout_ms=5678)
    )
    try:
        async with session_scope(create_sessionmaker(engine), write=False) as s:
            lock = (await s.execute(text("SHOW lock_timeout"))).scalar_one()
            statement = (await s.execute(text("SHOW statement_timeout"))).scalar_one()
        assert (lock, statement) == ("1234ms", "5678ms")
        with pytest.raises(DatabaseTroubleError) as caught:
            async with session_scope(create_sessionmaker(engine), write=False) as s:
                await s.execute(text("SELECT pg_sleep(6)"))
        assert caught.value.instance_code == "statement_timeout"
    finally:
        await engine.dispose()


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL detects deadlocks")
async def test_a_deadlock_is_database_trouble_not_an_internal_error(
    sessionmaker: async_sessionmaker[AsyncSession], actors: Actors
) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    async with session_scope(sessionmaker) as s:
        s.add_all(
            [Team(id=a, workspace_id=actors.workspace_id, name="a"),
             Team(id=b, workspace_id=actors.workspace_id, name="b")]
        )  # fmt: skip
    both = asyncio.Barrier(2)

    async def crosswise(first: uuid.UUID, second: uuid.UUID) -> str | None:
        try:
            async with session_scope(sessionmaker) as s:
                update = "UPDATE teams SET description = 'x' WHERE id = :id"
                await s.execute(text(update), {"id": first})
                await both.wait()
                await s.execute(text(update), {"id": second})
        except DatabaseTroubleError as exc:
            return exc.instance_code
        return None

    codes = await asyncio.gather(crosswise(a, b), crosswise(b, a))
    assert sorted(c or "" for c in codes) == ["", "deadlock"]
