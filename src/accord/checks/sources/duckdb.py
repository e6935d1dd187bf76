"""Files through DuckDB: CSV, Parquet and JSON lines, one file or a glob.

CSV is read with ``all_varchar``: every value arrives as text and is typed with ``TRY_CAST``
by the checks, so one unparsable value is one counted type failure of its column, not an
aborted run. JSON lines keep nested values (objects, arrays) native and read scalars as text
for the same reason. Parquet keeps its stored types: a mismatch is a type failure.

Once the view over the files exists, the connection is locked down (no file access beyond
the matched files, configuration locked) before any contract SQL runs. Every query runs
under the deadline of `limit_time` (`accord.checks.sources.deadline`), and an error met while
reading the data is reported by its kind only (`errors.withheld`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import duckdb

from accord.checks.errors import QueryError, QueryTimeout, SourceError, withheld
from accord.checks.sources.base import DataColumn
from accord.checks.sources.deadline import Watchdog
from accord.checks.sql import Dialect, is_single_select, literal, quote_ident
from accord.checks.walk import SCHEMA

FileFormat = Literal["csv", "parquet", "json"]
_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
}  # fmt: skip
_NESTED = ("STRUCT", "MAP", "UNION")
VIEW = "accord_data"
# Errors raised before any row is read (parsing, binding names, file permissions, I/O):
# their text quotes the query and the catalog, never a data value, and is reported.
_BEFORE_DATA = (
    duckdb.ParserException,
    duckdb.SyntaxException,
    duckdb.BinderException,
    duckdb.CatalogException,
    duckdb.PermissionException,
    duckdb.IOException,
    duckdb.OutOfMemoryException,
)
Rows = list[tuple[Any, ...]]


def detect_format(path: str) -> FileFormat:
    """The format named by the file suffix (``.csv.gz`` counts as ``.csv``)."""
    name = path.lower().removesuffix(".gz").removesuffix(".zst")
    for suffix, fmt in _SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    raise SourceError(f"cannot tell the format of {path!r}: use --format csv|parquet|json")


class DuckDBSource:
    """CSV / Parquet / JSON-lines files (globs allowed) scanned by an in-memory DuckDB.

    ``alias`` also exposes the data under the contract's table name, so custom SQL written
    against the real table name (as ODCS quality queries often are) runs unchanged.
    """

    text_typed: bool
    statistics: bool
    ordered: bool
    dialect = Dialect("duckdb")
    relation = quote_ident(VIEW)

    def __init__(
        self,
        path: str,
        fmt: FileFormat | None = None,
        alias: str | None = None,
        *,
        sides: int | None = None,
    ) -> None:
        """``sides``: connections for queries beside the scan on Parquet (`start`), and so
        the most partitions `partitions` cuts; DuckDB's thread count by default."""
        self.label = path
        self._alias = alias
        self._custom: str | None = None
        self.format: FileFormat = fmt or detect_format(path)
        self.text_typed = self.format in ("csv", "json")
        # Parquet keeps per-row-group null counts, min and max: DuckDB answers count(col),
        # min and max from them (and reads the column when a file has none).
        self.statistics = self.format == "parquet"
        # Files are read in a fixed order, and a side query on Parquet reads only the columns
        # it names; re-parsing a whole CSV or JSON file beside the scan would cost more.
        self.ordered = self.format == "parquet"
        self._sides: list[duckdb.DuckDBPyConnection] = []
        self._columns: list[DataColumn] | None = None
        self._background: _Background | None = None
        self._watch = Watchdog()
        self.timed_out: str | None = None
        # No progress bar of DuckDB's own: it would write into the CLI's stdout (--json).
        self._con = duckdb.connect(":memory:")
        self._con.execute("SET enable_progress_bar = false")
        try:
            files = [r[0] for r in self._con.execute("SELECT file FROM glob(?)", [path]).fetchall()]
            if not files:
                raise SourceError(f"no file matches {path!r}")
            # The view names the matched files, not the glob: after the lock-down below,
            # DuckDB may read exactly those files and nothing else.
            self._files = [str(Path(f).resolve()) for f in files]
            self._read = self._reader("[" + ", ".join(literal(f) for f in self._files) + "]")
            # Not TEMP: the side connections of `start` read the same view.
            self._con.execute(f"CREATE VIEW {self.relation} AS SELECT * FROM {self._read}")
            if self.ordered:
                self._open_sides(sides)
            self._lock(self._files)
        except duckdb.Error as exc:
            self._con.close()
            raise SourceError(f"cannot read {path}: {_line(exc)}") from None
        except SourceError:
            self._con.close()
            raise

    def _open_sides(self, sides: int | None) -> None:
        # One side connection per engine thread: walks of several partitions run at once,
        # and keep their bounds in tables of their own (accord.checks.walk).
        self._con.execute(f"CREATE SCHEMA {quote_ident(SCHEMA)}")
        if sides is None:
            threads = self._con.execute("SELECT current_setting('threads')").fetchone()
            sides = int(threads[0]) if threads else 1
        for _ in range(max(1, sides)):
            side = self._con.cursor()
            side.execute("SET enable_progress_bar = false")
            self._sides.append(side)

    def _reader(self, target: str) -> str:
        if self.format == "parquet":
            return f"read_parquet({target}, union_by_name = true)"
        if self.format == "csv":
            return f"read_csv({target}, header = true, all_varchar = true, union_by_name = true)"
        sniff = f"read_json({target}, format = 'newline_delimited')"
        described = self._con.execute(f"DESCRIBE SELECT * FROM {sniff}").fetchall()
        columns = ", ".join(
            f"{literal(name)}: {literal(_as_read(kind))}" for name, kind, *_ in described
        )
        return f"read_json({target}, format = 'newline_delimited', columns = {{{columns}}})"

    def _lock(self, files: list[str]) -> None:
        listed = ", ".join(literal(f) for f in files)
        self._con.execute(f"SET allowed_paths = [{listed}]")
        self._con.execute("SET enable_external_access = false")
        self._con.execute("SET lock_configuration = true")

    def describe(self) -> list[DataColumn]:
        """The columns of the files (the union of all matched files' columns). The view
        names fixed files, so it is described once."""
        if self._columns is None:
            rows = self._con.execute(f"DESCRIBE SELECT * FROM {self.relation}").fetchall()
            self._columns = [DataColumn(str(r[0]), str(r[1])) for r in rows]
        return list(self._columns)

    def limit_time(self, timeout: float | None, lock_timeout: float | None) -> None:
        """Interrupt a query that runs longer than ``timeout`` seconds. (An in-memory
        database over files waits for no lock: ``lock_timeout`` does not apply.)"""
        self._watch.seconds = timeout

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run engine-built SQL."""
        return self._execute(self._con, sql)

    def _execute(self, con: duckdb.DuckDBPyConnection, sql: str, limit: int | None = None) -> Rows:
        """Run ``sql`` on ``con`` under the deadline; all rows, or the first ``limit``."""
        if self.timed_out is not None:
            raise QueryTimeout(f"not run: an earlier query {self.timed_out}")
        with self._watch.running(con) as watch:
            try:
                result = con.execute(sql)
                return result.fetchall() if limit is None else result.fetchmany(limit)
            except duckdb.Error as exc:
                if watch is not None and watch.fired:
                    self.timed_out = f"timed out after {_seconds(self._watch)} s"
                    raise QueryTimeout(self.timed_out) from None
                raise QueryError(_message(exc)) from None

    def start(self, queries: list[str]) -> _Background:
        """Run the queries beside whatever the caller runs next: on the side connections,
        query i on connection i modulo their number, each connection on a thread of its own
        running its share in turn (DuckDB does not hold the GIL while it works)."""
        if not self._sides:
            raise RuntimeError("start() needs an ordered source")
        self._background = _Background(self._sides, queries, self._execute)
        return self._background

    def head(self, rows: int) -> str:
        """The first ``rows`` rows: of the one file by row number, so that DuckDB reads only
        the row groups holding them; of a glob, in file order under a ``LIMIT``."""
        try:
            numbered = len(self._files) == 1 and not self._shadowed()
        except duckdb.Error:  # the LIMIT reads what can still be read
            numbered = False
        if numbered:
            where = f"file_row_number < {int(rows)}"
            return f"(SELECT * FROM {self._read} WHERE {where}) AS head"
        return f"(SELECT * FROM {self.relation} LIMIT {int(rows)}) AS head"

    def _shadowed(self) -> bool:
        # A data column named like a virtual column hides it: no row numbers, no file names.
        names = {c.name.lower() for c in self.describe()}
        return bool(names & {"filename", "file_row_number"})

    def partitions(self) -> list[str]:
        """Relations that together hold every row of `relation` once, each read in stored
        order: one per side connection, as runs of whole row groups of the one file, or of
        whole files of a glob, of about equal rows. Just `relation` when that cannot be
        split: one side connection, one row group, or a data column that would shadow
        DuckDB's ``filename`` / ``file_row_number``."""
        lanes = len(self._sides)
        if lanes < 2:
            return [self.relation]
        try:
            if self._shadowed():
                return [self.relation]
            if len(self._files) == 1:
                return self._row_group_runs(lanes)
            return self._file_runs(lanes)
        except duckdb.Error:  # no split without the metadata; one walk is as sound
            return [self.relation]

    def dictionary_columns(self) -> frozenset[str]:
        """Parquet columns whose every column chunk has a dictionary (none when the
        metadata cannot be read; CSV and JSON lines have none)."""
        if self.format != "parquet":
            return frozenset()
        try:
            rows = self._con.execute(
                "SELECT path_in_schema FROM parquet_metadata(?) GROUP BY path_in_schema "
                "HAVING bool_and(encodings LIKE '%DICTIONARY%')",
                [self._files],
            ).fetchall()
        except duckdb.Error:
            return frozenset()
        return frozenset(str(r[0]) for r in rows)

    def _row_group_runs(self, lanes: int) -> list[str]:
        sizes = [
            int(r[0])
            for r in self._con.execute(
                "SELECT max(row_group_num_rows) FROM parquet_metadata(?) "
                "GROUP BY row_group_id ORDER BY row_group_id",
                [self._files[0]],
            ).fetchall()
        ]
        runs = split_runs(sizes, lanes)
        if len(runs) < 2:
            return [self.relation]
        starts = [sum(sizes[:first]) for first, _ in runs]
        parts = []
        for i, start in enumerate(starts):
            bounds = [f"file_row_number >= {start}"] if i else []
            if i + 1 < len(starts):
                bounds.append(f"file_row_number < {starts[i + 1]}")
            parts.append(f"(SELECT * FROM {self._read} WHERE {' AND '.join(bounds)}) AS part")
        return parts

    def _file_runs(self, lanes: int) -> list[str]:
        rows = dict(
            self._con.execute(
                "SELECT file_name, num_rows FROM parquet_file_metadata(?)", [self._files]
            ).fetchall()
        )
        runs = split_runs([int(rows[f]) for f in self._files], lanes)
        return [
            f"(SELECT * FROM {self._read} WHERE filename IN "
            f"({', '.join(literal(f) for f in self._files[first:end])})) AS part"
            for first, end in runs
        ]

    def custom_relation(self, projection: str | None) -> str:
        """A view of the data typed as the contract says (``projection``), also under the
        contract's table name, for custom SQL."""
        if self._custom is None:
            self._custom = quote_ident(f"{VIEW}_typed")
            select = projection or "*"
            self._con.execute(
                f"CREATE TEMP VIEW {self._custom} AS SELECT {select} FROM {self.relation}"
            )
            if self._alias and self._alias not in (VIEW, f"{VIEW}_typed"):
                alias = quote_ident(self._alias)
                self._con.execute(f"CREATE TEMP VIEW {alias} AS SELECT * FROM {self._custom}")
        return self._custom

    def query_custom(self, sql: str) -> Rows:
        """Run one user SELECT and return its first two rows at most; anything else (DDL,
        COPY, several statements) is refused."""
        try:
            statements = self._con.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(_message(exc)) from None
        if (
            not is_single_select(sql)
            or len(statements) != 1
            or statements[0].type != duckdb.StatementType.SELECT
        ):
            raise QueryError("custom SQL must be a single SELECT statement")
        # A streamed result: DuckDB computes what the first two rows need, not the rest.
        return self._execute(self._con, sql, limit=2)

    def close(self) -> None:
        """Stop side queries still running and close the in-memory database."""
        if self._background is not None:
            self._background.stop()
        self._watch.close()
        for side in self._sides:
            side.close()
        self._con.close()

    def __enter__(self) -> DuckDBSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def split_runs(sizes: list[int], parts: int) -> list[tuple[int, int]]:
    """Cut a sequence of pieces (row groups, files) of ``sizes`` rows into at most ``parts``
    non-empty runs ``[first, end)`` of about equal rows, in order: each cut falls on the
    boundary between pieces nearest to its share of the rows."""
    ends = list(itertools.accumulate(sizes))
    cuts = {
        1 + min(range(len(ends)), key=lambda i: abs(ends[i] * parts - ends[-1] * k))
        for k in range(1, parts)
        if ends
    }
    bounds = [0, *sorted(c for c in cuts if c < len(sizes)), len(sizes)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if a < b]


class _Background:
    """Queries running beside the caller: connection i runs queries i, i + n, … in turn,
    on a thread of its own."""

    def __init__(
        self,
        cons: list[duckdb.DuckDBPyConnection],
        queries: list[str],
        execute: Callable[[duckdb.DuckDBPyConnection, str], Rows],
    ) -> None:
        self._cons = cons[: len(queries)]
        self._execute = execute
        self._rows: list[list[tuple[Any, ...]] | None] = [None] * len(queries)
        self._stopped = False
        lanes = len(self._cons)
        self._threads = [
            threading.Thread(
                target=self._run,
                args=(con, [(i, queries[i]) for i in range(lane, len(queries), lanes)]),
                name=f"accord-side-query-{lane}",
                daemon=True,
            )
            for lane, con in enumerate(self._cons)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, con: duckdb.DuckDBPyConnection, share: list[tuple[int, str]]) -> None:
        for i, sql in share:
            if self._stopped:
                return
            try:
                self._rows[i] = self._execute(con, sql)
            except Exception:  # any failure only means this query answered nothing
                self._rows[i] = None

    def results(self) -> list[list[tuple[Any, ...]] | None]:
        """Each query's rows, or None where the engine failed it."""
        for thread in self._threads:
            thread.join()
        return self._rows

    def stop(self) -> None:
        """Interrupt what still runs and wait for the threads."""
        self._stopped = True
        for con, thread in zip(self._cons, self._threads, strict=True):
            while thread.is_alive():  # again until it ends: a query may not have begun yet
                con.interrupt()
                thread.join(timeout=0.05)


def _as_read(kind: str) -> str:
    # Nested values stay native; scalars are read as text and typed by the checks.
    return kind if kind.startswith(_NESTED) or kind.endswith("]") else "VARCHAR"


def _line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]


def _message(exc: duckdb.Error) -> str:
    """What a query error may report: the first line of an error raised before any row was
    read; of any other, its kind ("Conversion Error"), since its text can quote a value."""
    if isinstance(exc, _BEFORE_DATA):
        return _line(exc)
    kind, sep, _ = _line(exc).partition(": ")
    return withheld(kind if sep and kind.endswith("Error") else type(exc).__name__)


def _seconds(watch: Watchdog) -> str:
    """The deadline as people write it (300, 0.5)."""
    return f"{watch.seconds or 0:g}"
