"""PostgreSQL tables, checked where they live.

Everything runs on one connection inside one ``REPEATABLE READ, READ ONLY`` transaction: all
checks see the same snapshot, and user SQL cannot write even through a data-modifying CTE or
a volatile function. The transaction is rolled back on close. ``SET LOCAL statement_timeout``
and ``lock_timeout`` bound every query in it (`limit_time`); after one query runs past them
the source runs no other.

An error raised while preparing a query (syntax, unknown names, lock waits) is reported by
its first line: it quotes the query and the catalog. An error raised while executing it
(a value that does not convert, a cast of data to a name that does not exist) can quote the
data, so it is reported by its condition name and SQLSTATE only (`errors.withheld`), except
for a few whose text never holds a value (`_SAFE_STATES`).

asyncpg is asynchronous; the checks engine is synchronous (it is called from the CLI, and from
a worker thread on the server), so the source drives its own private event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from accord.checks.errors import QueryError, QueryTimeout, SourceError, withheld
from accord.checks.sources.base import DataColumn, Done
from accord.checks.sql import Dialect, is_single_select, quote_ident

_DESCRIBE = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
# Execution errors whose text holds no data value: read-only transaction, permission denied,
# lock not available; classes 08 (connection), 53 (insufficient resources), 57 (operator
# intervention: cancelled, shutting down).
_SAFE_STATES = frozenset({"25006", "42501", "55P03"})
_SAFE_CLASSES = frozenset({"08", "53", "57"})
_STATEMENT_TIMEOUT = "57014"  # query_canceled (also a cancel request: told apart by the text)
_LOCK_TIMEOUT = "55P03"  # lock_not_available
Rows = list[tuple[Any, ...]]


def split_table(name: str) -> tuple[str, ...]:
    """``schema.table`` or ``table`` (identifiers are taken literally, not case-folded)."""
    parts = tuple(name.split("."))
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise SourceError(f"table name {name!r}: use 'table' or 'schema.table'")
    return parts


class PostgresSource:
    """One PostgreSQL table or view. ``dsn`` is a ``postgresql://`` URL."""

    text_typed = False
    statistics = False
    ordered = False  # a heap has no order; `start` runs its queries in turn
    dialect = Dialect("postgres")

    def __init__(
        self,
        dsn: str,
        table: str,
        *,
        timeout: float = 30.0,
        statement_timeout: float | None = 300.0,
        lock_timeout: float | None = 10.0,
    ) -> None:
        """``timeout``: to connect; ``statement_timeout``/``lock_timeout``: each query's (see
        `limit_time`)."""
        self.timed_out: str | None = None
        self._limits: tuple[float | None, float | None] = (None, None)
        self.relation = ".".join(quote_ident(p) for p in split_table(table))
        parts = urlsplit(dsn)
        host = parts.hostname or "localhost"
        self.label = urlunsplit((parts.scheme, host, parts.path, "", table))
        self._loop = asyncio.new_event_loop()
        try:
            self._conn: Any = self._run(asyncpg.connect(dsn, timeout=timeout))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            self._loop.close()
            raise SourceError(f"cannot connect to {self.label}: {_line(exc)}") from None
        self._tx = self._conn.transaction(isolation="repeatable_read", readonly=True)
        self._run(self._tx.start())
        self.limit_time(statement_timeout, lock_timeout)
        try:
            self._columns = self._run(self._conn.fetch(_DESCRIBE, self.relation))
        except asyncpg.PostgresError as exc:
            self.close()
            raise SourceError(f"cannot read {table}: {_line(exc)}") from None

    def _run(self, work: Any) -> Any:
        return self._loop.run_until_complete(work)

    def describe(self) -> list[DataColumn]:
        """The table's columns and their ``format_type`` spelling."""
        return [DataColumn(r[0], r[1]) for r in self._columns]

    def limit_time(self, timeout: float | None, lock_timeout: float | None) -> None:
        """``SET LOCAL statement_timeout`` and ``lock_timeout`` in the snapshot's transaction
        (None or 0: no limit)."""
        if (timeout, lock_timeout) == self._limits:
            return
        self._limits = (timeout, lock_timeout)
        self._run(
            self._conn.execute(
                f"SET LOCAL statement_timeout = {_ms(timeout)}; "
                f"SET LOCAL lock_timeout = {_ms(lock_timeout)}"
            )
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run engine-built SQL inside the read-only snapshot (in a savepoint, so that a
        failing aggregate leaves the snapshot usable for the retries)."""
        return self._rows(sql, None)

    def start(self, queries: list[str]) -> Done:
        """Run the queries now, in the snapshot (one connection runs one query at a time)."""
        rows: list[list[tuple[Any, ...]] | None] = []
        for sql in queries:
            try:
                rows.append(self.query(sql))
            except QueryError:
                rows.append(None)
        return Done(rows)

    def head(self, rows: int) -> str:
        """Some ``rows`` rows: a heap has no stored order."""
        return f"(SELECT * FROM {self.relation} LIMIT {int(rows)}) AS head"

    def partitions(self) -> list[str]:
        """The table, whole: a heap has no stored order to walk."""
        return [self.relation]

    def dictionary_columns(self) -> frozenset[str]:
        """None: a heap stores every value as it is."""
        return frozenset()

    def custom_relation(self, projection: str | None) -> str:
        """The table itself: its columns are already typed."""
        return self.relation

    def query_custom(self, sql: str) -> Rows:
        """Run one user SELECT (a prepared statement: one statement only) in a savepoint
        rolled back after it, so a failing query does not abort the snapshot the other checks
        use and no query changes the session; its first two rows at most (through a cursor:
        the rest is not computed)."""
        if not is_single_select(sql):
            raise QueryError("custom SQL must be a single SELECT statement")
        return self._rows(sql, 2)

    def _rows(self, sql: str, limit: int | None) -> Rows:
        if self.timed_out is not None:
            raise QueryTimeout(f"not run: an earlier query {self.timed_out}")

        async def go() -> Rows:
            # A savepoint rolled back whatever happens: a failing query leaves the snapshot
            # usable, and a query cannot change the session for the ones after it (a
            # `SELECT set_config('statement_timeout', '0', true)` is undone with it).
            savepoint = self._conn.transaction()
            await savepoint.start()
            try:
                try:
                    statement = await self._conn.prepare(sql)
                except asyncpg.PostgresError as exc:
                    raise self._failure(exc, executing=False) from None
                try:
                    if limit is None:
                        return [tuple(r) for r in await statement.fetch()]
                    cursor = await statement.cursor()
                    return [tuple(r) for r in await cursor.fetch(limit)]
                except asyncpg.PostgresError as exc:
                    raise self._failure(exc, executing=True) from None
            finally:
                await savepoint.rollback()

        try:
            rows: Rows = self._run(go())
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise QueryError(_line(exc)) from None  # the savepoint itself failed
        return rows

    def _failure(self, exc: asyncpg.PostgresError, *, executing: bool) -> QueryError:
        state = str(getattr(exc, "sqlstate", "") or "")
        timeout, lock_timeout = self._limits
        if state == _STATEMENT_TIMEOUT and "statement timeout" in _line(exc):
            self.timed_out = f"timed out after {_seconds(timeout)} s"
        elif state == _LOCK_TIMEOUT and "lock timeout" in _line(exc):
            self.timed_out = f"waited more than {_seconds(lock_timeout)} s for a lock"
        if self.timed_out is not None:
            return QueryTimeout(self.timed_out)
        if not executing or state in _SAFE_STATES or state[:2] in _SAFE_CLASSES:
            return QueryError(_line(exc))
        return QueryError(withheld(f"{type(exc).__name__} (SQLSTATE {state})"))

    def close(self) -> None:
        """Roll back the snapshot and close the connection."""
        try:
            self._run(self._tx.rollback())
            self._run(self._conn.close())
        finally:
            self._loop.close()

    def __enter__(self) -> PostgresSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]


def _ms(seconds: float | None) -> int:
    """A PostgreSQL duration in milliseconds (0: no limit; never rounded down to it)."""
    return max(1, round(seconds * 1000)) if seconds else 0


def _seconds(seconds: float | None) -> str:
    return f"{seconds or 0:g}"
