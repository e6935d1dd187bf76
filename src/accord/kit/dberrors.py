"""What a database error means for the caller: pure classification, no I/O.

Transient trouble (the database is down or restarting, a lock could not be had in time,
a statement ran past its timeout, a deadlock or serialisation failure) is a 503 with
``Retry-After`` for a request and a retry-with-backoff for the worker. Anything else (an
integrity error, a programming error) is not trouble: it keeps its own meaning.

PostgreSQL errors are recognised by SQLSTATE (asyncpg's exceptions carry it, and
SQLAlchemy's asyncpg adapter copies it to ``sqlstate``); SQLite's by sqlite3's message,
the only thing it offers. Connection refusals arrive as plain ``OSError``: SQLAlchemy does
not wrap errors raised while a pool opens a connection.
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum

from sqlalchemy import exc as sa_exc


class Trouble(StrEnum):
    unavailable = "database_unavailable"  # down, restarting, connection lost, refused
    busy = "database_busy"  # SQLite write lock, or no pooled connection in time
    lock_timeout = "lock_timeout"  # PostgreSQL lock_timeout
    statement_timeout = "statement_timeout"  # PostgreSQL statement_timeout
    deadlock = "deadlock"  # PostgreSQL deadlock detected / serialisation failure


DETAIL: dict[Trouble, str] = {
    Trouble.unavailable: "the database is unreachable or restarting; nothing was written",
    Trouble.busy: "the database is busy with another write; nothing was written",
    Trouble.lock_timeout: "a row this request needs stayed locked by another write past "
    "the lock timeout; nothing was written",
    Trouble.statement_timeout: "a database statement ran past the statement timeout; "
    "nothing was written",
    Trouble.deadlock: "this write collided with another one (deadlock); nothing was written",
}

_BY_SQLSTATE: dict[str, Trouble] = {
    "55P03": Trouble.lock_timeout,  # lock_not_available
    "57014": Trouble.statement_timeout,  # query_canceled
    "40P01": Trouble.deadlock,  # deadlock_detected
    "40001": Trouble.deadlock,  # serialization_failure
    "53300": Trouble.busy,  # too_many_connections
    "57P01": Trouble.unavailable,  # admin_shutdown
    "57P02": Trouble.unavailable,  # crash_shutdown
    "57P03": Trouble.unavailable,  # cannot_connect_now (starting up, in recovery)
    "25006": Trouble.unavailable,  # read_only_sql_transaction (a failed-over standby)
}

_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_SQLITE_DOWN = ("unable to open database file", "disk i/o error")

# asyncpg's connection-level failures, by class name (no import: asyncpg is optional).
_PG_CONNECTION_ERRORS = frozenset(
    {
        # A multi-host URL (target_session_attrs=read-write) during a failover: no host
        # accepts writes yet; like a refused connection, the database is unavailable.
        "TargetServerAttributeNotMatched",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "CannotConnectNowError",
        "ConnectionRejectionError",
        "InterfaceError",
        "InternalClientError",
        "PostgresConnectionError",
        "ClientCannotConnectError",
    }
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        if isinstance(current, sa_exc.DBAPIError) and current.orig is not None:
            nxt: BaseException | None = current.orig
        else:
            nxt = current.__cause__ or current.__context__
        current = nxt
    return seen


def _sqlstate(exc: BaseException) -> str | None:
    for attr in ("sqlstate", "pgcode"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and len(value) == 5:
            return value
    return None


def _one(exc: BaseException) -> Trouble | None:
    state = _sqlstate(exc)
    if state is not None:
        if state in _BY_SQLSTATE:
            return _BY_SQLSTATE[state]
        if state.startswith("08"):  # connection_exception class
            return Trouble.unavailable
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        if any(m in message for m in _SQLITE_BUSY):
            return Trouble.busy
        if any(m in message for m in _SQLITE_DOWN):
            return Trouble.unavailable
    if isinstance(exc, sa_exc.TimeoutError):  # the pool had no connection in time
        return Trouble.busy
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return Trouble.unavailable
    if type(exc).__name__ in _PG_CONNECTION_ERRORS and type(exc).__module__.startswith("asyncpg"):
        return Trouble.unavailable
    return None


def classify(exc: BaseException) -> Trouble | None:
    """The trouble an exception from the database layer means, or None if it is not one."""
    for link in _chain(exc):
        found = _one(link)
        if found is not None:
            return found
    return None


def classify_connect(exc: BaseException) -> Trouble | None:
    """Like `classify`, for errors raised while opening a connection, where a refused or
    timed-out socket is also the database being unavailable."""
    found = classify(exc)
    if found is not None:
        return found
    if isinstance(exc, (OSError, TimeoutError)):
        return Trouble.unavailable
    return None
