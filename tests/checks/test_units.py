"""SQL text, type matching, check planning, result rendering."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from xml.etree import ElementTree as ET

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.checks import CheckResult, Report, parse_contract
from accord.checks.plan import plan_checks
from accord.checks.results import jsonable
from accord.checks.sql import Dialect, is_single_select, literal, quote_ident
from accord.checks.types import duckdb_type, parse_stored, stored_as
from accord.compat import parse_type


def test_quoting_and_literals() -> None:
    assert quote_ident('we"ird') == '"we""ird"'
    assert literal("it's") == "'it''s'"
    assert (literal(True), literal(False), literal(3), literal(1.5)) == (
        "TRUE",
        "FALSE",
        "3",
        "1.5",
    )
    # integers past DuckDB's HUGEINT as doubles, past a double as an infinity
    assert literal(2**127 - 1) == str(2**127 - 1)
    assert (literal(10**48), literal(-(10**48))) == ("1e+48", "-1e+48")
    assert literal(-(10**400)) == "CAST('-Infinity' AS FLOAT8)"
    assert literal(10**400) == "CAST('Infinity' AS FLOAT8)"
    for bad in (float("nan"), "a\x00"):
        with pytest.raises(ValueError, match=r"non-finite|NUL"):
            literal(bad)
    with pytest.raises(ValueError, match="NUL"):
        quote_ident("a\x00")


def test_dialects() -> None:
    assert Dialect("duckdb").matches("x", "^a") == "regexp_matches(x, '^a')"
    assert Dialect("duckdb").matches("x", "^[ab]") == "(x GLOB '[ab]*')"
    assert Dialect("postgres").matches("x", "^a") == "(x ~ '^a')"
    assert Dialect("duckdb").key(["a"]) == "a"
    assert Dialect("duckdb").key(["a", "b"]) == "(a, b)"


@pytest.mark.parametrize(
    ("sql", "ok"),
    [
        ("SELECT 1", True),
        ("  -- note\n with x as (select 1) select * from x", True),
        ("/* c */ DELETE FROM t", False),
        ("-- only a comment", False),
    ],
)
def test_single_select_gate(sql: str, ok: bool) -> None:
    assert is_single_select(sql) is ok


@pytest.mark.parametrize(
    ("logical", "stored", "ok"),
    [
        ("int64", "INTEGER", True),
        ("int32", "BIGINT", False),
        ("int32", "USMALLINT", True),
        ("float64", "INTEGER", True),
        ("float64", "BIGINT", False),
        ("float32", "double precision", False),
        ("float64", "real", True),
        ("decimal(10,2)", "DECIMAL(8,2)", True),
        ("decimal(10,2)", "DECIMAL(10,3)", False),
        ("decimal(10,2)", "smallint", True),
        ("decimal(10,2)", "integer", False),
        ("decimal(10,2)", "numeric", False),
        ("decimal(10,2)", "VARCHAR", False),
        ("varchar(10)", "character varying(5)", True),
        ("varchar(10)", "character varying(50)", False),
        ("string", "text", True),
        ("string", "BIGINT", False),
        ("timestamp", "TIMESTAMP_NS", True),
        ("timestamp", "timestamp(3) without time zone", True),
        ("timestamptz", "TIMESTAMP WITH TIME ZONE", True),
        ("timestamptz", "timestamp without time zone", False),
        ("array<int64>", "INTEGER[]", True),
        ("array<int32>", "BIGINT[]", False),
        ("array<int32>", "VARCHAR", False),
        ("struct<a: int32>", "STRUCT(a INTEGER)", True),
        ("boolean", "bool", True),
        ("json", "jsonb", True),
        ("binary", "bytea", True),
        ("date", "DATE", True),
    ],
)
def test_stored_types(logical: str, stored: str, ok: bool) -> None:
    assert stored_as(parse_type(logical), parse_stored(stored)) is ok


def test_duckdb_spellings() -> None:
    assert duckdb_type(parse_type("decimal(10,2)")) == "DECIMAL(10,2)"
    assert duckdb_type(parse_type("decimal(50,2)")) == "DOUBLE"
    assert duckdb_type(parse_type("array<int32>")) == "INTEGER[]"
    assert duckdb_type(parse_type("map<string, int64>")) == "MAP(VARCHAR, BIGINT)"
    assert (
        duckdb_type(parse_type("struct<a: int32, b: string>")) == 'STRUCT("a" INTEGER, "b" VARCHAR)'
    )


def test_plan_merges_schema_and_guarantees() -> None:
    contract = parse_contract(
        {
            "format": "table",
            "schema": {
                "columns": [
                    {"name": "a", "type": "int64", "nullable": False, "minimum": 0, "maximum": 9},
                    {"name": "b", "type": "string"},
                ],
                "primary_key": ["a", "b"],
                "unique": [["b", "a"]],
            },
            "guarantees": {
                "columns": {"a": {"not_null": True, "min": 1, "max": 9, "severity": "warn"}},
                "unique_together": [["a", "b"]],
            },
        }
    )
    checks = {c.id: c for c in plan_checks(contract.schema, contract.guarantees, None)}
    assert checks["a.not_null"].severity == "error"
    assert (checks["a.min"].param, checks["a.min"].severity) == (1, "warn")
    assert (checks["a.min.schema"].param, checks["a.min.schema"].severity) == (0, "error")
    assert "a.max.schema" not in checks
    assert checks["a.max"].severity == "error"
    assert [c for c in checks if c.startswith("unique(")] == ["unique(a,b)"]
    assert "columns_not_in_contract" not in checks


def _report() -> Report:
    results = [
        CheckResult("a.ok", "not_null", "error", "pass", "0 failing rows", ("a",), 0, 10),
        CheckResult(
            "a.bad", "min", "error", "fail", "2 failing rows", ("a",), 2, 10, samples=[{"a": -1}]
        ),
        CheckResult("a.err", "custom", "error", "error", "query failed: x"),
        CheckResult("a.warn", "max", "warn", "fail", "1 failing row", ("a",), 1, 10),
        CheckResult("n", "row_count", "warn", "pass", "10 rows", (), None, 10, observed=10),
        CheckResult("custom.c", "custom", "error", "skipped", "not run: the flag"),
    ]
    return Report("orders", "o.parquet", results, 10, 0.25, {"version": "1.0.0"})


def test_report_json() -> None:
    doc = _report().to_dict()
    assert doc["ok"] is False
    assert doc["version"] == "1.0.0"
    assert doc["summary"] == {
        "checks": 6, "passed": 2, "failed": 2, "errors": 1, "skipped": 1, "warnings": 1,
    }  # fmt: skip
    assert doc["checks"][5]["status"] == "skipped"
    assert doc["checks"][1]["samples"] == [{"a": -1}]
    assert doc["checks"][4]["observed"] == 10
    assert "observed" not in doc["checks"][0]
    json.dumps(doc)


def test_report_junit() -> None:
    root = ET.fromstring(_report().to_junit().split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    counted = ("tests", "failures", "errors", "skipped")
    assert tuple(suite.get(k) for k in counted) == ("6", "1", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failure = cases["a.bad"].find("failure")
    assert failure is not None
    assert "failed rows: 2 of 10" in (failure.text or "")
    assert cases["a.err"].find("error") is not None
    out = cases["a.warn"].find("system-out")
    assert out is not None
    assert (out.text or "").startswith("WARN fail")
    skipped = cases["custom.c"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not run: the flag"


def test_jsonable() -> None:
    values = [dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.date(2026, 1, 2),
              decimal.Decimal("1.50"), b"\x01", {"k": (1, 2)}, None, object]  # fmt: skip
    out = [jsonable(v) for v in values]
    assert out[:6] == ["2026-01-01T00:00:00+00:00", "2026-01-02", "1.50", "01", {"k": [1, 2]}, None]
    assert isinstance(out[6], str)


def test_jsonable_values_are_json_any_server_stores() -> None:
    """Samples of real data carry NaN, infinities and NUL characters: as they were, the
    ``--json`` document was not JSON (``NaN``) and a reported run was refused (NUL)."""
    values = [float("nan"), float("inf"), -float("inf"), 2.5, "lo\x00st", {"a\x00": [float("nan")]}]
    out = [jsonable(v) for v in values]
    assert out == ["NaN", "Infinity", "-Infinity", 2.5, "lo\u2400st", {"a\u2400": ["NaN"]}]
    json.loads(json.dumps(out, allow_nan=False))


def test_length_bounds_by_engine() -> None:
    assert Dialect("postgres").length_outside("s", ">", 3) == "length(s) > 3"
    assert Dialect("duckdb").length_outside("s", ">", 3).startswith("CASE WHEN strlen(s) > 3")


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.none(), st.text(max_size=12)), bound=st.integers(0, 8))
def test_duckdb_length_bounds_count_characters(text: str | None, bound: int) -> None:
    """The byte-length shortcut gives the answer of counting characters, NULL included."""
    dialect = Dialect("duckdb")
    shorter, longer = (dialect.length_outside("s", op, bound) for op in ("<", ">"))
    row = duckdb.execute(
        f"SELECT coalesce({shorter}, false), coalesce({longer}, false) FROM (VALUES (?)) t(s)",
        [text],
    ).fetchone()
    expected = (False, False) if text is None else (len(text) < bound, len(text) > bound)
    assert row == expected
