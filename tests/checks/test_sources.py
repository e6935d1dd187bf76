"""Source behaviour: opening errors, read-only custom SQL, failing aggregates, JSON nesting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from accord.checks import (
    CheckOptions,
    DuckDBSource,
    PostgresSource,
    QueryError,
    SourceError,
    open_source,
    parse_contract,
    run_checks,
)
from accord.checks.sources.postgres import split_table
from tests.checks.conftest import Checker, Table, create_pg_table, result

ONE = {"format": "table", "schema": {"name": "t", "columns": [{"name": "n", "type": "int64"}]}}


def _parquet(tmp_path: Path, sql: str = "SELECT 1::BIGINT AS n") -> Path:
    path = tmp_path / "d.parquet"
    duckdb.execute(f"COPY ({sql}) TO '{path}' (FORMAT PARQUET)")
    return path


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no file matches"):
        DuckDBSource(str(tmp_path / "none.parquet"))
    with pytest.raises(SourceError, match="cannot tell the format"):
        DuckDBSource(str(tmp_path / "data.txt"))
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(SourceError, match="cannot read"):
        DuckDBSource(str(tmp_path / "bad.parquet"))


def test_globs_and_explicit_format(tmp_path: Path) -> None:
    for i in range(3):
        duckdb.execute(
            f"COPY (SELECT {i}::BIGINT AS n) TO '{tmp_path / f'p{i}.parquet'}' (FORMAT PARQUET)"
        )
    contract = parse_contract(ONE)
    with open_source(str(tmp_path / "p*.parquet"), contract) as source:
        assert run_checks(contract, source).row_count == 3
    (tmp_path / "data.txt").write_text("n\n1\n2\n")
    with DuckDBSource(str(tmp_path / "data.txt"), "csv") as source:
        assert run_checks(contract, source, CheckOptions(extra_columns=None)).ok


def test_duckdb_custom_sql_is_read_only_and_sandboxed(tmp_path: Path) -> None:
    with DuckDBSource(str(_parquet(tmp_path)), alias="t") as source:
        source.custom_relation(None)
        assert source.query_custom("SELECT count(*) FROM t") == [(1,)]
        assert source.query_custom("SELECT 1 WHERE false") == []
        assert source.query_custom("SELECT * FROM range(10)") == [(0,), (1,)]  # two at most
        for sql in ("DELETE FROM t", "SELECT 1; DROP VIEW t", "COPY t TO 'x.csv'", "SELECT 1 FROM"):
            with pytest.raises(QueryError):
                source.query_custom(sql)
        with pytest.raises(QueryError, match=r"Permission|disabled"):
            source.query_custom("SELECT * FROM read_text('/etc/hostname')")
        with pytest.raises(QueryError):
            source.query("SELECT nope FROM accord_data")


def test_custom_results_that_are_not_counts(check_data: Checker) -> None:
    doc: dict[str, Any] = {
        **ONE,
        "guarantees": {
            "custom": [
                {"name": "text", "sql": "SELECT 'x'"},
                {"name": "broken", "sql": "SELECT missing FROM {table}"},
                {"name": "writes", "sql": "DELETE FROM {table}"},
            ]
        },
    }
    for where in ("parquet", "postgres"):
        report = check_data(where, doc, Table({"n": "int64"}, [(1,)]))
        assert result(report, "custom.text").status == "error"
        assert result(report, "custom.text").observed is None
        assert result(report, "custom.text").message.endswith("it returned a text value")
        assert "query failed" in result(report, "custom.broken").message
        assert "missing" in result(report, "custom.broken").message  # bind errors stay told
        assert result(report, "custom.writes").status == "error"
        assert result(report, "n.type").status == "pass"  # the snapshot survives


def test_custom_sql_sees_contract_types_on_csv(check_data: Checker) -> None:
    doc = {
        **ONE,
        "guarantees": {"custom": [{"name": "neg", "sql": "SELECT count(*) FROM t WHERE n < 0"}]},
    }
    report = check_data("csv", doc, Table({"n": "int64"}, [(-1,), (2,)]))
    assert result(report, "custom.neg").failed_rows == 1


def test_one_failing_aggregate_does_not_sink_the_scan(check_data: Checker) -> None:
    doc = {
        "format": "table",
        "schema": {"columns": [{"name": "n", "type": "int64"}, {"name": "s", "type": "string"}]},
        "guarantees": {"columns": {"n": {"accepted_values": ["x"]}, "s": {"not_null": True}}},
    }
    for where in ("parquet", "postgres"):
        report = check_data(where, doc, Table({"n": "int64", "s": "string"}, [(1, None)]))
        assert result(report, "n.accepted_values").status == "error"
        assert result(report, "s.not_null").failed_rows == 1
        assert report.row_count == 1


def test_checks_that_do_not_fit_the_type(check_data: Checker) -> None:
    doc = {
        "format": "table",
        "schema": {"columns": [{"name": "s", "type": "string"}, {"name": "n", "type": "int64"}]},
        "guarantees": {
            "columns": {
                "s": {"min": 1},
                "n": {"pattern": "^1", "max_length": 1, "accepted_values": [1]},
            },
            "freshness": {"column": "s", "max_age_seconds": 5},
        },
    }
    report = check_data("parquet", doc, Table({"s": "string", "n": "int64"}, [("a", 1), ("b", 22)]))
    assert result(report, "s.min").status == "error"
    assert result(report, "freshness").status == "error"
    assert result(report, "n.pattern").failed_rows == 1
    assert result(report, "n.max_length").failed_rows == 1
    assert result(report, "n.accepted_values").failed_rows == 1


def test_value_checks_on_a_mistyped_column_are_errors(check_data: Checker) -> None:
    doc = {"format": "table", "schema": {"columns": [{"name": "n", "type": "int64", "minimum": 0}]}}
    report = check_data("postgres", doc, Table({"n": "string"}, [("1",)]))
    assert result(report, "n.min").status == "error"


def test_json_lines_keep_nested_values(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"n": 1, "o": {"k": 1}, "b": true}\n{"n": "x", "o": {"k": 2}, "b": false}\n')
    doc = {
        "format": "table",
        "schema": {"columns": [
            {"name": "n", "type": "int64"}, {"name": "o", "type": "struct<k: int64>"},
            {"name": "b", "type": "boolean"},
        ]},
    }  # fmt: skip
    contract = parse_contract(doc)
    with open_source(str(path), contract) as source:
        report = run_checks(contract, source)
    assert result(report, "n.type").failed_rows == 1
    assert result(report, "o.type").status == "pass"
    assert result(report, "b.type").failed_rows == 0


def test_samples_survive_a_failing_sample_query(tmp_path: Path) -> None:
    contract = parse_contract({**ONE, "guarantees": {"columns": {"n": {"min": 5}}}})

    class Flaky(DuckDBSource):
        def query(self, sql: str) -> list[tuple[Any, ...]]:
            if "LIMIT" in sql:
                raise QueryError("boom")
            return super().query(sql)

    with Flaky(str(_parquet(tmp_path))) as source:
        report = run_checks(contract, source, CheckOptions(samples=3, extra_columns=None))
    found = result(report, "n.min")
    assert found.samples is None
    assert "samples failed: boom" in found.message


def test_unreadable_rows_become_errors(tmp_path: Path) -> None:
    contract = parse_contract({**ONE, "guarantees": {"row_count": {"min": 1}}})

    class Broken(DuckDBSource):
        def query(self, sql: str) -> list[tuple[Any, ...]]:
            raise QueryError("disk gone")

    with Broken(str(_parquet(tmp_path))) as source:
        report = run_checks(contract, source)
    assert result(report, "row_count").status == "error"
    assert result(report, "n.type").status == "pass"


def test_postgres_errors(pg_dsn: str) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        PostgresSource(pg_dsn, "public.no_such_table")
    with pytest.raises(SourceError, match="cannot connect"):
        PostgresSource("postgresql://postgres@127.0.0.1:1/x", "t", timeout=2)
    with pytest.raises(SourceError, match=r"schema\.table"):
        split_table("a.b.c")
    with pytest.raises(SourceError, match="name the table"):
        open_source(pg_dsn)


def test_postgres_read_only_snapshot(pg_dsn: str) -> None:
    name = create_pg_table(pg_dsn, Table({"n": "int64"}, [(1,)]))
    with open_source(pg_dsn, table=f"public.{name}") as source:
        assert source.label.endswith(f"#public.{name}")
        with pytest.raises(QueryError, match="read-only"):
            source.query_custom(
                f'WITH d AS (DELETE FROM "{name}" RETURNING 1) SELECT count(*) FROM d'
            )
        with pytest.raises(QueryError):
            source.query_custom("SELECT 1; SELECT 2")
        assert source.query_custom(f'SELECT count(*) FROM "{name}"') == [(1,)]
        assert source.query_custom("SELECT generate_series(1, 1000000)") == [(1,), (2,)]


def test_custom_relation_without_alias(tmp_path: Path) -> None:
    with DuckDBSource(str(_parquet(tmp_path))) as source:
        relation = source.custom_relation(None)
        assert source.query_custom(f"SELECT count(*) FROM {relation}") == [(1,)]


def test_freshness_on_timestamptz(check_data: Checker) -> None:
    import datetime as dt

    from tests.checks.conftest import NOW

    doc = {
        "format": "table",
        "schema": {"columns": [{"name": "ts", "type": "timestamptz"}]},
        "guarantees": {"freshness": {"column": "ts", "max_age_seconds": 60}},
    }
    for where in ("parquet", "postgres"):
        table = Table({"ts": "timestamptz"}, [(NOW - dt.timedelta(seconds=30),)])
        assert result(check_data(where, doc, table), "freshness").status == "pass"
        stale = {**doc, "guarantees": {"columns": {"ts": {"not_null": True}}}}
        nulls = Table({"ts": "timestamptz"}, [(NOW,), (None,)])
        report = check_data(where, stale, nulls, samples=2)
        assert result(report, "ts.not_null").samples == [{"ts": None}]
