"""Value checks on dictionary-encoded Parquet columns (scan._dictionary).

Their predicates go into a query of their own as its WHERE clause, which DuckDB pushes into
the Parquet reader: each distinct value is tested once. These tests pin that the counts are
those of the row scan, that the column leaves the scan, and that a refused query falls back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from accord.checks import CheckOptions, DuckDBSource, Report, parse_contract, run_checks
from tests.checks.conftest import NOW, Recording, result

CONTRACT: dict[str, Any] = {
    "format": "table",
    "schema": {
        "name": "orders",
        "columns": [
            {"name": "id", "type": "int64"},
            {
                "name": "status",
                "type": "string",
                "enum": ["placed", "shipped"],
                "pattern": "^[a-z]+$",
                "max_length": 7,
            },
            {"name": "note", "type": "string", "max_length": 3},
        ],
    },
}


def _write(path: Path, statuses: str) -> str:
    # 3,000 rows: status takes few values (a dictionary), note one per row (plain).
    duckdb.execute(
        f"COPY (SELECT i AS id, {statuses} AS status, 'n' || i AS note FROM range(3000) t(i)) "
        f"TO '{path}' (FORMAT PARQUET)"
    )
    return str(path)


def _run(source: DuckDBSource) -> Report:
    return run_checks(parse_contract(CONTRACT), source, CheckOptions(now=NOW))


def test_dictionary_columns_are_read_off_the_metadata(tmp_path: Path) -> None:
    path = _write(tmp_path / "o.parquet", "CASE WHEN i % 2 = 0 THEN 'placed' ELSE 'shipped' END")
    with DuckDBSource(path) as source:
        assert "status" in source.dictionary_columns()
        assert "note" not in source.dictionary_columns()
    csv = tmp_path / "o.csv"
    duckdb.execute(f"COPY (SELECT 'placed' AS status) TO '{csv}' (HEADER)")
    with DuckDBSource(str(csv)) as source:
        assert source.dictionary_columns() == frozenset()


def test_checks_on_a_dictionary_column_run_as_one_filter(tmp_path: Path) -> None:
    statuses = (
        "CASE WHEN i < 4 THEN 'Lost' WHEN i < 9 THEN NULL WHEN i < 11 THEN 'returned' "
        "WHEN i % 2 = 0 THEN 'placed' ELSE 'shipped' END"
    )
    with Recording(_write(tmp_path / "o.parquet", statuses)) as source:
        report = _run(source)
    assert result(report, "status.accepted_values").failed_rows == 6  # 4 Lost, 2 returned
    assert result(report, "status.pattern").failed_rows == 4
    assert result(report, "status.max_length").failed_rows == 2
    assert result(report, "note.max_length").failed_rows == 3000 - 100
    filtered = [q for q in source.queries if " WHERE (" in q]
    assert len(filtered) == 1
    assert '"status"' in filtered[0]
    assert '"note"' not in filtered[0]
    scan = [q for q in source.queries if "FILTER" in q and q.endswith('FROM "accord_data"')]
    assert len(scan) == 1
    assert '"note"' in scan[0]
    assert '"status"' not in scan[0]


def test_passing_dictionary_checks(tmp_path: Path) -> None:
    path = _write(tmp_path / "o.parquet", "CASE WHEN i % 2 = 0 THEN 'placed' ELSE 'shipped' END")
    with Recording(path) as source:
        report = _run(source)
    for check in ("status.accepted_values", "status.pattern", "status.max_length"):
        assert (result(report, check).status, result(report, check).failed_rows) == ("pass", 0)


def test_a_refused_filter_falls_back_to_the_scan(tmp_path: Path) -> None:
    path = _write(tmp_path / "o.parquet", "CASE WHEN i < 3 THEN 'lost' ELSE 'placed' END")
    with Recording(path, refuse=" WHERE (") as source:
        report = _run(source)
    assert result(report, "status.accepted_values").failed_rows == 3
    assert any('"status"' in q and "WHERE (" not in q for q in source.queries)
