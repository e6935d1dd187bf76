"""Files through DuckDB: CSV, Parquet and JSON lines, one file or a glob.

CSV is read with ``all_varchar``: every value arrives as text and is typed with ``TRY_CAST``
by the checks, so one unparsable value is one counted type failure of its column, not an
aborted run. JSON lines keep nested values (objects, arrays) native and read scalars as text
for the same reason. Parquet keeps its stored types: a mismatch is a type failure.

Once the view over the files exists, the connection is locked down (no file access beyond
the matched files, configuration locked) before any contract SQL runs.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

import duckdb

from accord.checks.errors import QueryError, SourceError
from accord.checks.sources.base import DataColumn
from accord.checks.sql import Dialect, is_single_select, literal, quote_ident

FileFormat = Literal["csv", "parquet", "json"]
_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
}  # fmt: skip
_NESTED = ("STRUCT", "MAP", "UNION")
VIEW = "accord_data"


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

    def __init__(self, path: str, fmt: FileFormat | None = None, alias: str | None = None) -> None:
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
        self._side: duckdb.DuckDBPyConnection | None = None
        self._background: _Background | None = None
        # No progress bar of DuckDB's own: it would write into the CLI's stdout (--json).
        self._con = duckdb.connect(":memory:")
        self._con.execute("SET enable_progress_bar = false")
        try:
            files = [r[0] for r in self._con.execute("SELECT file FROM glob(?)", [path]).fetchall()]
            if not files:
                raise SourceError(f"no file matches {path!r}")
            # The view names the matched files, not the glob: after the lock-down below,
            # DuckDB may read exactly those files and nothing else.
            files = [str(Path(f).resolve()) for f in files]
            reader = self._reader("[" + ", ".join(literal(f) for f in files) + "]")
            # Not TEMP: the side connection of `start` reads the same view.
            self._con.execute(f"CREATE VIEW {self.relation} AS SELECT * FROM {reader}")
            if self.ordered:
                self._side = self._con.cursor()
                self._side.execute("SET enable_progress_bar = false")
            self._lock(files)
        except duckdb.Error as exc:
            self._con.close()
            raise SourceError(f"cannot read {path}: {_line(exc)}") from None
        except SourceError:
            self._con.close()
            raise

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
        """The columns of the files (the union of all matched files' columns)."""
        rows = self._con.execute(f"DESCRIBE SELECT * FROM {self.relation}").fetchall()
        return [DataColumn(str(r[0]), str(r[1])) for r in rows]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run engine-built SQL."""
        try:
            return self._con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise QueryError(_line(exc)) from None

    def start(self, queries: list[str]) -> _Background:
        """Run the queries in turn on a thread and a connection of their own (DuckDB does
        not hold the GIL while it works), beside whatever the caller runs next."""
        if self._side is None:
            raise RuntimeError("start() needs an ordered source")
        self._background = _Background(self._side, queries)
        return self._background

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

    def query_custom(self, sql: str) -> Any:
        """Run one user SELECT; anything else (DDL, COPY, several statements) is refused."""
        try:
            statements = self._con.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(_line(exc)) from None
        if (
            not is_single_select(sql)
            or len(statements) != 1
            or statements[0].type != duckdb.StatementType.SELECT
        ):
            raise QueryError("custom SQL must be a single SELECT statement")
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def close(self) -> None:
        """Stop side queries still running and close the in-memory database."""
        if self._background is not None:
            self._background.stop()
        if self._side is not None:
            self._side.close()
        self._con.close()

    def __enter__(self) -> DuckDBSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Background:
    """Queries running one after another on a thread of their own."""

    def __init__(self, con: duckdb.DuckDBPyConnection, queries: list[str]) -> None:
        self._con = con
        self._rows: list[list[tuple[Any, ...]] | None] = []
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, args=(queries,), name="accord-side-query", daemon=True
        )
        self._thread.start()

    def _run(self, queries: list[str]) -> None:
        for sql in queries:
            if self._stopped:
                self._rows.append(None)
                continue
            try:
                self._rows.append(self._con.execute(sql).fetchall())
            except Exception:  # any failure only means this query answered nothing
                self._rows.append(None)

    def results(self) -> list[list[tuple[Any, ...]] | None]:
        """Each query's rows, or None where the engine failed it."""
        self._thread.join()
        return self._rows

    def stop(self) -> None:
        """Interrupt what still runs and wait for the thread."""
        self._stopped = True
        while self._thread.is_alive():  # again until it ends: a query may not have begun yet
            self._con.interrupt()
            self._thread.join(timeout=0.05)


def _as_read(kind: str) -> str:
    # Nested values stay native; scalars are read as text and typed by the checks.
    return kind if kind.startswith(_NESTED) or kind.endswith("]") else "VARCHAR"


def _line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
