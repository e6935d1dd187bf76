"""The datacontract-cli 1.2.8 traps (shared/bench/datacontract-recipe.md), one named test
each, that Accord must get right."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from accord.checks import CheckOptions, open_source, parse_contract, run_checks
from tests.checks.conftest import Checker, Table, result

ORDERS = {
    "format": "table",
    "schema": {
        "name": "orders",
        "columns": [
            {"name": "order_id", "type": "string"},
            {"name": "order_total", "type": "int64", "minimum": 0},
            {"name": "order_timestamp", "type": "timestamp"},
        ],
        "primary_key": ["order_id"],
    },
    "guarantees": {"row_count": {"min": 1}},
}


def test_trap_parquet_type_mismatch_is_an_error_level_failure(tmp_path: Path) -> None:
    # datacontract-cli: VARCHAR-stored totals/timestamps in Parquet pass with warnings, exit 0.
    path = tmp_path / "orders.parquet"
    duckdb.execute(
        f"COPY (SELECT 'ORD-' || i AS order_id, CAST(i AS VARCHAR) AS order_total, "
        f"'2026-01-01' AS order_timestamp FROM range(1000) t(i)) TO '{path}' (FORMAT PARQUET)"
    )
    contract = parse_contract(ORDERS)
    with open_source(str(path), contract) as source:
        report = run_checks(contract, source)
    for column in ("order_total", "order_timestamp"):
        found = result(report, f"{column}.type")
        assert (found.status, found.severity) == ("fail", "error")
        assert found.observed == "VARCHAR"
    assert not report.ok


def test_trap_csv_one_bad_value_does_not_abort_the_run(check_data: Checker) -> None:
    # datacontract-cli: one unparsable CSV value turns every check into a conversion error.
    rows = [(f"ORD-{i}", str(i), "2026-01-01 00:00:00") for i in range(100)]
    rows[42] = ("ORD-42", "forty-two", "2026-01-01 00:00:00")
    rows[43] = ("ORD-43", "-5", "not a time")
    table = Table(
        {"order_id": "string", "order_total": "string", "order_timestamp": "string"}, rows
    )
    report = check_data("csv", ORDERS, table)
    assert result(report, "order_total.type").failed_rows == 1
    assert result(report, "order_timestamp.type").failed_rows == 1
    assert result(report, "order_total.min").failed_rows == 1  # the other checks still ran
    assert result(report, "order_id.unique").status == "pass"
    assert result(report, "row_count").observed == 100
    assert {r.status for r in report.results} <= {"pass", "fail"}


@pytest.mark.parametrize("where", ["parquet", "postgres"])
def test_trap_duplicates_count_extra_rows_not_duplicated_keys(
    check_data: Checker, where: str
) -> None:
    # datacontract-cli: 3 extra copies of one id count as 1 duplicate.
    rows = [(f"ORD-{i}", i, None) for i in range(10)] + [("ORD-1", 1, None)] * 3
    table = Table(
        {"order_id": "string", "order_total": "int64", "order_timestamp": "timestamp"}, rows
    )
    found = result(check_data(where, ORDERS, table), "order_id.unique")
    assert (found.status, found.failed_rows) == ("fail", 3)


@pytest.mark.parametrize("where", ["parquet", "postgres"])
def test_trap_columns_absent_from_the_contract_are_reported(
    check_data: Checker, where: str
) -> None:
    # datacontract-cli: a column dropped from the contract but still in the data goes unnoticed.
    table = Table(
        {
            "order_id": "string",
            "order_total": "int64",
            "order_timestamp": "timestamp",
            "customer_email": "string",
        },
        [("ORD-1", 1, None, "a@example.com")],
    )
    found = result(check_data(where, ORDERS, table), "columns_not_in_contract")
    assert (found.status, found.severity, found.observed) == ("fail", "error", ["customer_email"])
    relaxed = check_data(where, ORDERS, table, extra_columns="warn")
    assert relaxed.ok
    ignored = check_data(where, ORDERS, table, extra_columns=None)
    assert "columns_not_in_contract" not in {r.id for r in ignored.results}


def test_samples_only_on_request_and_pii_redacted(check_data: Checker) -> None:
    doc = {
        "format": "table",
        "schema": {
            "columns": [
                {"name": "id", "type": "int64"},
                {"name": "email", "type": "string", "tags": ["PII"]},
            ]
        },
        "guarantees": {"columns": {"id": {"min": 0}, "email": {"unique": True}}},
    }
    table = Table({"id": "int64", "email": "string"}, [(-1, "a@x"), (2, "a@x"), (3, None)])
    quiet = check_data("parquet", doc, table)
    assert result(quiet, "id.min").samples is None
    loud = check_data("parquet", doc, table, samples=5)
    assert result(loud, "id.min").samples == [{"id": -1, "email": "***"}]
    assert result(loud, "email.unique").samples == [{"email": "***", "_rows": 2}]
    assert result(loud, "id.type").samples is None  # passing checks carry none


def test_options_default() -> None:
    assert CheckOptions().extra_columns == "error"
