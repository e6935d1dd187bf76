"""Scheduled work run by the worker under a lease (one worker per period)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from accord.config import Settings
from accord.idempotency import service as idempotency_service
from accord.imports import jobs as import_jobs
from accord.kit.clock import utcnow
from accord.proposal import service as proposal_service
from accord.web_session import service as web_session_service
from accord.worker.repository import WorkerRepository
from accord.worker.runner import Task

log = structlog.get_logger("accord.worker")

PURGE_BATCH = 10_000  # rows per table per run: one run never holds the write lock long


async def expire_proposals(session: AsyncSession) -> int:
    """Open proposals past their deadline become `expired` (audited, notified)."""
    return await proposal_service.expire_due(session, utcnow())


async def purge_idempotency_records(session: AsyncSession) -> int:
    """Stored idempotent responses are kept for a day."""
    return await idempotency_service.purge_before(session, utcnow() - timedelta(days=1))


async def purge_web_sessions(session: AsyncSession) -> int:
    """Web UI sessions are forgotten a day after they ended or expired."""
    return await web_session_service.purge(session, utcnow(), timedelta(days=1))


def purge_retained(retention_days: float) -> Task:
    """Delivered deliveries (and their attempts), events left without deliveries, and
    ended import jobs, older than the retention. Dead letters, and the events they belong
    to, stay until replayed; the audit log is never purged."""

    async def purge(session: AsyncSession) -> int:
        before = utcnow() - timedelta(days=retention_days)
        repo = WorkerRepository(session)
        deliveries = await repo.purge_delivered(before, PURGE_BATCH)
        events = await repo.purge_events(before, PURGE_BATCH)
        imports = await import_jobs.purge_ended(session, before, PURGE_BATCH)
        if deliveries or events or imports:
            log.info("retention_purged", deliveries=deliveries, events=events, imports=imports)
        return deliveries + events + imports

    return purge


def default_tasks(settings: Settings) -> dict[str, tuple[float, Task]]:
    every = settings.maintenance_interval_s
    return {
        "expire_proposals": (every, expire_proposals),
        "purge_idempotency_records": (every * 10, purge_idempotency_records),
        "purge_retained": (every * 10, purge_retained(settings.retention_days)),
        "purge_web_sessions": (every * 10, purge_web_sessions),
    }
