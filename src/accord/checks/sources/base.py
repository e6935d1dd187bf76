"""What the check runner needs from a data source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from accord.checks.sql import Dialect


@dataclass(frozen=True)
class DataColumn:
    """A column as the engine stores it: its name and the engine's type spelling."""

    name: str
    stored: str


class Pending(Protocol):
    """Engine-built queries started by `Source.start`."""

    def results(self) -> list[list[tuple[Any, ...]] | None]:
        """Each query's rows, in order, or None for a query the engine failed (waits for
        them to finish)."""
        ...


@dataclass(frozen=True)
class Done:
    """Queries that already ran (a source that runs them in turn)."""

    rows: list[list[tuple[Any, ...]] | None]

    def results(self) -> list[list[tuple[Any, ...]] | None]:
        """The rows, as run."""
        return self.rows


class Source(Protocol):
    """An opened data source. Sources are context managers; `close` releases them."""

    dialect: Dialect
    #: SQL for the checked relation (a quoted view or table name), ``{table}`` in custom SQL.
    relation: str
    #: True when values arrive as text (CSV, JSON lines) and are typed with ``TRY_CAST``.
    text_typed: bool
    #: True when the engine answers ``count(col)``, ``min``/``max`` from stored statistics
    #: without reading rows (Parquet): the runner asks those first, in a query of their own.
    statistics: bool
    #: True when the engine reads rows in a fixed order, `partitions` splits them and `start`
    #: runs queries beside the scan that read only the columns they name and may create
    #: tables in the schema `walk.SCHEMA` (Parquet): unique checks try `accord.checks.walk`
    #: there first instead of hashing every key.
    ordered: bool
    #: A short description for reports (a path, ``postgresql://host/db#schema.table``).
    label: str
    #: None until a query runs past its deadline; then what happened ("timed out after
    #: 300 s"), and every later query fails at once with `QueryTimeout`.
    timed_out: str | None

    def limit_time(self, timeout: float | None, lock_timeout: float | None) -> None:
        """The longest one query may run, and wait for a lock (None or 0: no limit). A query
        that runs past it fails with `QueryTimeout`."""
        ...

    def describe(self) -> list[DataColumn]:
        """The columns of the relation, in order."""
        ...

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a query the engine built (never user SQL) and return its rows;
        `QueryError` when the engine fails it."""
        ...

    def start(self, queries: list[str]) -> Pending:
        """Start engine-built queries that run while the caller goes on (on connections of
        their own, several at once, where the engine allows it)."""
        ...

    def head(self, rows: int) -> str:
        """A relation (FROM item) of the first ``rows`` rows of `relation` in stored order
        (all of them when there are no more)."""
        ...

    def partitions(self) -> list[str]:
        """Relations (FROM items) that together hold every row of `relation` exactly once,
        each read in stored order; ``[relation]`` when the source does not split."""
        ...

    def dictionary_columns(self) -> frozenset[str]:
        """Columns stored dictionary-encoded throughout (Parquet), where the engine tests a
        filter once per distinct value instead of once per row."""
        ...

    def custom_relation(self, projection: str | None) -> str:
        """The relation custom SQL reads as ``{table}``: on text sources a view applying
        ``projection`` (the contract-typed column list), so custom SQL sees typed values."""
        ...

    def query_custom(self, sql: str) -> list[tuple[Any, ...]]:
        """Run user-supplied SQL read-only and return its first two rows at most (enough to
        tell one row from several, without fetching a large result).

        Raises `QueryError` when the statement is not a single read-only query or fails.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
