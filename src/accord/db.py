"""Engines, sessions and the transaction boundary.

One request or task = one transaction. `session_scope` opens it and commits on success
or rolls back on any exception; nothing else in the code base calls ``commit()``.

SQLite specifics: WAL journal, foreign keys on, a busy timeout, and write transactions
opened with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of
failing when a read lock cannot be upgraded. Inside one process, `session_scope` lets one
write transaction at a time ask for that lock (`_Writers`: an ``asyncio.Lock`` waited on
up to the busy timeout), so a request's write can run on the loop's thread
(``inline``, kit/sqlite_driver.py) and only other processes' writers are polled for.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
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
from accord.exceptions import DatabaseTroubleError
from accord.kit.dberrors import DETAIL, Trouble, classify, classify_connect
from accord.kit.sqlite_driver import begin, one_hop_dbapi

_WRITE_OPTION = "accord_write"
_INLINE_OPTION = "accord_inline"


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(settings, url.database)
    connect_args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout_s,
        # Every session waits at most this long for a lock or a statement (then 503).
        "server_settings": {
            "lock_timeout": str(settings.db_lock_timeout_ms),
            "statement_timeout": str(settings.db_statement_timeout_ms),
        },
    }
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
        # check_same_thread: transactions may run on the loop's thread (sqlite_driver.begin)
        connect_args={
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
            "check_same_thread": False,
        },
        module=one_hop_dbapi(),  # one thread hop per statement (kit/sqlite_driver.py)
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
        options = conn.get_execution_options()
        write = options.get(_WRITE_OPTION, True)
        inline = options.get(_INLINE_OPTION, False)
        if not begin(conn.connection.dbapi_connection, write=write, inline=inline, busy_ms=busy_ms):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    _WRITERS[engine.sync_engine] = _Writers(busy_ms / 1000)
    return engine


class _Writers:
    """One SQLite engine's write transactions in this process, one at a time (SQLite has
    one writer anyway): the others wait here, on the loop, rather than on the database's
    lock. Per event loop (a lock belongs to one); the task holding it passes through, so
    a nested write fails on the database's lock as it always did instead of hanging."""

    def __init__(self, busy_s: float) -> None:
        self.busy_s = busy_s
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._holders: dict[asyncio.Lock, asyncio.Task[Any] | None] = {}

    @asynccontextmanager
    async def one(self) -> AsyncIterator[None]:
        lock = self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        task = asyncio.current_task()
        if lock.locked() and self._holders.get(lock) is task:
            yield
            return
        try:
            async with asyncio.timeout(self.busy_s):
                await lock.acquire()
        except TimeoutError:
            raise trouble_error(Trouble.busy) from None
        self._holders[lock] = task
        try:
            yield
        finally:
            self._holders.pop(lock, None)
            lock.release()


_WRITERS: weakref.WeakKeyDictionary[Any, _Writers] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def _one_writer(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
    bind = sessionmaker.kw.get("bind")
    writers = _WRITERS.get(bind.sync_engine) if isinstance(bind, AsyncEngine) else None
    if writers is None:  # PostgreSQL: writers do not queue on one lock
        yield
        return
    async with writers.one():
        yield


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


_BEFORE_COMMIT = "accord.before_commit"
CommitHook = Callable[[AsyncSession], Awaitable[None]]


def before_commit(session: AsyncSession, name: str, hook: CommitHook) -> None:
    """Run ``hook`` once, just before this session's transaction commits (`session_scope`).

    What must be the last thing a transaction does goes here: the audit chain takes its
    workspace head lock in one (the lock order in docs/architecture.md)."""
    session.info.setdefault(_BEFORE_COMMIT, {})[name] = hook


async def _run_before_commit(session: AsyncSession) -> None:
    hooks: dict[str, CommitHook] = session.info.pop(_BEFORE_COMMIT, {})
    for hook in hooks.values():
        await hook(session)


_AFTER_COMMIT = "accord.after_commit"


def after_commit(session: AsyncSession, name: str, hook: Callable[[], None]) -> None:
    """Run ``hook`` once, after this session's transaction has committed (never when it
    rolls back): what other requests may only learn once the change is durable, such as
    a revocation emptying the credential cache (auth/cache.py)."""
    session.info.setdefault(_AFTER_COMMIT, {})[name] = hook


def _run_after_commit(session: AsyncSession) -> None:
    hooks: dict[str, Callable[[], None]] = session.info.pop(_AFTER_COMMIT, {})
    for hook in hooks.values():
        hook()


def trouble_error(trouble: Trouble) -> DatabaseTroubleError:
    return DatabaseTroubleError(DETAIL[trouble], code=trouble.value)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession], *, write: bool = True, inline: bool = False
) -> AsyncIterator[AsyncSession]:
    """The transaction boundary: commit when the block succeeds, roll back otherwise.

    ``inline`` (SQLite): a short write transaction, run on the event loop's thread like
    every read (kit/sqlite_driver.py); a request's are short, a bulk import's are not.

    Database trouble (down, busy, a lock or statement timeout, a deadlock) comes out as a
    `DatabaseTroubleError` (503 with Retry-After); every other error keeps its type."""
    async with contextlib.AsyncExitStack() as stack:
        if write:  # SQLite: one write transaction of this process at a time
            await stack.enter_async_context(_one_writer(sessionmaker))
        session = await stack.enter_async_context(sessionmaker())
        try:
            options = {_WRITE_OPTION: write, _INLINE_OPTION: inline}
            await session.connection(execution_options=options)
        except Exception as exc:
            trouble = classify_connect(exc)
            if trouble is None:
                raise
            raise trouble_error(trouble) from exc
        try:
            yield session
            if write:
                await _run_before_commit(session)
                await session.commit()
                _run_after_commit(session)
            else:
                await session.rollback()
        except BaseException as exc:
            with contextlib.suppress(Exception):  # a dead connection cannot roll back
                await session.rollback()
            trouble = classify(exc) if isinstance(exc, Exception) else None
            if trouble is None:
                raise
            raise trouble_error(trouble) from exc


async def ping(engine: AsyncEngine, timeout_s: float) -> None:
    """Raise if the database cannot be reached within ``timeout_s`` seconds."""

    async def _probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.wait_for(_probe(), timeout=timeout_s)
