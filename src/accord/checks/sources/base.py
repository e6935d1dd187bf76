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
    #: A short description for reports (a path, ``postgresql://host/db#schema.table``).
    label: str

    def describe(self) -> list[DataColumn]:
        """The columns of the relation, in order."""
        ...

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a query the engine built (never user SQL) and return its rows;
        `QueryError` when the engine fails it."""
        ...

    def custom_relation(self, projection: str | None) -> str:
        """The relation custom SQL reads as ``{table}``: on text sources a view applying
        ``projection`` (the contract-typed column list), so custom SQL sees typed values."""
        ...

    def query_custom(self, sql: str) -> Any:
        """Run user-supplied SQL read-only and return the first column of the first row.

        Raises `QueryError` when the statement is not a single read-only query or fails.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
