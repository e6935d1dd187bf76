"""All SQL of import jobs: leased claims, guarded progress, heartbeats.

Leases work as the worker's (`accord.worker.repository`): times come from PostgreSQL's
``now()`` when several processes share the database, from the process clock on SQLite
(one host). A job is free to take when it is queued or running and nobody holds it, or
its holder's lease expired (the holder died). Every write a holder makes carries its
token, so a process whose lease was taken over cannot record anything: its chunk rolls
back (`save` matches no row).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from accord.kit.dialects import on_postgresql
from accord.models import ImportJob

ACTIVE = ("queued", "running")


class ImportJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _clock(self, now: datetime) -> ColumnElement[datetime]:
        if on_postgresql(self.session):
            return func.now()
        return literal(now, ImportJob.lease_expires_at.type)

    def _expiry(self, now: datetime, lease: timedelta) -> ColumnElement[datetime] | datetime:
        return func.now() + lease if on_postgresql(self.session) else now + lease

    def _free(self, now: datetime) -> ColumnElement[bool]:
        return and_(
            ImportJob.status.in_(ACTIVE),
            or_(ImportJob.lease_token.is_(None), ImportJob.lease_expires_at < self._clock(now)),
        )

    def expiry(self, now: datetime, lease: timedelta) -> Any:
        """A lease's expiry, on the lease clock (a new job is inserted already held by
        the process that accepted it)."""
        return self._expiry(now, lease)

    async def add(self, job: ImportJob) -> ImportJob:
        self.session.add(job)
        await self.session.flush()
        return job

    async def get(self, workspace_id: uuid.UUID, job_id: uuid.UUID) -> ImportJob | None:
        stmt = select(ImportJob).where(
            ImportJob.workspace_id == workspace_id, ImportJob.id == job_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def held(
        self, job_id: uuid.UUID, token: str, *, with_manifest: bool = False
    ) -> ImportJob | None:
        """The job, if it is still active and this token holds it."""
        stmt = select(ImportJob).where(
            ImportJob.id == job_id,
            ImportJob.lease_token == token,
            ImportJob.status.in_(ACTIVE),
        )
        if with_manifest:
            stmt = stmt.options(undefer(ImportJob.manifest_gz))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def free(self, now: datetime, limit: int) -> list[uuid.UUID]:
        """Jobs nobody holds (queued and never taken, or their holder died): a read, so
        an idle process never takes SQLite's write lock."""
        stmt = (
            select(ImportJob.id).where(self._free(now)).order_by(ImportJob.created_at).limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def claim(self, job_id: uuid.UUID, token: str, now: datetime, lease: timedelta) -> bool:
        result = await self.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, self._free(now))
            .values(
                status="running",
                lease_token=token,
                lease_expires_at=self._expiry(now, lease),
                attempts=ImportJob.attempts + 1,
                started_at=func.coalesce(ImportJob.started_at, now),
                updated_at=now,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def start(self, job_id: uuid.UUID, token: str, now: datetime, lease: timedelta) -> bool:
        """The acceptor begins its own job: queued -> running."""
        result = await self.session.execute(
            update(ImportJob)
            .where(
                ImportJob.id == job_id,
                ImportJob.lease_token == token,
                ImportJob.status.in_(ACTIVE),
            )
            .values(
                status="running",
                lease_expires_at=self._expiry(now, lease),
                attempts=ImportJob.attempts + 1,
                started_at=func.coalesce(ImportJob.started_at, now),
                updated_at=now,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def save(self, job_id: uuid.UUID, token: str, chunk: int, values: dict[str, Any]) -> bool:
        """Record a chunk's outcome, only if this token still holds the job and the job
        is still at that chunk (never twice, never over another holder's work)."""
        result = await self.session.execute(
            update(ImportJob)
            .where(
                ImportJob.id == job_id,
                ImportJob.lease_token == token,
                ImportJob.status.in_(ACTIVE),
                ImportJob.next_chunk == chunk,
            )
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))

    async def extend(self, tokens: Collection[str], now: datetime, lease: timedelta) -> int:
        """Push the lease of every job these tokens hold to now + lease (heartbeat)."""
        if not tokens:
            return 0
        result = await self.session.execute(
            update(ImportJob)
            .where(ImportJob.lease_token.in_(list(tokens)), ImportJob.status.in_(ACTIVE))
            .values(lease_expires_at=self._expiry(now, lease))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def release(self, tokens: Collection[str]) -> int:
        """Hand jobs back at shutdown, so another process resumes them at once; the
        interrupted claim does not count as an attempt."""
        if not tokens:
            return 0
        result = await self.session.execute(
            update(ImportJob)
            .where(ImportJob.lease_token.in_(list(tokens)), ImportJob.status.in_(ACTIVE))
            .values(
                lease_token=None,
                lease_expires_at=None,
                attempts=func.max(ImportJob.attempts - 1, 0)
                if not on_postgresql(self.session)
                else func.greatest(ImportJob.attempts - 1, 0),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_ended(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` jobs that ended before ``before``."""
        ids = list(
            (
                await self.session.execute(
                    select(ImportJob.id)
                    .where(
                        ImportJob.status.in_(("succeeded", "failed")),
                        ImportJob.finished_at < before,
                    )
                    .limit(limit)
                )
            ).scalars()
        )
        if ids:
            await self.session.execute(delete(ImportJob).where(ImportJob.id.in_(ids)))
        return len(ids)
