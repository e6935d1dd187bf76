"""SQLAlchemy's aiosqlite adapter, with one thread hop per statement instead of four.

aiosqlite runs every call on the connection's own thread and hands the result back to the
event loop: a queue put, a thread wake-up, a ``call_soon_threadsafe`` and, when the loop is
busy, a wait for the GIL. SQLAlchemy's adapter makes four such calls per statement (create
a cursor, execute, fetch all rows, close the cursor), so a read transaction (BEGIN, one
SELECT, ROLLBACK, the pool's reset) cost about ten hops, and under load each hop, not
SQLite, was the time (issue 21: 490 req/s for an authenticated read).

`one_hop_dbapi` gives the aiosqlite dialect (``create_async_engine(..., module=...)``) a
cursor that does all four in one function on the connection's thread. Everything else is
SQLAlchemy's: the connection class, error translation, the execute mutex, isolation
levels, termination. Server-side cursors (not used by Accord) keep the stock class.

A request's write transaction may run on the loop's thread too (`begin` with ``inline``):
its statements take microseconds, less than a hop each, and the one wait a WAL writer can
meet, the write lock at ``BEGIN IMMEDIATE``, is taken by polling with the busy timeout off
and an ``await`` between tries, so another process's writer never stalls the loop.
(Inside one process `accord.db` lets one write transaction at a time ask for it.)

The pieces of SQLAlchemy this subclasses (``AsyncAdapt_aiosqlite_cursor``'s attributes)
are checked by tests/kit/test_sqlite_driver.py against the pinned version.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Result = tuple[Any, int, int | None, list[Any]]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Result:
    """On the connection's thread: the whole statement, cursor to rows."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is made here (that is a hop of its own): `_run` makes and
        # closes a sqlite3 cursor per statement on the connection's thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return  # nothing is open between statements

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        connection = self._adapt_connection
        try:
            if isinstance(connection, _OneHopConnection) and connection.inline:
                self._keep(_run(self._connection._conn, operation, parameters, False))
                return None
            return await_(self._hop(operation, parameters, many=False))
        except Exception as error:
            connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        # Many rows at once (a bulk insert) may take a while: always on the thread.
        try:
            return await_(self._hop(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _hop(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            result = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection._conn, operation, parameters, many
            )
        self._keep(result)

    def _keep(self, result: _Result) -> None:
        self._description, self._rowcount, self._lastrowid, rows = result
        self._rows = collections.deque(rows)


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """``inline``: the current transaction runs on the event loop's thread (`begin`)."""

    __slots__ = ("inline",)
    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.inline = False

    def rollback(self) -> None:
        if not self.inline or self._connection._connection is None:
            super().rollback()
            return
        try:
            self._connection._conn.rollback()
        except Exception as error:
            self._handle_exception(error)

    def commit(self) -> None:
        if not self.inline or self._connection._connection is None:
            super().commit()
            return
        try:
            self._connection._conn.commit()
        except Exception as error:
            self._handle_exception(error)


_BUSY = ("database is locked", "database is busy")
_FIRST_WAIT_S = 0.001
_LONGEST_WAIT_S = 0.05


def begin(dbapi_connection: Any, *, write: bool, inline: bool, busy_ms: int) -> bool:
    """Start the transaction on ``dbapi_connection`` if it runs on the loop's thread: a
    read (always inline) or, with ``inline``, a write, whose ``BEGIN IMMEDIATE`` waits up
    to ``busy_ms`` for the write lock without blocking the loop. Returns False when the
    transaction keeps the connection's own thread: the caller then issues its BEGIN.
    Called at every BEGIN, from SQLAlchemy's ``begin`` event (inside its greenlet, where
    ``await_`` may wait)."""
    if not isinstance(dbapi_connection, _OneHopConnection):
        return False
    dbapi_connection.inline = inline or not write
    if not dbapi_connection.inline:
        return False
    raw: sqlite3.Connection = dbapi_connection._connection._conn
    try:
        if not write:
            raw.execute("BEGIN")
            return True
        _begin_immediate(raw, busy_ms)
    except Exception as error:
        dbapi_connection.inline = False
        dbapi_connection._handle_exception(error)
    return True


def _begin_immediate(raw: sqlite3.Connection, busy_ms: int) -> None:
    """``BEGIN IMMEDIATE`` with SQLite's own busy wait off (it would sleep on the loop's
    thread): on a busy answer, wait without blocking the loop and try again, up to
    ``busy_ms``; then the busy error stands (503 database_busy)."""
    deadline = time.monotonic() + busy_ms / 1000
    wait = _FIRST_WAIT_S
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                left = deadline - time.monotonic()
                if left <= 0 or not str(error).lower().startswith(_BUSY):
                    raise
                await_(asyncio.sleep(min(wait, left)))
                wait = min(wait * 2, _LONGEST_WAIT_S)
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(busy_ms)}")


class _OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        stock = super().connect(*arg, **kw)
        return _OneHopConnection(self, stock._connection)


def one_hop_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module for ``create_async_engine(url, module=...)`` on sqlite+aiosqlite."""
    return _OneHopDbapi(aiosqlite, sqlite3)
