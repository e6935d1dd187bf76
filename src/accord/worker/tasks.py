"""Scheduled work run by the worker under a lease (one worker per period)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from accord.config import Settings
from accord.idempotency import service as idempotency_service
from accord.kit.clock import utcnow
from accord.proposal import service as proposal_service
from accord.worker.runner import Task


async def expire_proposals(session: AsyncSession) -> int:
    """Open proposals past their deadline become `expired` (audited, notified)."""
    return await proposal_service.expire_due(session, utcnow())


async def purge_idempotency_records(session: AsyncSession) -> int:
    """Stored idempotent responses are kept for a day."""
    return await idempotency_service.purge_before(session, utcnow() - timedelta(days=1))


def default_tasks(settings: Settings) -> dict[str, tuple[float, Task]]:
    every = settings.maintenance_interval_s
    return {
        "expire_proposals": (every, expire_proposals),
        "purge_idempotency_records": (every * 10, purge_idempotency_records),
    }
