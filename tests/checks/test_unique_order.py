"""Unique keys proven distinct by their stored order (compile.order_proof, run._scan).

On Parquet a side query walks the non-null keys in read order; a strictly increasing walk
proves them distinct and the hashing ``count(DISTINCT …)`` is skipped. Anything else (a
step back, a repeat, a second file starting over, a query the engine refuses) proves
nothing and the hashing count runs. These tests pin that the result never depends on which
way was taken: an oracle counts surplus rows in Python for random data.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.checks import CheckOptions, DuckDBSource, Report, parse_contract, run_checks
from accord.checks.compile import Compiled, order_proof, proves_order
from accord.checks.sources.base import Done
from accord.checks.sources.postgres import PostgresSource
from tests.checks.conftest import NOW, Recording, result


def _contract(kind: str = "int64", keys: tuple[str, ...] = ("k",)) -> dict[str, Any]:
    columns = [{"name": name, "type": kind} for name in keys]
    return {
        "format": "table",
        "schema": {"name": "t", "columns": columns, "unique": [list(keys)]},
    }


def _parquet(path: Path, values: list[Any], kind: str = "BIGINT", group: int = 3) -> str:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t (k {kind})")
    if values:
        con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    con.execute(f"COPY t TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE {group})")
    con.close()
    return str(path)


def _run(source: DuckDBSource, doc: dict[str, Any]) -> Report:
    return run_checks(parse_contract(doc), source, CheckOptions(now=NOW))


def _hashed(source: Recording) -> bool:
    return any("count(DISTINCT" in q for q in source.queries)


def test_sorted_keys_are_proven_without_hashing(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "k.parquet", [1, 2, None, 5, 9, 10, None, 11])
    with Recording(path) as source:
        report = _run(source, _contract())
    unique = result(report, "k.unique")
    assert (unique.status, unique.failed_rows) == ("pass", 0)
    assert len(source.side) == 1
    assert not _hashed(source)


@pytest.mark.parametrize(
    ("values", "surplus"),
    [
        ([1, 2, 2, 3], 1),  # a repeat in order
        ([1, None, 1], 1),  # NULLs are skipped by the walk, not a gap in it
        ([3, 1, 2], 0),  # distinct but not ordered
        ([3, 1, 3, 1, 3], 3),
        ([1, 2, 3, 4, 5, 6, 7, 1], 1),  # a step back only at the end
    ],
)
def test_other_orders_fall_back_to_hashing(
    tmp_path: Path, values: list[int | None], surplus: int
) -> None:
    with Recording(_parquet(tmp_path / "k.parquet", values)) as source:
        report = _run(source, _contract())
    assert result(report, "k.unique").failed_rows == surplus
    assert _hashed(source)


def test_each_file_of_a_glob_sorted_is_not_a_proof(tmp_path: Path) -> None:
    _parquet(tmp_path / "part1.parquet", [1, 2, 3])
    _parquet(tmp_path / "part2.parquet", [3, 4, 5])
    with Recording(str(tmp_path / "part*.parquet")) as source:
        report = _run(source, _contract())
    assert result(report, "k.unique").failed_rows == 1


def test_composite_keys(tmp_path: Path) -> None:
    con = duckdb.connect()
    ordered, repeated = tmp_path / "o.parquet", tmp_path / "r.parquet"
    con.execute(
        f"COPY (SELECT i // 3 AS a, i % 3 AS b FROM range(30) t(i)) TO '{ordered}' (FORMAT PARQUET)"
    )
    con.execute(
        f"COPY (SELECT i // 3 AS a, i % 2 AS b FROM range(30) t(i)) TO '{repeated}' "
        "(FORMAT PARQUET)"
    )
    con.close()
    doc = _contract(keys=("a", "b"))
    with Recording(str(ordered)) as source:
        assert result(_run(source, doc), "unique(a,b)").failed_rows == 0
        assert not _hashed(source)
    with Recording(str(repeated)) as source:
        assert result(_run(source, doc), "unique(a,b)").failed_rows == 10


@pytest.mark.parametrize(
    ("values", "surplus"),
    [
        ([1.0, float("nan"), float("nan")], 1),
        ([-1.5, 0.0, float("nan")], 0),
    ],
)
def test_float_keys(tmp_path: Path, values: list[float], surplus: int) -> None:
    with Recording(_parquet(tmp_path / "f.parquet", values, "DOUBLE")) as source:
        assert result(_run(source, _contract("float64")), "k.unique").failed_rows == surplus


def test_a_refused_proof_falls_back_to_hashing(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "k.parquet", [1, 2, 3, 3])
    with Recording(path, break_side="lag(") as source:
        report = _run(source, _contract())
    assert result(report, "k.unique").failed_rows == 1
    assert _hashed(source)


def test_text_files_do_not_walk(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    duckdb.execute(f"COPY (SELECT i AS k FROM range(5) t(i)) TO '{path}' (HEADER)")
    with DuckDBSource(str(path)) as source:
        assert not source.ordered
        assert result(_run(source, _contract()), "k.unique").status == "pass"
        with pytest.raises(RuntimeError):
            source.start(["SELECT 1"])


def test_closing_stops_a_running_walk(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    duckdb.execute(f"COPY (SELECT i AS k FROM range(3000000) t(i)) TO '{path}' (FORMAT PARQUET)")
    source = DuckDBSource(str(path))
    # Minutes of work unless interrupted.
    slow = "SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3"
    pending = source.start([slow, "SELECT 1"])
    started = time.perf_counter()
    source.close()
    assert time.perf_counter() - started < 30
    assert pending.results() == [None, None]


def test_proof_shapes() -> None:
    scan = Compiled("agg", '"k" IS NOT NULL', ('"k"',), key='"k"')
    sql = order_proof(scan, '"t"')
    assert "lag(k) OVER ()" in sql
    assert sql.endswith("LIMIT 2")
    assert proves_order([])
    assert proves_order([(True,)])
    assert not proves_order([(True,), (False,)])
    assert not proves_order([(False,)])
    assert not proves_order([(True,), (True,)])  # two starts: the walk was not one sequence


def test_postgres_runs_queries_in_turn(pg_dsn: str) -> None:
    source = PostgresSource(pg_dsn, "pg_catalog.pg_class")
    try:
        assert not source.ordered
        done = source.start(["SELECT 1", "SELECT no_such_column FROM pg_class", "SELECT 2"])
        assert done == Done([[(1,)], None, [(2,)]])
    finally:
        source.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(-3, 40)), max_size=40),
    ordered=st.booleans(),
    group=st.integers(1, 8),
)
def test_surplus_rows_match_an_oracle(
    tmp_path_factory: pytest.TempPathFactory, values: list[int | None], ordered: bool, group: int
) -> None:
    if ordered:
        values = sorted(values, key=lambda v: (v is None, v or 0))
    present = [v for v in values if v is not None]
    path = _parquet(tmp_path_factory.mktemp("u") / "k.parquet", values, group=group)
    with Recording(path) as source:
        report = _run(source, _contract())
    assert result(report, "k.unique").failed_rows == len(present) - len(set(present))
    if ordered and len(set(present)) == len(present):
        assert not _hashed(source)
