"""Gauges read from the database at scrape time: outbox backlog, dead letters, proposals.

They describe the database, not a process, so any process can answer them and none has
to write them anywhere. A scrape must not hammer the database nor wait on it: the values
are read at most once per `TTL_S` per process (one scrape at a time reads; the others
get the snapshot), each read is bounded by `TIMEOUT_S`, and a failed read keeps the last
snapshot for up to `STALE_S` before the gauges go absent. `accord_metrics_database_up`
says whether the last read worked and `accord_metrics_database_snapshot_age_seconds` how
old the values are, so a database outage shows as such, never as a hung or failed scrape.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

import structlog
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.db import session_scope
from accord.kit.clock import utcnow
from accord.proposal import service as proposal_service
from accord.worker.repository import WorkerRepository

log = structlog.get_logger("accord.metrics")

TTL_S = 5.0
TIMEOUT_S = 2.0
STALE_S = 60.0


@dataclass(frozen=True)
class Snapshot:
    pending: int
    in_flight: int
    dead: int
    oldest_due_age_s: float
    proposals: dict[str, int]
    taken_at: float  # time.monotonic()


async def read(session: AsyncSession) -> Snapshot:
    now = utcnow()
    backlog = await WorkerRepository(session).backlog(now)
    oldest = backlog.oldest_due_at
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Snapshot(
        pending=backlog.pending,
        in_flight=backlog.in_flight,
        dead=backlog.dead,
        oldest_due_age_s=age,
        proposals=await proposal_service.count_open_by_status(session),
        taken_at=time.monotonic(),
    )


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def families(snap: Snapshot) -> list[Metric]:
    backlog = GaugeMetricFamily(
        "accord_outbox_backlog_deliveries",
        "Webhook deliveries not yet delivered nor dead, by status (pending, in_flight).",
        labels=["status"],
    )
    backlog.add_metric(["pending"], snap.pending)
    backlog.add_metric(["in_flight"], snap.in_flight)
    proposals = GaugeMetricFamily(
        "accord_proposals_open",
        "Proposals still open (every workspace), by status: open, approved, blocked.",
        labels=["status"],
    )
    for status, count in snap.proposals.items():
        proposals.add_metric([status], count)
    return [
        backlog,
        _gauge(
            "accord_outbox_oldest_due_age_seconds",
            "How long the longest-waiting due delivery has been due (0: none is due).",
            snap.oldest_due_age_s,
        ),
        _gauge(
            "accord_webhook_dead_letters",
            "Deliveries given up on (dead letters), kept until replayed.",
            snap.dead,
        ),
        proposals,
    ]


class DatabaseGauges(Collector):
    """Serves the last snapshot; `refresh` (awaited by the scrape) renews it when due."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.snapshot: Snapshot | None = None
        self.ok = False
        self._tried_at: float | None = None  # a failed read is not retried before TTL_S
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        tried = self._tried_at
        return tried is not None and time.monotonic() - tried < TTL_S

    async def refresh(self) -> None:
        """Read anew if the snapshot is older than TTL_S; never raises, never waits more
        than TIMEOUT_S (plus the wait for a read already under way)."""
        if self.sessionmaker is None or self._fresh():
            return
        async with self._lock:
            if self._fresh():  # another scrape read it while this one waited
                return
            self._tried_at = time.monotonic()
            try:
                async with asyncio.timeout(TIMEOUT_S):
                    async with session_scope(self.sessionmaker, write=False) as session:
                        self.snapshot = await read(session)
                self.ok = True
            except Exception as exc:  # the scrape still answers, with what it has
                self.ok = False
                log.warning("metrics_database_read_failed", error=f"{type(exc).__name__}: {exc}")

    def collect(self) -> Iterable[Metric]:
        if self.sessionmaker is None:
            return []
        snap = self.snapshot
        age = None if snap is None else time.monotonic() - snap.taken_at
        out: list[Metric] = [
            _gauge(
                "accord_metrics_database_up",
                "1 if the last read of the database gauges worked, 0 if it failed.",
                1.0 if self.ok else 0.0,
            )
        ]
        if snap is None or age is None or age > STALE_S:
            return out  # nothing recent enough to show: absent rather than misleading
        out.append(
            _gauge(
                "accord_metrics_database_snapshot_age_seconds",
                "Age of the database gauges' values (stale while reads fail).",
                age,
            )
        )
        return out + families(snap)
