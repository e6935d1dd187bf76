"""Custom SQL results and engine errors are reported without the data values in them."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from accord.checks import CheckOptions
from accord.checks.run import COUNT_EXPECTED, custom_count
from tests.checks.conftest import Checker, Table, result

SECRET = "alice@secret.example"
DOC: dict[str, Any] = {
    "format": "table",
    "schema": {
        "name": "t",
        "columns": [{"name": "n", "type": "int64"}, {"name": "email", "type": "string"}],
    },
}
DATA = Table({"n": "int64", "email": "string"}, [(1, SECRET), (2, "bob@example.com")])


def _custom(*queries: tuple[str, str]) -> dict[str, Any]:
    return {**DOC, "guarantees": {"custom": [{"name": n, "sql": q} for n, q in queries]}}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([(0,)], 0),
        ([(7,)], 7),
        ([(3.0,)], 3),
        ([(decimal.Decimal("12"),)], 12),
        ([], "no row"),
        ([(1,), (2,)], "more than one row"),
        ([(1, SECRET)], "2 columns"),
        ([(None,)], "NULL"),
        ([(SECRET,)], "a text value"),
        ([(True,)], "a boolean"),
        ([(-4,)], "a negative number"),
        ([(2.5,)], "a fractional number"),
        ([(decimal.Decimal("0.5"),)], "a fractional number"),
        ([(float("nan"),)], "a number that is not finite"),
        ([(float("inf"),)], "a number that is not finite"),
        ([(dt.date(2026, 1, 1),)], "a date or time value"),
        ([(SECRET.encode(),)], "binary data"),
        ([([SECRET],)], "a list or row value"),
        ([({"email": SECRET},)], "a struct or map value"),
        ([(object(),)], "a value of type object"),
    ],
)
def test_custom_count_tells_kinds_not_values(rows: list[tuple[Any, ...]], expected: Any) -> None:
    found = custom_count(rows)
    assert found == expected
    assert SECRET not in str(found)


@pytest.mark.parametrize("where", ["parquet", "csv", "postgres"])
def test_non_count_results_are_errors_without_the_value(check_data: Checker, where: str) -> None:
    doc = _custom(
        ("text", "SELECT email FROM {table} WHERE n = 1"),
        ("row", "SELECT n, email FROM {table} WHERE n = 1"),
        ("rows", "SELECT n FROM {table}"),
        ("null", "SELECT max(n) FROM {table} WHERE n > 5"),
        ("negative", "SELECT -count(*) FROM {table}"),
        ("fraction", "SELECT avg(n) FROM {table}"),
        ("count", "SELECT count(*) FROM {table} WHERE email LIKE '%secret%'"),
    )
    report = check_data(where, doc, DATA)
    kinds = {
        "text": "a text value",
        "row": "2 columns",
        "rows": "more than one row",
        "null": "NULL",
        "negative": "a negative number",
        "fraction": "a fractional number",
    }
    for name, kind in kinds.items():
        found = result(report, f"custom.{name}")
        assert (found.status, found.observed, found.failed_rows) == ("error", None, None)
        assert found.message == f"{COUNT_EXPECTED}; it returned {kind}"
    assert result(report, "custom.count").failed_rows == 1
    assert SECRET not in str(report.to_dict())
    assert SECRET not in report.to_junit()


@pytest.mark.parametrize("where", ["parquet", "postgres"])
def test_engine_errors_that_can_quote_data_are_withheld(check_data: Checker, where: str) -> None:
    cast = "CAST(email AS INTEGER)" if where == "parquet" else "email::integer"
    doc = _custom(
        ("cast", f"SELECT count(*) FROM {{table}} WHERE {cast} > 0"),
        ("name", "SELECT count(*) FROM {table} WHERE missing_column > 0"),
    )
    if where == "parquet":  # DuckDB's error() raises its argument as the message
        doc["guarantees"]["custom"].append({"name": "raise", "sql": "SELECT error(email) FROM t"})
    report = check_data(where, doc, DATA)
    cast_error = result(report, "custom.cast")
    assert cast_error.status == "error"
    assert "while reading the data (message withheld: it can quote data values)" in (
        cast_error.message
    )
    # An error raised before any row is read (an unknown name) keeps its text.
    assert "missing_column" in result(report, "custom.name").message
    assert SECRET not in str(report.to_dict())
    assert SECRET not in report.to_junit()


def test_postgres_execution_errors_keep_only_their_condition(check_data: Checker) -> None:
    """A cast of a data value to a relation name fails in the executor with the value in
    the text; a permission or read-only error holds none and is told."""
    doc = _custom(("reg", "SELECT count(*) FROM {table} WHERE email::regclass IS NOT NULL"))
    found = result(check_data("postgres", doc, DATA), "custom.reg")
    assert found.message.startswith("query failed: InvalidSchemaNameError (SQLSTATE 3F000)")
    assert SECRET not in found.message


def test_skipped_custom_sql_is_neither_passed_nor_failed(check_data: Checker) -> None:
    doc = _custom(("would_fail", "SELECT count(*) FROM {table}"))
    report = check_data("parquet", doc, DATA, skip_custom="not run: ask for it")
    found = result(report, "custom.would_fail")
    assert (found.status, found.message, found.blocking) == (
        "skipped",
        "not run: ask for it",
        False,
    )
    assert report.ok
    assert report.counts()["skipped"] == 1
    assert report.counts()["passed"] == report.counts()["checks"] - 1


def test_query_errors_from_a_locked_duckdb_file_read_are_told(check_data: Checker) -> None:
    """Reading outside the matched files is refused before any row is read: told."""
    doc = _custom(("file", "SELECT count(*) FROM read_text('/etc/hostname')"))
    found = result(check_data("parquet", doc, DATA), "custom.file")
    assert found.message.startswith("query failed: Permission Error")


def test_check_options_default_to_deadlines_and_running_custom_sql() -> None:
    options = CheckOptions()
    assert (options.timeout, options.lock_timeout, options.skip_custom) == (300.0, 10.0, None)
