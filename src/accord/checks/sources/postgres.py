"""PostgreSQL tables, checked where they live.

Everything runs on one connection inside one ``REPEATABLE READ, READ ONLY`` transaction: all
checks see the same snapshot, and user SQL cannot write even through a data-modifying CTE or
a volatile function. The transaction is rolled back on close.

asyncpg is asynchronous; the checks engine is synchronous (it is called from the CLI, and from
a worker thread on the server), so the source drives its own private event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from accord.checks.errors import QueryError, SourceError
from accord.checks.sources.base import DataColumn, Done
from accord.checks.sql import Dialect, is_single_select, quote_ident

_DESCRIBE = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""


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

    def __init__(self, dsn: str, table: str, *, timeout: float = 30.0) -> None:
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

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run engine-built SQL inside the read-only snapshot (in a savepoint, so that a
        failing aggregate leaves the snapshot usable for the retries)."""

        async def go() -> list[tuple[Any, ...]]:
            async with self._conn.transaction():
                return [tuple(r) for r in await self._conn.fetch(sql)]

        result: list[tuple[Any, ...]] = self._guarded(go())
        return result

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

    def query_custom(self, sql: str) -> Any:
        """Run one user SELECT (a prepared statement: one statement only) in a savepoint,
        so a failing query does not abort the snapshot the other checks use."""
        if not is_single_select(sql):
            raise QueryError("custom SQL must be a single SELECT statement")

        async def go() -> Any:
            async with self._conn.transaction():
                return await self._conn.fetchval(sql)

        return self._guarded(go())

    def _guarded(self, work: Any) -> Any:
        try:
            return self._run(work)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise QueryError(_line(exc)) from None

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
