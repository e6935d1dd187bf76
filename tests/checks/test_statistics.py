"""Parquet statistics: null counts, bounds, row count and freshness settled without a scan.

The runner first asks what DuckDB can answer from the files' statistics; only the checks
left open go into the row scan. These tests pin that the split changes which columns are
read, never a result: failing bounds are still counted exactly, files without a column
still count as nulls, and a probe the engine refuses falls back to the scan.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from accord.checks import CheckOptions, DuckDBSource, Report, parse_contract, run_checks
from tests.checks.conftest import NOW, Recording, result

CONTRACT = {
    "format": "table",
    "schema": {
        "name": "orders",
        "columns": [
            {"name": "id", "type": "string", "nullable": False, "pattern": "^o[0-9]+$"},
            {"name": "total", "type": "int64", "nullable": False, "minimum": 0, "maximum": 100},
            {"name": "ts", "type": "timestamp"},
        ],
    },
    "guarantees": {
        "row_count": {"min": 1},
        "freshness": {"column": "ts", "max_age_seconds": 86_400},
    },
}
CHEAP = ("id.not_null", "total.not_null", "total.min", "total.max", "freshness", "row_count")


def _write(path: Path, select: str) -> str:
    duckdb.execute(f"COPY ({select}) TO '{path}' (FORMAT PARQUET)")
    return str(path)


def _rows(totals: str, ids: str = "'o' || i") -> str:
    return (
        f"SELECT {ids} AS id, CAST({totals} AS BIGINT) AS total, "
        "TIMESTAMP '2026-03-01 11:00:00' AS ts FROM range(1, 101) t(i)"
    )


def _run(source: DuckDBSource, doc: dict[str, Any] = CONTRACT) -> Report:
    return run_checks(parse_contract(doc), source, CheckOptions(now=NOW))


def test_statistics_settle_the_cheap_checks_and_the_scan_reads_the_rest(tmp_path: Path) -> None:
    path = _write(tmp_path / "good.parquet", _rows("i - 1"))
    with Recording(path) as source:
        report = _run(source)
    assert report.ok, [(r.id, r.message) for r in report.results if r.status != "pass"]
    assert report.row_count == 100
    for check_id in CHEAP:
        assert result(report, check_id).status == "pass"
    probe, scan = (q for q in source.queries if q.startswith("SELECT count(*)"))
    assert 'count("total")' in probe
    assert 'min("total")' in probe
    assert 'max("ts")' in probe
    # The scan holds only what statistics cannot answer: the pattern on id.
    assert '"total"' not in scan
    assert '"ts"' not in scan
    assert "regexp_matches" in scan


def test_a_crossed_bound_is_still_counted_row_by_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.parquet", _rows("CASE WHEN i <= 3 THEN -1 ELSE i END"))
    with Recording(path) as source:
        report = _run(source)
    low = result(report, "total.min")
    assert (low.status, low.failed_rows) == ("fail", 3)
    assert result(report, "total.max").status == "pass"
    # The probe saw a minimum below 0; the scan counted the rows.
    assert 'count(*) FILTER (WHERE "total" < 0)' in source.queries[-1]
    assert '"total" > 100' not in source.queries[-1]


def test_null_counts_come_out_exact(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "nulls.parquet",
        _rows("i", ids="CASE WHEN i % 10 = 0 THEN NULL ELSE 'o' || i END"),
    )
    with DuckDBSource(path) as source:
        report = _run(source)
    nulls = result(report, "id.not_null")
    assert (nulls.status, nulls.failed_rows) == ("fail", 10)


def test_a_file_without_the_column_counts_as_nulls(tmp_path: Path) -> None:
    """Across a glob, a file that lacks a column contributes NULLs (union by name), with or
    without statistics for it."""
    _write(tmp_path / "part1.parquet", _rows("i"))
    _write(
        tmp_path / "part2.parquet",
        "SELECT 'o' || i AS id, TIMESTAMP '2026-03-01' AS ts FROM range(5) t(i)",
    )
    with DuckDBSource(str(tmp_path / "part*.parquet")) as source:
        report = _run(source)
    assert report.row_count == 105
    missing = result(report, "total.not_null")
    assert (missing.status, missing.failed_rows) == ("fail", 5)
    assert result(report, "total.min").status == "pass"


def test_a_refused_probe_leaves_everything_to_the_scan(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.parquet", _rows("CASE WHEN i <= 3 THEN 1000 ELSE i END"))
    with Recording(path, refuse="coalesce(") as source:
        report = _run(source)
    high = result(report, "total.max")
    assert (high.status, high.failed_rows) == ("fail", 3)
    assert result(report, "total.not_null").failed_rows == 0
    assert result(report, "freshness").status == "pass"
    assert report.row_count == 100
    assert len([q for q in source.queries if q.startswith("SELECT count(*)")]) == 2


def test_when_statistics_settle_everything_no_scan_runs(tmp_path: Path) -> None:
    doc = {
        "format": "table",
        "schema": {
            "name": "t",
            "columns": [{"name": "total", "type": "int64", "nullable": False, "minimum": 0}],
        },
    }
    path = _write(tmp_path / "t.parquet", "SELECT CAST(i AS BIGINT) AS total FROM range(9) t(i)")
    with Recording(path) as source:
        report = _run(source, doc)
    assert report.ok
    assert report.row_count == 9
    assert len(source.queries) == 1


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_text_files_keep_one_scan(tmp_path: Path, fmt: str) -> None:
    """CSV and JSON lines carry no statistics: a probe would read the file twice."""
    path = tmp_path / f"d.{fmt}"
    option = "HEADER" if fmt == "csv" else "FORMAT JSON"
    duckdb.execute(f"COPY ({_rows('i')}) TO '{path}' ({option})")
    with Recording(str(path)) as source:
        report = _run(source)
    assert report.ok, [(r.id, r.message) for r in report.results if r.status != "pass"]
    assert len([q for q in source.queries if q.startswith("SELECT count(*)")]) == 1
    assert (
        result(report, "freshness").observed
        == dt.datetime(2026, 3, 1, 11, tzinfo=dt.UTC).isoformat()
    )


@pytest.mark.parametrize(("copies", "message"), [(2, "1 extra row"), (3, "2 extra rows")])
def test_counts_read_as_english(tmp_path: Path, copies: int, message: str) -> None:
    column = {"name": "k", "type": "int64", "nullable": False}
    doc = {"format": "table", "schema": {"name": "t", "columns": [column], "primary_key": ["k"]}}
    rows = (
        f"SELECT CAST(CASE WHEN i < {copies} THEN 0 ELSE i END AS BIGINT) AS k FROM range(9) t(i)"
    )
    with DuckDBSource(_write(tmp_path / "k.parquet", rows)) as source:
        report = _run(source, doc)
    assert result(report, "k.unique").message == f"{message} (duplicates beyond the first)"
    single = _write(tmp_path / "n.parquet", "SELECT CAST(NULL AS BIGINT) AS k")
    with DuckDBSource(single) as source:
        assert result(_run(source, doc), "k.not_null").message == "1 failing row"
