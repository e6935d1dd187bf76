"""Compile checks into one aggregate scan: ``SELECT count(*), count(*) FILTER (…), … FROM t``.

Each scan check becomes one aggregate expression (its failing-row count, or a value such as
``max(ts)`` for freshness) plus, for row-level checks, the predicate that selects failing rows
(used only for samples). Checks that need no scan (column presence, stored types, columns not
in the contract) are decided here from the source's column list.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.checks.plan import Check
from accord.checks.sources.base import DataColumn
from accord.checks.sql import Dialect, literal, quote_ident
from accord.checks.types import NUMERIC, TEMPORAL, TEXTUAL, duckdb_type, parse_stored, stored_as
from accord.compat import LogicalType, TableSchema
from accord.kit.regex import InvalidPattern

_INTEGER = frozenset({"int8", "int16", "int32", "int64"})


@dataclass(frozen=True)
class ColumnView:
    """How checks read one contract column from the data.

    ``typed`` yields values of the contract type (a ``TRY_CAST`` on text sources), or None
    when the stored type does not match and typed comparisons cannot be made.
    """

    raw: str
    stored: str
    typed: str | None
    text: str
    cast: bool  # values are cast from text: the type check counts the failures


@dataclass(frozen=True)
class Decided:
    """A check settled without a scan."""

    status: str  # "pass" | "fail" | "error"
    message: str
    observed: object = None


@dataclass(frozen=True)
class Compiled:
    """A check that needs the scan: its aggregate and its failing-row predicate."""

    aggregate: str
    predicate: str | None = None
    group_by: tuple[str, ...] = ()  # unique: samples are the duplicated keys
    # An aggregate an engine with statistics answers without reading rows: the check's
    # value itself when ``probe_exact``, else a boolean that is false only when no row can
    # fail (the check then passes with 0 failing rows; otherwise ``aggregate`` counts them).
    probe: str | None = None
    probe_exact: bool = False
    # unique: the key expression, which `accord.checks.walk` may prove distinct by its order.
    key: str | None = None


def column_views(
    schema: TableSchema, data: list[DataColumn], dialect: Dialect, text_typed: bool
) -> dict[str, ColumnView]:
    """A view of every contract column that exists in the data."""
    stored = {c.name: c.stored for c in data}
    views: dict[str, ColumnView] = {}
    for column in schema.columns:
        if column.name not in stored:
            continue
        raw, kind = quote_ident(column.name), column.type
        is_text = parse_stored(stored[column.name]).family == "string"
        if text_typed and is_text:
            views[column.name] = ColumnView(raw, stored[column.name], _cast(raw, kind), raw, True)
            continue
        ok = stored_as(kind, parse_stored(stored[column.name]))
        text = raw if is_text else dialect.as_text(raw)
        views[column.name] = ColumnView(raw, stored[column.name], raw if ok else None, text, False)
    return views


def _cast(raw: str, kind: LogicalType) -> str:
    if kind.name in TEXTUAL:
        return raw
    cast = f"TRY_CAST({raw} AS {duckdb_type(kind)})"
    if kind.name in _INTEGER:
        # TRY_CAST rounds '1.5' to 2; an integer column must hold integer text.
        return f"CASE WHEN regexp_full_match({raw}, '\\s*[+-]?[0-9]+\\s*') THEN {cast} END"
    return cast


def decide(
    check: Check, views: dict[str, ColumnView], data: list[DataColumn], schema: TableSchema
) -> Decided | None:
    """Settle ``check`` from metadata alone, or None when it needs the scan."""
    if check.kind == "columns_not_in_contract":
        extra = [c.name for c in data if schema.column(c.name) is None]
        if extra:
            return Decided("fail", f"not in the contract: {', '.join(extra)}", extra)
        return Decided("pass", "every column is in the contract", [])
    missing = [c for c in check.columns if c not in views]
    if check.kind == "column_present":
        if missing:
            return Decided("fail", "column is missing from the data")
        return Decided("pass", "column is present")
    if missing:
        return Decided("error", f"not evaluated: column {missing[0]!r} is missing")
    if check.kind == "column_type":
        view = views[check.columns[0]]
        if view.cast and view.typed != view.raw:
            return None  # counted in the scan: values that do not convert
        if view.cast:  # a text type: every value read as text is one
            return Decided("pass", "read as text", view.stored)
        if view.typed is None:
            return Decided(
                "fail", f"stored as {view.stored}, contract says {check.param}", view.stored
            )
        return Decided("pass", f"stored as {view.stored}", view.stored)
    return None


def compile_check(
    check: Check, views: dict[str, ColumnView], schema: TableSchema, dialect: Dialect
) -> Compiled | Decided:
    """The aggregate for a column scan check, or why it cannot be evaluated.

    Row count, freshness's neighbours and custom SQL are handled by the runner.
    """
    cols = [views[c] for c in check.columns]
    if check.kind == "unique":
        keys = [v.typed or v.raw for v in cols]
        present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        key = dialect.key(keys)
        agg = f"count(*) FILTER (WHERE {present}) - count(DISTINCT {key}) FILTER (WHERE {present})"
        return Compiled(agg, present, tuple(keys), key=key)
    view = cols[0]
    if check.kind == "not_null":
        nulls = f"count(*) - count({view.raw})"
        return Compiled(nulls, f"{view.raw} IS NULL", probe=nulls, probe_exact=True)
    if check.kind == "column_type":
        return _count(f"{view.raw} IS NOT NULL AND {view.typed} IS NULL")
    if check.kind in ("min_length", "max_length", "pattern"):
        return _text_check(check, view.text, dialect)
    kind = schema_type(schema, check.columns[0])
    if view.typed is None:
        return Decided("error", f"not evaluated: stored as {view.stored}, contract says {kind}")
    if check.kind == "freshness":
        if kind.name not in TEMPORAL:
            return Decided("error", f"freshness needs a date or timestamp column, not {kind}")
        newest = dialect.epoch(f"max({view.typed})")
        return Compiled(newest, probe=newest, probe_exact=True)
    if check.kind == "accepted_values":
        values = [
            str(v) if kind.name in TEXTUAL and not isinstance(v, str) else v for v in check.param
        ]
        listed = ", ".join(literal(v) for v in values)
        return _count(f"{view.typed} IS NOT NULL AND {view.typed} NOT IN ({listed})")
    if kind.name not in NUMERIC:
        return Decided("error", f"{check.kind} applies to numeric columns, not {kind}")
    op, extreme = ("<", "min") if check.kind == "min" else (">", "max")
    bound = literal(check.param)
    may_fail = f"coalesce({extreme}({view.typed}) {op} {bound}, false)"
    return _count(f"{view.typed} {op} {bound}", probe=may_fail)


def _text_check(check: Check, text: str, dialect: Dialect) -> Compiled | Decided:
    if check.kind == "pattern":
        try:
            matches = dialect.matches(text, check.param)
        except InvalidPattern as exc:  # contracts refuse these; stay total anyway
            return Decided("error", f"pattern not evaluated: {exc}")
        return _count(f"NOT {matches}")
    op = "<" if check.kind == "min_length" else ">"
    return _count(dialect.length_outside(text, op, int(check.param)))


def _count(predicate: str, probe: str | None = None) -> Compiled:
    return Compiled(f"count(*) FILTER (WHERE {predicate})", predicate, probe=probe)


def schema_type(schema: TableSchema, name: str) -> LogicalType:
    """The contract type of a column the plan already knows exists."""
    column = schema.column(name)
    assert column is not None  # plan_checks only names schema columns
    return column.type
