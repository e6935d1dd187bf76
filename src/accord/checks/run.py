"""Run a contract's checks against an opened source.

Checks the column list settles are decided at once; the rest compile to aggregates that
`accord.checks.scan` computes in as few passes over the data as it can. Custom SQL runs as
its own read-only query; failing-row samples (only when asked) take one small ``LIMIT``
query per failing check. Each check becomes one `CheckResult`.

What custom SQL returns is never echoed: a count is reported as the check's failing rows,
anything else only by its kind ("a text value"), since a contract's query can select any
value of the data (docs/checks.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accord.checks.compile import (
    ColumnView,
    Compiled,
    Decided,
    column_views,
    compile_check,
    decide,
)
from accord.checks.contract import Contract
from accord.checks.errors import QueryError
from accord.checks.plan import Check, plan_checks
from accord.checks.results import CheckResult, Report, jsonable
from accord.checks.scan import scan
from accord.checks.sources.base import DataColumn, Source
from accord.checks.sql import quote_ident
from accord.checks.types import parse_stored
from accord.spec import CustomCheck, Freshness, RowCount, Severity

REDACTED = "***"


@dataclass(frozen=True)
class CheckOptions:
    """How to run. ``extra_columns`` is the severity of ``columns_not_in_contract`` (None:
    do not check); ``samples`` failing rows per failing check (0: none); ``now`` for
    freshness. ``timeout`` and ``lock_timeout`` bound each query, in seconds (None or 0: no
    limit; `Source.limit_time`). ``skip_custom``, when set, is the reason reported for not
    running the contract's custom SQL: each custom check is then ``skipped``."""

    samples: int = 0
    extra_columns: Severity | None = "error"
    now: dt.datetime | None = None
    progress: Callable[[str], None] | None = None
    timeout: float | None = 300.0
    lock_timeout: float | None = 10.0
    skip_custom: str | None = None


def run_checks(contract: Contract, source: Source, options: CheckOptions | None = None) -> Report:
    """Check the data in ``source`` against ``contract``."""
    opts = options or CheckOptions()
    started = time.perf_counter()
    say = opts.progress or (lambda _msg: None)
    source.limit_time(opts.timeout, opts.lock_timeout)
    say(f"describing {source.label}")
    data = source.describe()
    schema = contract.schema
    views = column_views(schema, data, source.dialect, source.text_typed)
    checks = plan_checks(schema, contract.guarantees, opts.extra_columns)
    settled: dict[str, Decided] = {}
    scans: dict[str, Compiled] = {}
    for check in checks:
        if check.kind in ("row_count", "custom"):
            continue
        decided = decide(check, views, data, schema)
        if decided is None:
            outcome = compile_check(check, views, schema, source.dialect)
            if isinstance(outcome, Decided):
                settled[check.id] = outcome
            else:
                scans[check.id] = outcome
        else:
            settled[check.id] = decided
    say(f"scanning {source.label} ({len(scans)} aggregates)")
    rows, values, failures = scan(source, scans, {c.id: c for c in checks})
    now = opts.now or dt.datetime.now(dt.UTC)
    results: list[CheckResult] = []
    projection = _projection(views, data) if source.text_typed else None
    for check in checks:
        if check.kind == "custom" and opts.skip_custom is not None:
            result = _result(check, "skipped", opts.skip_custom, rows)
        elif check.kind == "custom":
            say(f"running custom check {check.id}")
            result = _custom(check, source, source.custom_relation(projection), rows)
        elif check.kind == "row_count":
            result = _row_count(check, rows, failures.get("__rows"))
        elif check.id in settled:
            result = _settled(check, settled[check.id], rows)
        elif check.id in failures:
            result = _result(check, "error", f"query failed: {failures[check.id]}", rows)
        elif check.kind == "freshness":
            result = _freshness(check, values[check.id], now, rows)
        else:
            result = _counted(check, int(values[check.id]), rows)
        if opts.samples and result.status == "fail" and check.id in scans:
            result = _with_samples(result, scans[check.id], contract, source, opts.samples, views)
        results.append(result)
    return Report(
        contract.name,
        source.label,
        results,
        rows,
        time.perf_counter() - started,
        contract.meta,
        stopped=source.timed_out,
    )


def _first_line(exc: BaseException) -> str:
    return str(exc)


def _result(check: Check, status: Any, message: str, rows: int | None, **extra: Any) -> CheckResult:
    return CheckResult(
        check.id,
        check.kind,
        check.severity,
        status,
        message,
        check.columns,
        total_rows=rows,
        **extra,
    )


def _settled(check: Check, decided: Decided, rows: int | None) -> CheckResult:
    return _result(check, decided.status, decided.message, rows, observed=decided.observed)


def _counted(check: Check, failed: int, rows: int | None) -> CheckResult:
    if check.kind == "unique":
        what = f"{_count_of(failed, 'extra row')} (duplicates beyond the first)"
    else:
        what = _count_of(failed, "failing row")
    status = "pass" if failed == 0 else "fail"
    return _result(check, status, what, rows, failed_rows=failed)


def _count_of(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _row_count(check: Check, rows: int | None, failure: str | None) -> CheckResult:
    bounds: RowCount = check.param
    if rows is None:
        return _result(check, "error", f"query failed: {failure}", rows)
    low = bounds.min if bounds.min is not None else 0
    high = "∞" if bounds.max is None else str(bounds.max)
    inside = rows >= low and (bounds.max is None or rows <= bounds.max)
    return _result(
        check,
        "pass" if inside else "fail",
        f"{rows} rows, expected {low}..{high}",
        rows,
        observed=rows,
    )


def _freshness(check: Check, newest: Any, now: dt.datetime, rows: int | None) -> CheckResult:
    fresh: Freshness = check.param
    if newest is None:
        return _result(check, "fail", "no values: the data has no newest timestamp", rows)
    newest = dt.datetime.fromtimestamp(float(newest), dt.UTC)
    age = (now - newest).total_seconds()
    status = "pass" if age <= fresh.max_age_seconds else "fail"
    # A clock behind the data's, or timestamps written ahead: fresh, but say so plainly.
    how_old = f"{age:.0f}s old" if age >= 0 else f"{-age:.0f}s in the future"
    message = f"newest {newest.isoformat()} is {how_old}, limit {fresh.max_age_seconds}s"
    return _result(check, status, message, rows, observed=newest.isoformat())


def _projection(views: dict[str, ColumnView], data: list[DataColumn]) -> str:
    # Contract columns with their contract type; others as stored (custom SQL may use them).
    return ", ".join(
        f"{views[c.name].typed or views[c.name].raw} AS {views[c.name].raw}"
        if c.name in views
        else quote_ident(c.name)
        for c in data
    )


def _custom(check: Check, source: Source, relation: str, rows: int | None) -> CheckResult:
    custom: CustomCheck = check.param
    sql = custom.sql.replace("{table}", relation)
    try:
        returned = source.query_custom(sql)
    except QueryError as exc:  # any engine error is this check's error
        return _result(check, "error", f"query failed: {_first_line(exc)}", rows)
    failed = custom_count(returned)
    if isinstance(failed, str):
        message = f"{COUNT_EXPECTED}; it returned {failed}"
        return _result(check, "error", message, rows)
    return _result(
        check,
        "pass" if failed == 0 else "fail",
        _count_of(failed, "failing row"),
        rows,
        failed_rows=failed,
    )


COUNT_EXPECTED = "custom SQL must return one non-negative integer (the number of failing rows)"


def custom_count(rows: list[tuple[Any, ...]]) -> int | str:
    """The count custom SQL returned (its one row's one column), or what it returned instead,
    described by kind and shape only ("a text value", "2 columns"), never by value."""
    if not rows:
        return "no row"
    if len(rows) > 1:
        return "more than one row"
    if len(rows[0]) != 1:
        return f"{len(rows[0])} columns"
    value = rows[0][0]
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | decimal.Decimal):
        number = decimal.Decimal(value)
        if not number.is_finite():
            return "a number that is not finite"
        if number != number.to_integral_value():
            return "a fractional number"
        if number < 0:
            return "a negative number"
        return int(number)
    return _kind(value)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "a text value"
    if isinstance(value, bytes | bytearray | memoryview):
        return "binary data"
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return "a date or time value"
    if isinstance(value, list | tuple):
        return "a list or row value"
    if isinstance(value, dict):
        return "a struct or map value"
    return f"a value of type {type(value).__name__}"


def _with_samples(
    result: CheckResult,
    scan: Compiled,
    contract: Contract,
    source: Source,
    limit: int,
    views: dict[str, ColumnView],
) -> CheckResult:
    pii = {c.name for c in contract.schema.columns if "pii" in (t.lower() for t in c.tags)}
    if scan.group_by:
        names = list(result.columns)
        keys = ", ".join(scan.group_by)
        sql = (
            f"SELECT {keys}, count(*) FROM {source.relation} WHERE {scan.predicate} "
            f"GROUP BY {keys} HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT {int(limit)}"
        )
        names.append("_rows")
    else:
        names = list(views)
        listed = ", ".join(_sample_column(views[n], source) for n in names)
        sql = f"SELECT {listed} FROM {source.relation} WHERE {scan.predicate} LIMIT {int(limit)}"
    try:
        rows = source.query(sql)
    except QueryError as exc:  # the count stands; only the samples are lost
        return _replace(result, message=f"{result.message}; samples failed: {_first_line(exc)}")
    samples = [
        {
            jsonable(n): REDACTED if n in pii and v is not None else jsonable(v)
            for n, v in zip(names, row, strict=True)
        }
        for row in rows
    ]
    return _replace(result, samples=samples)


def _sample_column(view: ColumnView, source: Source) -> str:
    # DuckDB needs pytz to hand TIMESTAMPTZ values to Python; text reads the same in JSON.
    if parse_stored(view.stored).family == "timestamptz":
        return source.dialect.as_text(view.raw)
    return view.raw


def _replace(result: CheckResult, **changes: Any) -> CheckResult:
    return dataclasses.replace(result, **changes)
