"""Unique keys proven distinct by their stored order (accord.checks.walk, scan._walks).

On Parquet the first keys are walked first; when they increase, each partition of the rows
is walked beside the scan, and the checks on the key column ride along. No step back in a
partition and no overlap between partitions proves the keys distinct; anything else (a
step back, a repeat, overlapping partitions or files, a query the engine refuses) proves
nothing and the hashing ``count(DISTINCT …)`` runs. These tests pin that the results never
depend on which way was taken: oracles count surplus and failing rows in Python.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.checks import CheckOptions, DuckDBSource, Report, parse_contract, run_checks
from accord.checks import walk as walk_module
from accord.checks.sources.base import Done
from accord.checks.sources.duckdb import split_runs
from accord.checks.sources.postgres import PostgresSource
from accord.checks.walk import Walk, outcome, partition_walk, prefix_proof, proves_order
from tests.checks.conftest import NOW, Recording, result


def _contract(kind: str = "int64", keys: tuple[str, ...] = ("k",), **column: Any) -> dict[str, Any]:
    columns = [{"name": name, "type": kind, **column} for name in keys]
    return {
        "format": "table",
        "schema": {"name": "t", "columns": columns, "unique": [list(keys)]},
    }


def _parquet(path: Path, values: list[Any], kind: str = "BIGINT") -> str:
    """One file, one row group (DuckDB writes at least 2,048 rows to a row group)."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t (k {kind})")
    if values:
        con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    con.execute(f"COPY t TO '{path}' (FORMAT PARQUET)")
    con.close()
    return str(path)


def _files(folder: Path, chunks: list[list[Any]], kind: str = "BIGINT") -> str:
    """One file per chunk, as a glob the engine reads in chunk order."""
    for i, chunk in enumerate(chunks):
        _parquet(folder / f"part{i:02d}.parquet", chunk, kind)
    return str(folder / "part*.parquet")


def _groups(path: Path, select: str) -> str:
    """A file of row groups of 2,048 rows."""
    duckdb.execute(f"COPY ({select}) TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)")
    return str(path)


def _run(source: DuckDBSource, doc: dict[str, Any]) -> Report:
    return run_checks(parse_contract(doc), source, CheckOptions(now=NOW))


def _hashed(source: Recording) -> bool:
    return any("count(DISTINCT" in q for q in source.queries)


@pytest.fixture
def walking(monkeypatch: pytest.MonkeyPatch) -> None:
    """A prefix of two keys, so that small files are walked in partitions."""
    monkeypatch.setattr(walk_module, "PREFIX_ROWS", 2)


def test_sorted_keys_within_the_prefix_are_proven_at_once(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "k.parquet", [1, 2, None, 5, 9, 10, None, 11])
    with Recording(path) as source:
        report = _run(source, _contract())
    unique = result(report, "k.unique")
    assert (unique.status, unique.failed_rows) == ("pass", 0)
    assert source.side == []
    assert not _hashed(source)


@pytest.mark.usefixtures("walking")
def test_sorted_keys_are_proven_by_partition_walks(tmp_path: Path) -> None:
    select = "SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE i END AS k FROM range(6144) t(i)"
    with Recording(_groups(tmp_path / "k.parquet", select), sides=2) as source:
        report = _run(source, _contract())
    unique = result(report, "k.unique")
    assert (unique.status, unique.failed_rows) == ("pass", 0)
    assert len(source.side) == 2
    assert all("lag(k) OVER ()" in q and "file_row_number" in q for q in source.side)
    assert not _hashed(source)


@pytest.mark.usefixtures("walking")
@pytest.mark.parametrize(
    ("chunks", "surplus"),
    [
        ([[1, 2, 2, 3]], 1),  # a repeat in order
        ([[1, 2, None, 2]], 1),  # NULLs are skipped by the walk, not a gap in it
        ([[3, 1, 2]], 0),  # distinct but not ordered: the prefix tells
        ([[3, 1, 3, 1, 3]], 3),
        ([[1, 2, 3, 4], [5, 6, 7, 1]], 1),  # a step back only at the end
        ([[1, 2, 3], [3, 4, 5]], 1),  # each file in order, the second starting over
        ([[1, 2, 3, 4, 5, 6], [3, 7, 8, 9]], 1),  # partitions in order, overlapping
        ([[7, 8, 9, 10], [1, 2, 3, 4]], 0),  # partitions in order, swapped
        ([[1, 2], [None, None], [3, 3]], 1),  # a partition without keys between
    ],
)
def test_other_orders_fall_back_to_hashing(
    tmp_path: Path, chunks: list[list[int | None]], surplus: int
) -> None:
    with Recording(_files(tmp_path, chunks), sides=2) as source:
        report = _run(source, _contract())
    assert result(report, "k.unique").failed_rows == surplus
    assert _hashed(source)


@pytest.mark.usefixtures("walking")
def test_a_step_back_inside_a_row_group_partition(tmp_path: Path) -> None:
    select = "SELECT CASE WHEN i = 5000 THEN 100 ELSE i END AS k FROM range(6144) t(i)"
    with Recording(_groups(tmp_path / "k.parquet", select), sides=2) as source:
        assert result(_run(source, _contract()), "k.unique").failed_rows == 1
        assert len(source.side) == 2
        assert _hashed(source)


@pytest.mark.usefixtures("walking")
def test_files_of_a_glob_are_partitions(tmp_path: Path) -> None:
    glob = _files(tmp_path, [[1, 2, 3], [4, 5, None, 6], [7, 8, 9]])
    with Recording(glob, sides=2) as source:
        assert result(_run(source, _contract()), "k.unique").failed_rows == 0
        assert len(source.side) == 2
        assert all("filename IN" in q for q in source.side)
        assert not _hashed(source)


def test_one_walk_over_a_glob_sees_the_files_in_turn(tmp_path: Path) -> None:
    with Recording(_files(tmp_path, [[1, 2, 3], [3, 4, 5]]), sides=1) as source:
        assert result(_run(source, _contract()), "k.unique").failed_rows == 1
    with Recording(_files(tmp_path, [[1, 2, 3], [4, 5, 6]]), sides=1) as source:
        assert result(_run(source, _contract()), "k.unique").failed_rows == 0
        assert not _hashed(source)


@pytest.mark.usefixtures("walking")
def test_checks_on_the_key_column_ride_along(tmp_path: Path) -> None:
    keys = [f"o{i:03d}" for i in range(12)]
    keys[4], keys[11] = "o004x", "oX11"  # too long, and off-pattern (both still in order)
    doc = _contract("string", pattern="^o[0-9]{3}$", max_length=4)
    doc["guarantees"] = {"columns": {"k": {"accepted_values": keys[:11]}}}
    with Recording(_files(tmp_path, [keys[:6], keys[6:]], "VARCHAR"), sides=2) as source:
        report = _run(source, doc)
    assert result(report, "k.unique").failed_rows == 0
    assert result(report, "k.pattern").failed_rows == 2
    assert result(report, "k.max_length").failed_rows == 1
    assert result(report, "k.accepted_values").failed_rows == 1
    assert len(source.side) == 2
    assert all("GLOB" in q and "length(" in q for q in source.side)
    scans = [q for q in source.queries if 'FROM "accord_data"' in q and "lag(" not in q]
    assert not any('"k"' in q for q in scans[1:])  # after the probe, only the walks read k


@pytest.mark.usefixtures("walking")
def test_a_refused_walk_leaves_the_key_and_its_riders_to_the_scan(tmp_path: Path) -> None:
    glob = _files(tmp_path, [[1, 2, 3, 3], [4, 5, -1, 6, 7]])
    with Recording(glob, break_side="lag(", sides=2) as source:
        report = _run(source, _contract(minimum=0))
    assert result(report, "k.unique").failed_rows == 1
    assert result(report, "k.min").failed_rows == 1
    assert _hashed(source)


@pytest.mark.usefixtures("walking")
@pytest.mark.parametrize("refused", ["AS keys", "AS before"])  # the prefix, the outcome
def test_a_refused_proof_leaves_the_key_to_the_scan(tmp_path: Path, refused: str) -> None:
    glob = _files(tmp_path, [[1, 2, 3], [4, 5, -1, 6, 7, 7]])
    with Recording(glob, refuse=refused, sides=2) as source:
        report = _run(source, _contract(minimum=0))
    assert result(report, "k.unique").failed_rows == 1
    assert result(report, "k.min").failed_rows == 1
    assert _hashed(source)


@pytest.mark.usefixtures("walking")
def test_composite_keys(tmp_path: Path) -> None:
    ordered = _groups(
        tmp_path / "o.parquet", "SELECT i // 3 AS a, i % 3 AS b FROM range(6144) t(i)"
    )
    repeated = _groups(
        tmp_path / "r.parquet", "SELECT i // 3 AS a, i % 2 AS b FROM range(6144) t(i)"
    )
    doc = _contract(keys=("a", "b"))
    with Recording(ordered, sides=3) as source:
        assert result(_run(source, doc), "unique(a,b)").failed_rows == 0
        assert len(source.side) == 3
        assert not _hashed(source)
    with Recording(repeated, sides=3) as source:
        assert result(_run(source, doc), "unique(a,b)").failed_rows == 2048


@pytest.mark.usefixtures("walking")
@pytest.mark.parametrize(
    ("chunks", "surplus"),
    [
        ([[1.0, 2.0], [float("nan"), float("nan")]], 1),
        ([[-1.5, 0.0], [1.0, float("nan")]], 0),
        ([[-1.0, -0.0], [0.0, 1.0]], 1),
        ([[-1.0, 0.0], [-0.0, 1.0]], 1),
    ],
)
def test_float_keys(tmp_path: Path, chunks: list[list[float]], surplus: int) -> None:
    with Recording(_files(tmp_path, chunks, "DOUBLE"), sides=2) as source:
        assert result(_run(source, _contract("float64")), "k.unique").failed_rows == surplus


def test_text_files_do_not_walk(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    duckdb.execute(f"COPY (SELECT i AS k FROM range(5) t(i)) TO '{path}' (HEADER)")
    with DuckDBSource(str(path)) as source:
        assert not source.ordered
        assert source.partitions() == [source.relation]
        assert result(_run(source, _contract()), "k.unique").status == "pass"
        with pytest.raises(RuntimeError):
            source.start(["SELECT 1"])


def test_closing_stops_running_walks(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "k.parquet", [1, 2, 3])
    source = DuckDBSource(path, sides=2)
    # Minutes of work each unless interrupted.
    slow = "SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3"
    pending = source.start([slow, slow, "SELECT 1", "SELECT 2"])
    started = time.perf_counter()
    source.close()
    assert time.perf_counter() - started < 30
    assert pending.results() == [None, None, None, None]


def test_side_queries_share_out_and_keep_their_order(tmp_path: Path) -> None:
    with DuckDBSource(_parquet(tmp_path / "k.parquet", [1]), sides=2) as source:
        queries = [f"SELECT {i}" for i in range(5)] + ["SELECT no_such_column"]
        assert source.start(queries).results() == [[(i,)] for i in range(5)] + [None]


def test_query_shapes() -> None:
    prefix = prefix_proof('"k"', '"k" IS NOT NULL', "head")
    assert "FROM head WHERE" in prefix
    assert prefix.endswith("LIMIT 2")
    assert proves_order([])
    assert proves_order([(True,)])
    assert not proves_order([(True,), (False,)])
    assert not proves_order([(False,)])
    assert not proves_order([(True,), (True,)])  # two starts: the walk was not one sequence
    w = Walk("k.unique", 0, '"k"', '"k" IS NOT NULL', {"k.min": '"k" < 0'})
    first, last = (partition_walk(w, i, 2, "part") for i in range(2))
    assert first.startswith('CREATE OR REPLACE TABLE "accord_walk"."w0_p0" AS')
    assert "NULL AS lo, max(k) AS hi" in first
    assert "min(k) FILTER (WHERE prev IS NULL) AS lo, NULL AS hi" in last
    assert "lag(k) OVER ()" in first
    assert '("k" < 0) AS r0' in first
    assert '"accord_walk"."w0_p1"' in outcome(w, 2)


def test_postgres_runs_queries_in_turn(pg_dsn: str) -> None:
    source = PostgresSource(pg_dsn, "pg_catalog.pg_class")
    try:
        assert not source.ordered
        assert source.partitions() == [source.relation]
        assert source.dictionary_columns() == frozenset()
        assert len(source.query(f"SELECT * FROM {source.head(2)}")) == 2
        done = source.start(["SELECT 1", "SELECT no_such_column FROM pg_class", "SELECT 2"])
        assert done == Done([[(1,)], None, [(2,)]])
    finally:
        source.close()


@pytest.mark.parametrize(
    ("sizes", "parts", "runs"),
    [
        ([5, 5, 5, 5], 2, [(0, 2), (2, 4)]),
        ([5, 5, 5, 5], 3, [(0, 1), (1, 3), (3, 4)]),
        ([2, 2, 2, 2, 1], 3, [(0, 1), (1, 3), (3, 5)]),  # a tie cuts early
        ([100, 1], 2, [(0, 1), (1, 2)]),
        ([1, 100], 2, [(0, 1), (1, 2)]),
        ([0, 0], 2, [(0, 1), (1, 2)]),
        ([7], 2, [(0, 1)]),
        ([3, 3, 3], 1, [(0, 3)]),
        ([], 2, []),
    ],
)
def test_split_runs(sizes: list[int], parts: int, runs: list[tuple[int, int]]) -> None:
    assert split_runs(sizes, parts) == runs


def _cover(source: DuckDBSource) -> list[int]:
    return [source.query(f"SELECT count(*) FROM {part}")[0][0] for part in source.partitions()]


def test_partitions_hold_every_row_once(tmp_path: Path) -> None:
    path = _groups(tmp_path / "k.parquet", "SELECT i AS k FROM range(10000) t(i)")
    with DuckDBSource(path, sides=3) as source:
        assert _cover(source) == [4096, 2048, 3856]  # whole row groups
        union = " UNION ALL ".join(f"SELECT k FROM {part}" for part in source.partitions())
        assert source.query(f"SELECT count(DISTINCT k), min(k), max(k) FROM ({union})") == [
            (10000, 0, 9999)
        ]
    with DuckDBSource(_files(tmp_path, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]), sides=2) as source:
        assert _cover(source) == [4, 6]


def test_what_does_not_split(tmp_path: Path) -> None:
    with DuckDBSource(_parquet(tmp_path / "one.parquet", [1, 2, 3]), sides=2) as source:
        assert source.partitions() == [source.relation]
    many = _groups(tmp_path / "many.parquet", "SELECT i AS k FROM range(5000) t(i)")
    with DuckDBSource(many, sides=1) as source:
        assert source.partitions() == [source.relation]
    shadow = _groups(
        tmp_path / "shadow.parquet", "SELECT i AS k, i AS FILE_ROW_NUMBER FROM range(5000) t(i)"
    )
    with DuckDBSource(shadow, sides=2) as source:
        assert source.partitions() == [source.relation]
        assert "LIMIT 3" in source.head(3)
        assert source.query(f"SELECT max(k) FROM {source.head(3)}") == [(2,)]


def test_the_head_of_one_file_is_its_first_rows(tmp_path: Path) -> None:
    path = _groups(tmp_path / "k.parquet", "SELECT i AS k FROM range(5000) t(i)")
    with DuckDBSource(path, sides=2) as source:
        assert "file_row_number" in source.head(3000)
        assert source.query(f"SELECT count(*), max(k) FROM {source.head(3000)}") == [(3000, 2999)]


def test_unreadable_metadata_splits_nothing(tmp_path: Path) -> None:
    path = _groups(tmp_path / "k.parquet", "SELECT i AS k FROM range(5000) t(i)")
    with DuckDBSource(path, sides=2) as source:
        Path(path).unlink()  # before the columns were read
        assert "LIMIT 3000" in source.head(3000)
        assert source.partitions() == [source.relation]
        assert source.dictionary_columns() == frozenset()
    path = _groups(tmp_path / "k.parquet", "SELECT i AS k FROM range(5000) t(i)")
    with DuckDBSource(path, sides=2) as source:
        assert [c.name for c in source.describe()] == ["k"]
        Path(path).unlink()  # after: the row groups can no longer be read
        assert source.partitions() == [source.relation]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(-3, 40)), max_size=40),
    ordered=st.booleans(),
    cuts=st.lists(st.integers(0, 40), max_size=3),
    sides=st.integers(1, 3),
    prefix=st.integers(1, 6),
)
def test_counts_match_an_oracle(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    values: list[int | None],
    ordered: bool,
    cuts: list[int],
    sides: int,
    prefix: int,
) -> None:
    monkeypatch.setattr(walk_module, "PREFIX_ROWS", prefix)
    if ordered:
        values = sorted(values, key=lambda v: (v is None, v or 0))
    bounds = [0, *sorted(c for c in cuts if c < len(values)), len(values)]
    chunks = [values[a:b] for a, b in itertools.pairwise(bounds)]
    present = [v for v in values if v is not None]
    glob = _files(tmp_path_factory.mktemp("u"), chunks)
    with Recording(glob, sides=sides) as source:
        report = _run(source, _contract(minimum=0))
    assert result(report, "k.unique").failed_rows == len(present) - len(set(present))
    assert result(report, "k.min").failed_rows == sum(v < 0 for v in present)
    if ordered and len(set(present)) == len(present):
        assert not _hashed(source)
