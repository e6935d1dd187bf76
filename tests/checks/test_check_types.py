"""Every check type, with passing and failing data, on every engine (Parquet, CSV and
JSON lines through DuckDB; PostgreSQL tables)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tests.checks.conftest import ENGINES, NOW, Checker, Table, result

TS = dt.datetime(2026, 3, 1, 11, 0)  # noqa: DTZ001 - naive timestamps are read as UTC


@dataclass(frozen=True)
class Case:
    name: str
    columns: list[dict[str, Any]]
    guarantees: dict[str, Any]
    table: dict[str, str]
    good: list[tuple[Any, ...]]
    bad: list[tuple[Any, ...]]
    check: str
    failed: int | None  # failing rows expected on the bad data (None: not a row count)


CASES = [
    Case(
        "not_null",
        [{"name": "a", "type": "int64", "nullable": False}],
        {},
        {"a": "int64"},
        [(1,), (2,)],
        [(1,), (None,), (None,)],
        "a.not_null",
        2,
    ),
    Case(
        "not_null_guarantee",
        [{"name": "a", "type": "string"}],
        {"columns": {"a": {"not_null": True}}},
        {"a": "string"},
        [("x",)],
        [("x",), (None,)],
        "a.not_null",
        1,
    ),
    Case(
        "unique",
        [{"name": "a", "type": "int64"}],
        {"columns": {"a": {"unique": True}}},
        {"a": "int64"},
        [(1,), (2,), (None,), (None,)],
        [(1,), (1,), (1,), (2,), (2,), (None,)],
        "a.unique",
        3,
    ),
    Case(
        "primary_key",
        [{"name": "a", "type": "string"}, {"name": "b", "type": "int64"}],
        {},
        {"a": "string", "b": "int64"},
        [("x", 1), ("y", 1)],
        [("x", 1), ("x", 2)],
        "a.unique",
        1,
    ),
    Case(
        "composite_unique",
        [{"name": "a", "type": "string"}, {"name": "b", "type": "int64"}],
        {"unique_together": [["a", "b"]]},
        {"a": "string", "b": "int64"},
        [("x", 1), ("x", 2), ("x", None), ("x", None)],
        [("x", 1), ("x", 1), ("y", 1)],
        "unique(a,b)",
        1,
    ),
    Case(
        "accepted_values",
        [{"name": "s", "type": "string", "enum": ["a", "b"]}],
        {},
        {"s": "string"},
        [("a",), ("b",), (None,)],
        [("a",), ("c",), ("d",)],
        "s.accepted_values",
        2,
    ),
    Case(
        "accepted_numbers",
        [{"name": "n", "type": "int32"}],
        {"columns": {"n": {"accepted_values": [1, 2]}}},
        {"n": "int32"},
        [(1,), (2,)],
        [(3,)],
        "n.accepted_values",
        1,
    ),
    Case(
        "min",
        [{"name": "n", "type": "float64"}],
        {"columns": {"n": {"min": 0}}},
        {"n": "float64"},
        [(0.0,), (5.5,)],
        [(-0.5,), (1.0,)],
        "n.min",
        1,
    ),
    Case(
        "max",
        [{"name": "n", "type": "int64", "maximum": 10}],
        {},
        {"n": "int64"},
        [(10,)],
        [(11,), (12,), (3,)],
        "n.max",
        2,
    ),
    Case(
        "min_length",
        [{"name": "s", "type": "string", "min_length": 2}],
        {},
        {"s": "string"},
        [("ab",)],
        [("a",), ("abc",)],
        "s.min_length",
        1,
    ),
    Case(
        "max_length",
        [{"name": "s", "type": "varchar(3)"}],
        {},
        {"s": "string"},
        [("abc",)],
        [("abcd",), ("ab",)],
        "s.max_length",
        1,
    ),
    Case(
        "pattern",
        [{"name": "s", "type": "string"}],
        {"columns": {"s": {"pattern": "^ORD-[0-9]{3}$"}}},
        {"s": "string"},
        [("ORD-123",)],
        [("ORD-12",), ("X",), ("ORD-999",)],
        "s.pattern",
        2,
    ),
    Case(
        "row_count",
        [{"name": "a", "type": "int64"}],
        {"row_count": {"min": 2, "max": 3}},
        {"a": "int64"},
        [(1,), (2,)],
        [(1,)],
        "row_count",
        None,
    ),
    Case(
        "freshness",
        [{"name": "ts", "type": "timestamp"}],
        {"freshness": {"column": "ts", "max_age_seconds": 7200}},
        {"ts": "timestamp"},
        [(TS,), (TS - dt.timedelta(days=9),)],
        [(TS - dt.timedelta(hours=3),)],
        "freshness",
        None,
    ),
    Case(
        "custom",
        [{"name": "n", "type": "int64"}],
        {"custom": [{"name": "no_negatives", "sql": "SELECT count(*) FROM {table} WHERE n < 0"}]},
        {"n": "int64"},
        [(1,)],
        [(-1,), (-2,), (3,)],
        "custom.no_negatives",
        2,
    ),
    Case("type", [{"name": "n", "type": "int64"}], {}, {"n": "int64"}, [(1,)], [], "n.type", None),
    Case(
        "present",
        [{"name": "n", "type": "int64"}, {"name": "m", "type": "string"}],
        {},
        {"n": "int64", "m": "string"},
        [(1, "x")],
        [],
        "m.present",
        None,
    ),
    Case(
        "not_in_contract",
        [{"name": "n", "type": "int64"}],
        {},
        {"n": "int64"},
        [(1,)],
        [],
        "columns_not_in_contract",
        None,
    ),
]


def contract(case: Case) -> dict[str, Any]:
    schema: dict[str, Any] = {"name": "t", "columns": case.columns}
    if case.name == "primary_key":
        schema["primary_key"] = ["a"]
    return {"format": "table", "schema": schema, "guarantees": case.guarantees}


@pytest.mark.parametrize("where", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_passes_on_good_data(check_data: Checker, where: str, case: Case) -> None:
    report = check_data(where, contract(case), Table(case.table, case.good))
    found = result(report, case.check)
    assert found.status == "pass", found
    assert report.ok, [r for r in report.results if r.blocking]


@pytest.mark.parametrize("where", ENGINES)
@pytest.mark.parametrize("case", [c for c in CASES if c.bad], ids=lambda c: c.name)
def test_fails_on_bad_data(check_data: Checker, where: str, case: Case) -> None:
    report = check_data(where, contract(case), Table(case.table, case.bad))
    found = result(report, case.check)
    assert found.status == "fail", found
    assert found.failed_rows == case.failed
    assert not report.ok


@pytest.mark.parametrize("where", ENGINES)
def test_lengths_count_characters_not_bytes(check_data: Checker, where: str) -> None:
    """DuckDB settles most rows by their byte length first; a character is 1-4 bytes."""
    doc = {
        "format": "table",
        "schema": {"columns": [{"name": "s", "type": "string", "min_length": 3}]},
        "guarantees": {"columns": {"s": {"max_length": 3}}},
    }
    values = ["abc", "ééé", "😀😀😀", "éé", "😀😀", "😀😀😀😀", "ab", "a", "abcd", None]
    report = check_data(where, doc, Table({"s": "string"}, [(v,) for v in values]))
    assert result(report, "s.min_length").failed_rows == 4  # éé, 😀😀, ab, a
    assert result(report, "s.max_length").failed_rows == 2  # 😀😀😀😀, abcd


@pytest.mark.parametrize("where", ENGINES)
def test_bounds_past_every_integer_type_are_compared(check_data: Checker, where: str) -> None:
    """A bound past DuckDB's largest integer (HUGEINT) made the check an ``error`` ("Out of
    Range"), and the run fail on good data; past a double's range too."""
    doc = {
        "format": "table",
        "schema": {
            "columns": [
                {"name": "n", "type": "int64", "minimum": -(10**48), "maximum": 10**400},
                {"name": "x", "type": "float64", "minimum": -(10**400), "maximum": 10**48},
                {"name": "m", "type": "int64", "minimum": 10**48},
                {"name": "y", "type": "float64", "maximum": -(10**400)},
            ]
        },
        "guarantees": {"columns": {"n": {"accepted_values": [1, 2, 10**50]}}},
    }
    table = Table(
        {"n": "int64", "x": "float64", "m": "int64", "y": "float64"},
        [(1, 2.5, 3, 1.5), (2, -1e300, 4, None), (None, None, None, None)],
    )
    report = check_data(where, doc, table)
    for name in ("n.min", "n.max", "x.min", "x.max", "n.accepted_values"):
        assert result(report, name).status == "pass", result(report, name)
    assert (result(report, "m.min").status, result(report, "m.min").failed_rows) == ("fail", 2)
    assert (result(report, "y.max").status, result(report, "y.max").failed_rows) == ("fail", 1)


@pytest.mark.parametrize("where", ENGINES)
def test_type_mismatch_fails(check_data: Checker, where: str) -> None:
    doc = {"format": "table", "schema": {"columns": [{"name": "n", "type": "int64"}]}}
    report = check_data(where, doc, Table({"n": "string"}, [("12",), ("x",), (None,)]))
    found = result(report, "n.type")
    assert found.status == "fail"
    if where in ("csv", "json"):
        assert found.failed_rows == 1  # text sources count the values that do not convert
    else:
        assert found.observed in ("VARCHAR", "text")


@pytest.mark.parametrize("where", ENGINES)
def test_missing_column_fails_presence_and_skips_its_checks(
    check_data: Checker, where: str
) -> None:
    doc = {
        "format": "table",
        "schema": {
            "columns": [
                {"name": "n", "type": "int64"},
                {"name": "gone", "type": "string", "nullable": False},
            ]
        },
        "guarantees": {
            "unique_together": [["n", "gone"]],
            "freshness": {"column": "gone", "max_age_seconds": 5},
        },
    }
    report = check_data(where, doc, Table({"n": "int64"}, [(1,)]))
    assert result(report, "gone.present").status == "fail"
    for check_id in ("gone.type", "gone.not_null", "unique(n,gone)", "freshness"):
        assert result(report, check_id).status == "error"
    assert result(report, "n.present").status == "pass"


@pytest.mark.parametrize("where", ENGINES)
def test_extra_column_is_reported(check_data: Checker, where: str) -> None:
    doc = {"format": "table", "schema": {"columns": [{"name": "n", "type": "int64"}]}}
    report = check_data(where, doc, Table({"n": "int64", "secret": "string"}, [(1, "x")]))
    found = result(report, "columns_not_in_contract")
    assert (found.status, found.severity, found.observed) == ("fail", "error", ["secret"])


@pytest.mark.parametrize("where", ENGINES)
def test_fresh_timestamptz_and_dates(check_data: Checker, where: str) -> None:
    doc = {
        "format": "table",
        "schema": {
            "columns": [{"name": "ts", "type": "timestamptz"}, {"name": "d", "type": "date"}]
        },
        "guarantees": {"freshness": {"column": "d", "max_age_seconds": 86400}},
    }
    rows = [(NOW - dt.timedelta(minutes=5), NOW.date())]
    report = check_data(where, doc, Table({"ts": "timestamptz", "d": "date"}, rows))
    assert result(report, "ts.type").status == "pass"
    assert result(report, "freshness").status == "pass"


@pytest.mark.parametrize("where", ENGINES)
def test_freshness_without_rows_fails(check_data: Checker, where: str) -> None:
    doc = {
        "format": "table",
        "schema": {"columns": [{"name": "ts", "type": "timestamp"}]},
        "guarantees": {"freshness": {"column": "ts", "max_age_seconds": 60}},
    }
    report = check_data(where, doc, Table({"ts": "timestamp"}, [(None,)]))
    assert result(report, "freshness").status == "fail"


@pytest.mark.parametrize(("offset", "said"), [(-90, "90s old"), (3600, "3600s in the future")])
def test_freshness_message_reads_the_age(check_data: Checker, offset: int, said: str) -> None:
    doc = {
        "format": "table",
        "schema": {"columns": [{"name": "ts", "type": "timestamp"}]},
        "guarantees": {"freshness": {"column": "ts", "max_age_seconds": 60}},
    }
    newest = (NOW + dt.timedelta(seconds=offset)).replace(tzinfo=None)
    report = check_data("parquet", doc, Table({"ts": "timestamp"}, [(newest,)]))
    fresh = result(report, "freshness")
    assert said in fresh.message
    assert fresh.status == ("fail" if offset < -60 else "pass")
