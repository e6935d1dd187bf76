"""Engines, sessions and the transaction boundary.

One request or task = one transaction. `session_scope` opens it and commits on success
or rolls back on any exception; nothing else in the code base calls ``commit()``.

SQLite specifics: WAL journal, foreign keys on, a busy timeout, and write transactions
opened with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of
failing when a read lock cannot be upgraded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from accord.config import Settings

_WRITE_OPTION = "accord_write"


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(settings, url.database)
    connect_args: dict[str, Any] = {"timeout": settings.db_connect_timeout_s}
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def _sqlite_engine(settings: Settings, database: str | None) -> AsyncEngine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        settings.resolved_database_url,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
    )
    busy_ms = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession], *, write: bool = True
) -> AsyncIterator[AsyncSession]:
    """The transaction boundary: commit when the block succeeds, roll back otherwise."""
    async with sessionmaker() as session:
        await session.connection(execution_options={_WRITE_OPTION: write})
        try:
            yield session
            if write:
                await session.commit()
            else:
                await session.rollback()
        except BaseException:
            await session.rollback()
            raise


async def ping(engine: AsyncEngine, timeout_s: float) -> None:
    """Raise if the database cannot be reached within ``timeout_s`` seconds."""

    async def _probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.wait_for(_probe(), timeout=timeout_s)
