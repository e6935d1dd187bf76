"""Accord's data checks: a contract version against real data, pushed down to the engine.

Pure: no FastAPI, SQLAlchemy or httpx. Files (CSV, Parquet, JSON lines; globs) are scanned
by DuckDB, PostgreSQL tables by PostgreSQL itself; each source gets one aggregate scan for
all column checks (see docs/checks.md and docs/adr/0020-checks-engine.md).

    >>> from accord.checks import load_contract, open_source, run_checks
    >>> contract = load_contract(Path("orders.contract.yaml"))
    >>> with open_source("orders.parquet", contract) as source:
    ...     report = run_checks(contract, source)
    >>> report.ok
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accord.checks.contract import Contract, load_contract, parse_contract
from accord.checks.errors import ChecksError, ContractError, QueryError, SourceError
from accord.checks.results import CheckResult, Report, Status
from accord.checks.run import CheckOptions, run_checks
from accord.checks.sources.base import DataColumn, Source
from accord.checks.sources.duckdb import DuckDBSource, FileFormat

if TYPE_CHECKING:
    from accord.checks.sources.postgres import PostgresSource

__all__ = [
    "CheckOptions",
    "CheckResult",
    "ChecksError",
    "Contract",
    "ContractError",
    "DataColumn",
    "DuckDBSource",
    "FileFormat",
    "PostgresSource",
    "QueryError",
    "Report",
    "Source",
    "SourceError",
    "Status",
    "load_contract",
    "open_source",
    "parse_contract",
    "run_checks",
]


def open_source(
    location: str,
    contract: Contract | None = None,
    *,
    fmt: FileFormat | None = None,
    table: str | None = None,
) -> DuckDBSource | PostgresSource:
    """Open a file/glob, or a ``postgresql://…`` URL whose table is ``table`` or the
    URL fragment (``postgresql://host/db#schema.orders``)."""
    if location.startswith(("postgresql://", "postgres://")):
        dsn, _, fragment = location.partition("#")
        name = table or fragment
        if not name:
            raise SourceError("name the table: postgresql://…#schema.table or --table")
        # Imported here: file checks should not pay for loading the PostgreSQL driver.
        from accord.checks.sources.postgres import PostgresSource

        return PostgresSource(dsn, name)
    alias = contract.schema.name if contract is not None else None
    return DuckDBSource(location, fmt, alias=alias)


def __getattr__(name: str) -> Any:
    if name == "PostgresSource":
        from accord.checks.sources.postgres import PostgresSource

        return PostgresSource
    raise AttributeError(name)
