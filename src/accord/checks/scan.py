"""Compute the compiled checks' aggregates in as few passes over the data as possible.

- On a source with statistics (Parquet) a probe query first settles what they answer
  (NULL counts, bounds no row crosses, the newest timestamp, the row count).
- Unique keys stored in key order are proven distinct by walks beside the scan instead of
  hashed (`accord.checks.walk`); the checks on the key column ride along.
- On dictionary-encoded columns the checks run as a filter the engine tests once per
  distinct value (`_dictionary`).
- Everything else is one scan: ``SELECT count(*), <aggregate>, … FROM t``. If it fails (a
  value the engine cannot compare), each aggregate is retried alone, so one bad check
  becomes one ``error`` result instead of sinking the run (ADR 0020).
"""

from __future__ import annotations

from typing import Any

from accord.checks import walk
from accord.checks.compile import Compiled
from accord.checks.errors import QueryError
from accord.checks.plan import VALUE_KINDS, Check
from accord.checks.sources.base import Source
from accord.checks.walk import (
    Walk,
    outcome,
    partition_walk,
    prefix_proof,
    proves_order,
    read_outcome,
)

Values = dict[str, Any]


def scan(
    source: Source, scans: dict[str, Compiled], checks: dict[str, Check]
) -> tuple[int | None, Values, dict[str, str]]:
    """The row count, each compiled check's value (keyed by check id) and the checks the
    engine failed (with its message). ``checks`` are the planned checks by id."""
    rows, values = _probe(source, scans) if source.statistics else (None, {})
    remaining = {i: c for i, c in scans.items() if i not in values}
    walks = _walks(source, remaining, checks, rows, values) if source.ordered else []
    parts = source.partitions() if walks else []
    steps = [partition_walk(w, i, len(parts), part) for w in walks for i, part in enumerate(parts)]
    pending = source.start(steps) if steps else None
    walked = {i for w in walks for i in (w.check_id, *w.riders)}
    rest = {i: c for i, c in remaining.items() if i not in walked and i not in values}
    if source.statistics:
        values.update(_dictionary(source, rest, checks))
        rest = {i: c for i, c in rest.items() if i not in values}
    failures: dict[str, str] = {}
    if rest or rows is None:
        scanned_rows, scanned, failures = _full_scan(source, rest)
        rows = scanned_rows if rows is None else rows
        values.update(scanned)
    left = _walked(source, walks, pending.results() if pending else [], len(parts), values)
    if left:
        _, hashed, more = _full_scan(source, {i: remaining[i] for i in left})
        values.update(hashed)
        failures.update(more)
    return rows, values, failures


def _walks(
    source: Source,
    remaining: dict[str, Compiled],
    checks: dict[str, Check],
    rows: int | None,
    values: Values,
) -> list[Walk]:
    """The unique checks whose keys start in key order, to walk beside the scan (with the
    checks on their key column riding along); data no larger than the prefix walked here is
    settled at once (into ``values``), and keys not in order are left to the scan's hash."""
    walks: list[Walk] = []
    taken: set[str] = set()
    for check_id, compiled in remaining.items():
        if compiled.key is None or compiled.predicate is None:
            continue
        try:
            ordered = proves_order(
                source.query(
                    prefix_proof(compiled.key, compiled.predicate, source.head(walk.PREFIX_ROWS))
                )
            )
        except QueryError:  # the scan hashes the keys
            continue
        if ordered and rows is not None and rows <= walk.PREFIX_ROWS:
            values[check_id] = 0  # the prefix was every key
        elif ordered:
            # Value checks name one column, so only a one-column key takes riders (on a
            # composite key they would miss the rows where another key column is NULL).
            columns = checks[check_id].columns
            riders = {
                i: c.predicate
                for i, c in remaining.items()
                if checks[i].kind in VALUE_KINDS
                and checks[i].columns == columns
                and c.predicate is not None
                and i not in taken
            }
            taken.update(riders)
            walks.append(Walk(check_id, len(walks), compiled.key, compiled.predicate, riders))
    return walks


def _walked(
    source: Source,
    walks: list[Walk],
    results: list[list[tuple[Any, ...]] | None],
    parts: int,
    values: Values,
) -> list[str]:
    """Record what the partition walks proved and counted (into ``values``); returns the
    checks still to count: unproven keys, and the riders of a walk the engine failed."""
    left: list[str] = []
    for n, w in enumerate(walks):
        row = None
        if all(r is not None for r in results[n * parts : (n + 1) * parts]):
            try:
                row = source.query(outcome(w, parts))[0]
            except QueryError:
                row = None
        if row is None:
            left += [w.check_id, *w.riders]
            continue
        proven, counts = read_outcome(w, row)
        values.update(counts)
        if proven:
            values[w.check_id] = 0
        else:
            left.append(w.check_id)
    return left


def _dictionary(source: Source, rest: dict[str, Compiled], checks: dict[str, Check]) -> Values:
    """The failing-row counts of the value checks on dictionary-encoded columns, a query
    per column whose WHERE clause is the checks' predicates: the engine pushes it into the
    reader, which tests each distinct value once and skips what no value fails."""
    stored = source.dictionary_columns()
    by_column: dict[str, list[str]] = {}
    for check_id, compiled in rest.items():
        check = checks[check_id]
        if check.kind in VALUE_KINDS and check.columns[0] in stored and compiled.predicate:
            by_column.setdefault(check.columns[0], []).append(check_id)
    values: Values = {}
    for ids in by_column.values():
        counts = ", ".join(rest[i].aggregate for i in ids)
        failing = " OR ".join(f"({rest[i].predicate})" for i in ids)
        try:
            row = source.query(f"SELECT {counts} FROM {source.relation} WHERE {failing}")[0]
        except QueryError:  # the scan counts (and isolates) them
            continue
        values.update(zip(ids, row, strict=True))
    return values


def _probe(source: Source, scans: dict[str, Compiled]) -> tuple[int | None, Values]:
    """What the source's statistics settle without reading rows: the row count, exact
    values (null counts, newest timestamp) and bounds no row crosses (0 failing rows)."""
    probes = {i: c.probe for i, c in scans.items() if c.probe is not None}
    try:
        row = source.query(
            f"SELECT {', '.join(['count(*)', *probes.values()])} FROM {source.relation}"
        )[0]
    except QueryError:  # the full scan evaluates (and isolates) everything
        return None, {}
    values: Values = {}
    for key, value in zip(probes, row[1:], strict=True):
        if scans[key].probe_exact:
            values[key] = value
        elif value is False:
            values[key] = 0
    return int(row[0]), values


def _full_scan(
    source: Source, scans: dict[str, Compiled]
) -> tuple[int | None, Values, dict[str, str]]:
    ids = list(scans)
    select = ", ".join(["count(*)", *(scans[i].aggregate for i in ids)])
    try:
        row = source.query(f"SELECT {select} FROM {source.relation}")[0]
        return int(row[0]), dict(zip(ids, row[1:], strict=True)), {}
    except QueryError:  # isolate the failing aggregate below
        pass
    failures: dict[str, str] = {}
    values: Values = {}
    rows: int | None = None
    for key, aggregate in [("__rows", "count(*)"), *((i, scans[i].aggregate) for i in ids)]:
        try:
            values[key] = source.query(f"SELECT {aggregate} FROM {source.relation}")[0][0]
        except QueryError as exc:  # reported as this check's error
            failures[key] = str(exc)
    if "__rows" in values:
        rows = int(values["__rows"])
    return rows, values, failures
