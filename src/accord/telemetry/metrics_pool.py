"""The database connection pool of each process: connections in use, requests waiting.

Each process has its own pool, so each writes its own gauges (``livesum``: a scrape of
any process sums the live ones; an ending process's are dropped by `process_exited`).
A sampler task reads the pool every `SAMPLE_S` seconds rather than hooking every
checkout: nothing is added to a request's path, and a value is at most a second old.

SQLAlchemy says how many connections are checked out, but not how many callers wait for
one; that is read from the pool's asyncio queue (its waiting ``get``s). If a SQLAlchemy
release changes that, `waiting` returns None and the gauge stays at its last value
(tests/telemetry/test_metrics_pool.py fails first).
"""

from __future__ import annotations

import asyncio
import contextlib

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, QueuePool
from sqlalchemy.util.queue import AsyncAdaptedQueue

SAMPLE_S = 1.0
ROLES = ("api", "worker")

IN_USE = Gauge(
    "accord_db_pool_connections_in_use",
    "Database connections checked out of the pool, by the kind of process (api, worker).",
    ["role"],
    multiprocess_mode="livesum",
)
WAITING = Gauge(
    "accord_db_pool_waiting_requests",
    "Callers waiting for a pooled database connection (the pool is exhausted).",
    ["role"],
    multiprocess_mode="livesum",
)
CAPACITY = Gauge(
    "accord_db_pool_max_connections",
    "Connections the pool may open (pool size + overflow), by the kind of process.",
    ["role"],
    multiprocess_mode="livesum",
)


def in_use(pool: Pool) -> int | None:
    return pool.checkedout() if isinstance(pool, QueuePool) else None


def capacity(pool: Pool) -> int | None:
    if not isinstance(pool, QueuePool):
        return None
    return pool.size() + max(0, int(getattr(pool, "_max_overflow", 0)))


def waiting(pool: Pool) -> int | None:
    """Callers blocked in the pool's queue; None when the pool does not say."""
    queue = getattr(pool, "_pool", None)
    if not isinstance(queue, AsyncAdaptedQueue):
        return None
    # The asyncio queue is made at first use (memoized in the instance dict): no queue yet,
    # nobody waiting, and reading the property would bind it to this event loop.
    inner = vars(queue).get("_queue")
    if inner is None:
        return 0
    getters = getattr(inner, "_getters", None)
    if getters is None:
        return None
    return sum(1 for future in getters if not future.done())


def sample(engine: AsyncEngine, role: str) -> None:
    pool = engine.sync_engine.pool
    for gauge, value in (
        (IN_USE, in_use(pool)),
        (WAITING, waiting(pool)),
        (CAPACITY, capacity(pool)),
    ):
        if value is not None:
            gauge.labels(role).set(value)


async def run_sampler(engine: AsyncEngine, role: str, every_s: float = SAMPLE_S) -> None:
    """Sample the pool until cancelled (never raises: a metric must not stop a process)."""
    while True:
        with contextlib.suppress(Exception):
            sample(engine, role)
        await asyncio.sleep(every_s)
