"""Fixtures for the checks engine: tables written as Parquet / CSV / JSON lines by DuckDB,
or created in a scratch PostgreSQL database (its own per run, dropped at the end).

PostgreSQL tests skip when the server is unreachable, except under ``CI=true`` where they
fail: CI must not go green by skipping them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import duckdb
import pytest

from accord.checks import (
    CheckOptions,
    Contract,
    DuckDBSource,
    QueryError,
    Report,
    open_source,
    parse_contract,
    run_checks,
)
from accord.checks.sources.duckdb import _Background

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
# Logical type -> (DuckDB, PostgreSQL) column type used to build test tables.
TYPES = {
    "int64": ("BIGINT", "bigint"),
    "int32": ("INTEGER", "integer"),
    "float64": ("DOUBLE", "double precision"),
    "string": ("VARCHAR", "text"),
    "boolean": ("BOOLEAN", "boolean"),
    "date": ("DATE", "date"),
    "timestamp": ("TIMESTAMP", "timestamp"),
    "timestamptz": ("TIMESTAMPTZ", "timestamptz"),
}
ENGINES = ["parquet", "csv", "json", "postgres"]
_names = itertools.count()


@dataclass(frozen=True)
class Table:
    """Test data: column name -> logical type key of `TYPES`, and rows."""

    columns: dict[str, str]
    rows: list[tuple[Any, ...]]


def write_file(table: Table, path: Path, fmt: str) -> None:
    """Write ``table`` as a Parquet / CSV / JSON-lines file through DuckDB."""
    con = duckdb.connect()
    cols = ", ".join(f'"{n}" {TYPES[t][0]}' for n, t in table.columns.items())
    con.execute(f"CREATE TABLE t ({cols})")
    if table.rows:
        marks = ", ".join("?" for _ in table.columns)
        con.executemany(f"INSERT INTO t VALUES ({marks})", [list(r) for r in table.rows])
    option = {"parquet": "FORMAT PARQUET", "csv": "HEADER", "json": "FORMAT JSON"}[fmt]
    con.execute(f"COPY t TO '{path}' ({option})")
    con.close()


def create_pg_table(dsn: str, table: Table) -> str:
    """Create a fresh table in the scratch database; returns its name."""
    name = f"t{next(_names)}"
    cols = ", ".join(f'"{n}" {TYPES[t][1]}' for n, t in table.columns.items())

    async def go() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'CREATE TABLE "{name}" ({cols})')
            if table.rows:
                await conn.copy_records_to_table(
                    name, records=table.rows, columns=list(table.columns)
                )
        finally:
            await conn.close()

    asyncio.run(go())
    return name


Checker = Callable[..., Report]


@pytest.fixture
def check_data(tmp_path: Path, request: pytest.FixtureRequest) -> Checker:
    """``check_data(where, contract_doc, table, **options)`` -> Report."""

    def run(
        where: str, contract: dict[str, Any] | Contract, table: Table, **options: Any
    ) -> Report:
        loaded = contract if isinstance(contract, Contract) else parse_contract(contract)
        if where == "postgres":
            dsn = request.getfixturevalue("pg_dsn")
            location = f"{dsn}#{create_pg_table(dsn, table)}"
        else:
            suffix = {"parquet": ".parquet", "csv": ".csv", "json": ".jsonl"}[where]
            path = tmp_path / f"data{next(_names)}{suffix}"
            write_file(table, path, where)
            location = str(path)
        options.setdefault("now", NOW)
        with open_source(location, loaded) as source:
            return run_checks(loaded, source, CheckOptions(**options))

    return run


def result(report: Report, check_id: str) -> Any:
    """The result with ``check_id`` (fails the test when absent)."""
    found = [r for r in report.results if r.id == check_id]
    assert found, f"no check {check_id}: {[r.id for r in report.results]}"
    return found[0]


class Recording(DuckDBSource):
    """A DuckDB source that keeps the engine queries it ran (``queries``) and the side
    queries it started (``side``). ``refuse`` fails scan queries containing it; ``break_side``
    makes side queries containing it fail in the engine."""

    def __init__(
        self,
        path: str,
        refuse: str | None = None,
        break_side: str | None = None,
        sides: int | None = None,
    ) -> None:
        super().__init__(path, sides=sides)
        self.queries: list[str] = []
        self.side: list[str] = []
        self._refuse = refuse
        self._break_side = break_side

    def __enter__(self) -> Recording:
        return self

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        self.queries.append(sql)
        if self._refuse is not None and self._refuse in sql:
            raise QueryError("refused by the test")
        return super().query(sql)

    def start(self, queries: list[str]) -> _Background:
        self.side.extend(queries)
        if self._break_side is not None:
            queries = [q.replace(self._break_side, "no_such_function(") for q in queries]
        return super().start(queries)
