"""The one-hop aiosqlite cursor (kit/sqlite_driver.py): SQLAlchemy's behaviour, one
thread hop per statement."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.db import create_engine, create_sessionmaker, session_scope
from accord.exceptions import DatabaseTroubleError
from accord.kit.sqlite_driver import OneHopCursor
from tests.conftest import make_settings
from tests.locks import write_lock_held


@pytest.fixture
async def local_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}"))
    async with eng.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield eng
    await eng.dispose()


async def test_rows_counts_and_ids_come_back_as_from_the_stock_cursor(
    local_engine: AsyncEngine,
) -> None:
    async with local_engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert inserted.lastrowid == 1
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
        changed = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
        assert changed.rowcount == 2
        rows = (await conn.execute(text("SELECT id, v FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b!"), (3, "c!")]
        assert (await conn.execute(text("SELECT v FROM t WHERE id = 9"))).first() is None
        assert isinstance(conn.sync_connection.connection.dbapi_connection.cursor(), OneHopCursor)  # type: ignore[union-attr]


async def test_driver_errors_keep_their_sqlalchemy_types(local_engine: AsyncEngine) -> None:
    async with local_engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    with pytest.raises(IntegrityError):
        async with local_engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    with pytest.raises(OperationalError):
        async with local_engine.begin() as conn:
            await conn.execute(text("SELECT nope FROM t"))


async def test_a_read_transaction_stays_on_the_loop_and_a_write_hops_once_a_statement(
    local_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read runs on the event loop's thread; a write's BEGIN IMMEDIATE, statement,
    COMMIT and the pool's reset take one hop each (the stock cursor made four per
    statement)."""
    sessionmaker = create_sessionmaker(local_engine)
    async with session_scope(sessionmaker, write=False) as session:  # warm the pool
        await session.execute(text("SELECT 1"))
    hops = _hop_counter(monkeypatch)
    async with session_scope(sessionmaker, write=False) as session:
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    assert hops[0] == 0
    async with session_scope(sessionmaker) as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('w')"))
    assert hops[0] == 4
    async with session_scope(sessionmaker, write=False) as session:  # sees the commit
        assert (await session.execute(text("SELECT v FROM t"))).scalars().all() == ["w"]
    assert hops[0] == 4


async def test_a_failed_read_rolls_back_and_the_connection_serves_on(
    local_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(local_engine)
    with pytest.raises(OperationalError):
        async with session_scope(sessionmaker, write=False) as session:
            await session.execute(text("SELECT nope FROM t"))
    async with session_scope(sessionmaker) as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('after')"))
    async with session_scope(sessionmaker, write=False) as session:
        assert (await session.execute(text("SELECT v FROM t"))).scalars().all() == ["after"]


# A request's write transaction on the loop's thread (`begin` with inline, db._Writers).


def _hop_counter(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Hops to a connection's thread made by this test's task. (The patch is global: a
    connection an earlier test left to be closed hops too, and once failed the counts
    when tests/kit ran after tests/contract.)"""
    hops = [0]
    real = aiosqlite.Connection._execute
    ours = asyncio.current_task()

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if asyncio.current_task() is ours:
            hops[0] += 1
        return await real(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return hops


async def test_an_inline_write_runs_on_the_loop_and_commits(
    local_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessionmaker = create_sessionmaker(local_engine)
    async with session_scope(sessionmaker, write=False) as session:  # warm the pool
        await session.execute(text("SELECT 1"))
    hops = _hop_counter(monkeypatch)
    async with session_scope(sessionmaker, inline=True) as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('inline')"))
    with pytest.raises(IntegrityError):  # rolled back on the loop too
        async with session_scope(sessionmaker, inline=True) as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('inline')"))
    assert hops[0] == 0
    async with session_scope(sessionmaker, write=False) as session:
        assert (await session.execute(text("SELECT v FROM t"))).scalars().all() == ["inline"]


@asynccontextmanager
async def _database(
    tmp_path: Path, busy_ms: int
) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    """A SQLite file of its own with table ``t``, waiting ``busy_ms`` for the write lock."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
    engine = create_engine(make_settings(url, sqlite_busy_timeout_ms=busy_ms))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        yield url, create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def test_an_inline_writer_waits_for_another_process_without_stalling_the_loop(
    tmp_path: Path,
) -> None:
    """Another connection (another process, as far as SQLite knows) holds the write lock:
    the inline BEGIN IMMEDIATE polls with ``await`` between tries, so other tasks run
    meanwhile, and it gets the lock once the holder lets go."""
    async with _database(tmp_path, 5000) as (url, sessionmaker):
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        with write_lock_held(url, 0.5, table="t", backend="sqlite"):
            tick_task = asyncio.create_task(ticker())
            started = time.monotonic()
            async with session_scope(sessionmaker, inline=True) as session:
                await session.execute(text("INSERT INTO t (v) VALUES ('after')"))
            waited = time.monotonic() - started
            tick_task.cancel()
        assert 0.3 < waited < 4.0
        assert ticks >= 10, f"the loop ran {ticks} times in {waited:.2f} s"


async def test_an_inline_writer_gives_up_at_the_busy_timeout_with_a_503(tmp_path: Path) -> None:
    async with _database(tmp_path, 200) as (url, sessionmaker):
        with write_lock_held(url, 10, table="t", backend="sqlite"):
            started = time.monotonic()
            with pytest.raises(DatabaseTroubleError) as raised:
                async with session_scope(sessionmaker, inline=True) as session:
                    await session.execute(text("INSERT INTO t (v) VALUES ('never')"))
            assert time.monotonic() - started < 2.0
        assert raised.value.instance_code == "database_busy"
        async with session_scope(sessionmaker, inline=True) as session:  # serves on
            await session.execute(text("INSERT INTO t (v) VALUES ('later')"))
            assert (await session.execute(text("SELECT v FROM t"))).scalars().all() == ["later"]


async def test_writers_of_one_process_queue_instead_of_failing_busy(tmp_path: Path) -> None:
    """Twenty concurrent write transactions, each holding the lock across an ``await``,
    with a busy timeout far shorter than their total: they take turns on the process's
    lock (db._Writers), none fails."""
    async with _database(tmp_path, 1000) as (_url, sessionmaker):

        async def write(i: int) -> None:
            async with session_scope(sessionmaker, inline=True) as session:
                await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": str(i)})
                await asyncio.sleep(0.02)

        await asyncio.gather(*(write(i) for i in range(20)))
        async with session_scope(sessionmaker, write=False) as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 20
