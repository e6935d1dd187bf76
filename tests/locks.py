"""A lock held by another connection, for tests of what waiting writers do."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

from tests.conftest import BACKEND


@contextmanager
def write_lock_held(
    database_url: str, seconds: float, *, table: str, backend: str = BACKEND
) -> Iterator[threading.Event]:
    """Another connection holds the write lock (SQLite) or an exclusive lock on ``table``
    (PostgreSQL) for at most ``seconds``; setting the yielded event releases it.
    ``backend``: the test database's, unless the test made a database of its own."""
    held, done = threading.Event(), threading.Event()

    def sqlite_holder() -> None:
        conn = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        done.wait(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    async def pg_holder() -> None:
        import asyncpg

        url = make_url(database_url).set(drivername="postgresql")
        conn = await asyncpg.connect(url.render_as_string(hide_password=False))
        try:
            async with conn.transaction():
                await conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                held.set()
                await asyncio.get_running_loop().run_in_executor(None, done.wait, seconds)
        finally:
            await conn.close()

    if backend == "postgresql":
        thread = threading.Thread(target=lambda: asyncio.run(pg_holder()))
    else:
        thread = threading.Thread(target=sqlite_holder)
    thread.start()
    assert held.wait(10), "could not take the lock"
    try:
        yield done
    finally:
        done.set()
        thread.join(15)
