"""Unique keys proven distinct by their stored order instead of hashed (ADR 0020).

Hashing every key for ``count(DISTINCT key)`` is the dearest part of a scan. Keys are often
stored in key order (generated ids, time-ordered appends), and a strictly increasing sequence
repeats no value. On sources that read rows in stored order (Parquet) the runner therefore:

1. walks the keys of the first `PREFIX_ROWS` rows (`prefix_proof`): when they do not increase
   the data is not in key order, and the unique check is hashed in the scan as usual. This
   costs a few milliseconds, and on data no larger than the prefix it is the whole proof;
2. otherwise cuts the rows into partitions (`Source.partitions`: runs of whole row groups,
   or of whole files) and walks each on a connection and a thread of its own, beside the
   scan (`partition_walk`). A walk counts the steps that do not strictly increase with
   ``lag(k) OVER ()``, keeps its partition's smallest and largest key in a table, and counts
   the failing rows of the checks on the key column that ride along (pattern, length,
   accepted values, bounds), so that the key column is read once and not by the scan too;
3. reads the tables (`outcome`): no step back in any partition, and every partition's
   smallest key above the largest key of the partition before it, proves the keys distinct,
   whatever order each walk met its rows in. Anything else proves nothing and the unique
   check is hashed in a scan of its own; the riders' counts stand either way.

The riders' predicates are false for a NULL value (every `plan.VALUE_KINDS` check is), so
counting them over the rows whose key is present counts every failing row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.checks.sql import quote_ident

PREFIX_ROWS = 65_536
SCHEMA = "accord_walk"  # where the walks keep their bounds (sources that walk create it)


@dataclass(frozen=True)
class Walk:
    """One unique check's keys walked partition by partition.

    ``key`` is the key expression and ``present`` the predicate selecting rows whose key
    has no NULL; ``riders`` maps check ids to failing-row predicates counted on the way;
    ``number`` tells the walks of one run apart."""

    check_id: str
    number: int
    key: str
    present: str
    riders: dict[str, str]


def prefix_proof(key: str, present: str, head: str) -> str:
    """A query over the present keys of ``head`` (`Source.head` of `PREFIX_ROWS` rows), in
    stored order, that returns at most two rows: the walk's start (``true``) and its first
    step that does not strictly increase (``false``). `proves_order` reads it; on unordered
    data it stops at once."""
    keys = f"SELECT {key} AS k FROM {head} WHERE {present}"
    steps = f"SELECT k, lag(k) OVER () AS prev FROM ({keys}) AS keys"
    return (
        f"SELECT prev IS NULL FROM ({steps}) AS steps WHERE prev IS NULL OR NOT (k > prev) LIMIT 2"
    )


def proves_order(rows: list[tuple[object, ...]]) -> bool:
    """Whether `prefix_proof` found one start and no step back (no rows: no keys)."""
    return rows in ([], [(True,)])


def table(walk: Walk, part: int) -> str:
    """The table holding one partition's counts and bounds."""
    return f"{quote_ident(SCHEMA)}.{quote_ident(f'w{walk.number}_p{part}')}"


def partition_walk(walk: Walk, part: int, parts: int, relation: str) -> str:
    """The statement walking partition ``part`` of ``parts`` (``relation``) into `table`.

    Only neighbours' bounds are compared, so the first partition keeps no smallest key and
    the last no largest. The smallest is the walk's first key, the one without a ``prev``:
    that is the minimum only when the walk never steps back, the one case it is used in."""
    riders = [f"({predicate}) AS r{i}" for i, predicate in enumerate(walk.riders.values())]
    keyed = ", ".join([f"{walk.key} AS k", *riders])
    carried = "".join(f", r{i}" for i in range(len(riders)))
    lo = "min(k) FILTER (WHERE prev IS NULL)" if part > 0 else "NULL"
    hi = "max(k)" if part + 1 < parts else "NULL"
    counts = "".join(f", count(*) FILTER (WHERE r{i}) AS r{i}" for i in range(len(riders)))
    rows = f"SELECT {keyed} FROM {relation} WHERE {walk.present}"
    steps = f"SELECT k, lag(k) OVER () AS prev{carried} FROM ({rows}) AS keyed"
    return (
        f"CREATE OR REPLACE TABLE {table(walk, part)} AS SELECT count(*) AS n, "
        f"count(*) FILTER (WHERE NOT (k > prev)) AS back, {lo} AS lo, {hi} AS hi{counts} "
        f"FROM ({steps}) AS steps"
    )


def outcome(walk: Walk, parts: int) -> str:
    """A query over the partition tables returning whether the keys are proven distinct,
    then each rider's failing-row count, in the order of ``walk.riders``."""
    listed = " UNION ALL ".join(
        f"SELECT {part} AS part, * FROM {table(walk, part)}" for part in range(parts)
    )
    carried = "".join(f", r{i}" for i in range(len(walk.riders)))
    sums = "".join(f", coalesce(sum(r{i}), 0)" for i in range(len(walk.riders)))
    # Partitions without a present key are left out (riders are false on NULL, so they
    # count nothing either); each of the others must start above the one before it.
    bounded = (
        f"SELECT back, lo, lag(hi) OVER (ORDER BY part) AS before{carried} "
        f"FROM ({listed}) AS parts WHERE n > 0"
    )
    proven = "coalesce(bool_and(back = 0 AND (before IS NULL OR lo > before)), true)"
    return f"SELECT {proven}{sums} FROM ({bounded}) AS bounded"


def read_outcome(walk: Walk, row: tuple[Any, ...]) -> tuple[bool, dict[str, int]]:
    """The proof and the riders' counts from the row `outcome` returned."""
    counts = {check_id: int(n) for check_id, n in zip(walk.riders, row[1:], strict=True)}
    return row[0] is True, counts
