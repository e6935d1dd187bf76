"""Deadlines: a query past ``timeout`` (or waiting past ``lock_timeout``) becomes an error
result, and the source runs no query after it. The queries below would run for hours;
short deadlines stop them, and the tests assert what is reported, never how long it took."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import duckdb
import pytest

from accord.checks import (
    CheckOptions,
    DuckDBSource,
    PostgresSource,
    QueryError,
    parse_contract,
    run_checks,
)
from accord.checks.errors import QueryTimeout
from accord.checks.sources.deadline import Watchdog
from tests.checks.conftest import NOW, Checker, Table, create_pg_table, result, write_file

FOREVER_DUCKDB = (
    "SELECT count(*) FROM {table} AS d, range(1000000000000) AS r WHERE r.range * d.n = -1"
)
FOREVER_PG = "SELECT count(*) FROM {table}, (SELECT pg_sleep(3600)) AS s"
DOC: dict[str, Any] = {
    "format": "table",
    "schema": {"name": "t", "columns": [{"name": "n", "type": "int64", "nullable": False}]},
    "guarantees": {"row_count": {"min": 1}},
}
DATA = Table({"n": "int64"}, [(1,), (2,)])


def _with_custom(sql: str) -> dict[str, Any]:
    return {**DOC, "guarantees": {**DOC["guarantees"], "custom": [{"name": "slow", "sql": sql}]}}


@pytest.fixture
def parquet(tmp_path: Path) -> str:
    path = tmp_path / "d.parquet"
    write_file(DATA, path, "parquet")
    return str(path)


def test_watchdog_interrupts_a_statement_past_its_deadline() -> None:
    con = duckdb.connect()
    watchdog = Watchdog(0.2)
    try:
        with (
            pytest.raises(duckdb.InterruptException),
            watchdog.running(con) as watch,
        ):
            con.execute("SELECT count(*) FROM range(1000000000000) WHERE range = -1").fetchall()
        assert watch is not None
        assert watch.fired
        with watchdog.running(con) as quick:
            assert con.execute("SELECT 42").fetchall() == [(42,)]
        assert quick is not None
        assert not quick.fired
    finally:
        watchdog.close()
        con.close()


def test_watchdog_without_a_deadline_watches_nothing() -> None:
    for seconds in (None, 0.0):
        watchdog = Watchdog(seconds)
        with watchdog.running(duckdb.connect()) as watch:
            assert watch is None
        watchdog.close()


def test_duckdb_custom_sql_is_interrupted_at_the_deadline(check_data: Checker) -> None:
    report = check_data("parquet", _with_custom(FOREVER_DUCKDB), DATA, timeout=0.5)
    slow = result(report, "custom.slow")
    assert (slow.status, slow.message) == ("error", "query failed: timed out after 0.5 s")
    assert report.stopped == "timed out after 0.5 s"
    assert not report.ok
    assert result(report, "n.not_null").status == "pass"  # the scan ran before it


def test_no_query_runs_after_a_deadline(parquet: str) -> None:
    contract = parse_contract(DOC)
    with DuckDBSource(parquet, alias="t") as source:
        source.limit_time(0.5, None)
        relation = source.custom_relation(None)
        with pytest.raises(QueryTimeout, match=r"^timed out after 0\.5 s$"):
            source.query_custom(FOREVER_DUCKDB.format(table=relation))
        report = run_checks(contract, source, CheckOptions(now=NOW, timeout=0.5))
    earlier = "query failed: not run: an earlier query timed out after 0.5 s"
    assert result(report, "n.not_null").message == earlier
    assert result(report, "row_count").status == "error"
    assert report.row_count is None
    assert report.stopped == "timed out after 0.5 s"


def test_side_queries_stop_at_the_deadline(parquet: str) -> None:
    with DuckDBSource(parquet, sides=1) as source:
        source.limit_time(0.3, None)
        pending = source.start(["SELECT count(*) FROM range(1000000000000) WHERE range = -1"])
        assert pending.results() == [None]
        assert source.timed_out == "timed out after 0.3 s"
        with pytest.raises(QueryTimeout):
            source.query("SELECT 1")


def test_no_deadline_runs_queries_as_before(parquet: str) -> None:
    with DuckDBSource(parquet) as source:
        source.limit_time(None, None)
        assert source.query("SELECT count(*) FROM accord_data") == [(2,)]
        assert source.timed_out is None


def test_postgres_statement_timeout(check_data: Checker) -> None:
    report = check_data("postgres", _with_custom(FOREVER_PG), DATA, timeout=0.5)
    slow = result(report, "custom.slow")
    assert (slow.status, slow.message) == ("error", "query failed: timed out after 0.5 s")
    assert report.stopped == "timed out after 0.5 s"
    assert result(report, "n.not_null").status == "pass"


def test_postgres_timeouts_are_set_in_the_snapshot(pg_dsn: str) -> None:
    name = create_pg_table(pg_dsn, DATA)
    with PostgresSource(pg_dsn, f"public.{name}") as source:
        settings = "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
        assert source.query(settings) == [("5min", "10s")]
        source.limit_time(2.5, None)
        assert source.query(settings) == [("2500ms", "0")]
        source.limit_time(0.0001, 1)  # never rounded down to "no limit"
        assert source.query(settings) == [("1ms", "1s")]


def test_custom_sql_cannot_lift_the_deadline(pg_dsn: str) -> None:
    """`set_config` is a SELECT; its change is rolled back with the query's savepoint."""
    name = create_pg_table(pg_dsn, DATA)
    with PostgresSource(pg_dsn, f"public.{name}") as source:
        lifted = "SELECT set_config('statement_timeout', '0', true)"
        assert source.query_custom(lifted) == [("0",)]
        assert source.query("SELECT current_setting('statement_timeout')") == [("5min",)]


@pytest.fixture
def locked(pg_dsn: str) -> Iterator[str]:
    """A table another session holds an ACCESS EXCLUSIVE lock on (as a running ALTER)."""
    name = create_pg_table(pg_dsn, DATA)
    loop = asyncio.new_event_loop()
    holder = loop.run_until_complete(asyncpg.connect(pg_dsn))
    transaction = holder.transaction()
    loop.run_until_complete(transaction.start())
    loop.run_until_complete(holder.execute(f'LOCK TABLE "{name}" IN ACCESS EXCLUSIVE MODE'))
    try:
        yield name
    finally:
        loop.run_until_complete(transaction.rollback())
        loop.run_until_complete(holder.close())
        loop.close()


def test_postgres_lock_timeout(pg_dsn: str, locked: str) -> None:
    contract = parse_contract(DOC)
    with PostgresSource(pg_dsn, f"public.{locked}") as source:
        report = run_checks(contract, source, CheckOptions(now=NOW, lock_timeout=0.5))
    waited = "waited more than 0.5 s for a lock"
    assert report.stopped == waited
    assert result(report, "n.not_null").message.startswith("query failed: ")
    assert waited in result(report, "n.not_null").message
    assert result(report, "row_count").status == "error"
    assert result(report, "n.present").status == "pass"  # settled from the catalog


def test_an_ordinary_failure_is_not_a_timeout(parquet: str) -> None:
    with DuckDBSource(parquet) as source:
        source.limit_time(60, None)
        with pytest.raises(QueryError) as caught:
            source.query("SELECT no_such_column FROM accord_data")
        assert not isinstance(caught.value, QueryTimeout)
        assert source.timed_out is None
        assert source.query("SELECT 1") == [(1,)]
