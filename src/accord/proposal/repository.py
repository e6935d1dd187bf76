"""All SQL for proposals and acknowledgments."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import OPEN_STATUSES, Acknowledgment, Proposal
from accord.proposal.schemas import TEAM_DELETED


class ProposalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, workspace_id: uuid.UUID, proposal_id: uuid.UUID) -> Proposal | None:
        stmt = select(Proposal).where(
            Proposal.workspace_id == workspace_id, Proposal.id == proposal_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def asset_of(self, workspace_id: uuid.UUID, proposal_id: uuid.UUID) -> uuid.UUID | None:
        """The proposal's asset id alone (no row loaded, so a later lock reads fresh)."""
        stmt = select(Proposal.asset_id).where(
            Proposal.workspace_id == workspace_id, Proposal.id == proposal_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def lock(self, workspace_id: uuid.UUID, proposal_id: uuid.UUID) -> Proposal | None:
        stmt = (
            select(Proposal)
            .where(Proposal.workspace_id == workspace_id, Proposal.id == proposal_id)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def open_for_asset(self, asset_id: uuid.UUID) -> Proposal | None:
        stmt = select(Proposal).where(
            Proposal.asset_id == asset_id, Proposal.status.in_(OPEN_STATUSES)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(
        self,
        workspace_id: uuid.UUID,
        *,
        asset_id: uuid.UUID | None,
        status: str | None,
        awaiting_team_id: uuid.UUID | None,
        after_id: uuid.UUID | None,
        limit: int,
        statuses: Sequence[str] | None = None,
        asset_ids: Sequence[uuid.UUID] | None = None,
        newest_first: bool = False,
    ) -> Sequence[Proposal]:
        """Oldest first from ``after_id``; ``newest_first``: newest first, older than it."""
        stmt = select(Proposal).where(Proposal.workspace_id == workspace_id)
        if asset_id is not None:
            stmt = stmt.where(Proposal.asset_id == asset_id)
        if status is not None:
            stmt = stmt.where(Proposal.status == status)
        if statuses is not None:
            stmt = stmt.where(Proposal.status.in_(statuses))
        if asset_ids is not None:
            stmt = stmt.where(Proposal.asset_id.in_(asset_ids))
        if awaiting_team_id is not None:
            # "Team to act": an open proposal where the team has not approved yet.
            stmt = stmt.where(
                Proposal.status.in_(OPEN_STATUSES),
                exists(
                    select(Acknowledgment.id).where(
                        Acknowledgment.proposal_id == Proposal.id,
                        Acknowledgment.team_id == awaiting_team_id,
                        (Acknowledgment.decision.is_(None))
                        | (Acknowledgment.decision.not_in(("approve", TEAM_DELETED))),
                    )
                ),
            )
        if newest_first:
            if after_id is not None:
                stmt = stmt.where(Proposal.id < after_id)
            stmt = stmt.order_by(Proposal.id.desc()).limit(limit)
        else:
            if after_id is not None:
                stmt = stmt.where(Proposal.id > after_id)
            stmt = stmt.order_by(Proposal.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def lock_open_awaiting(
        self, workspace_id: uuid.UUID, team_id: uuid.UUID
    ) -> Sequence[Proposal]:
        """Open proposals that still count the team's answer, locked, in id order."""
        stmt = (
            select(Proposal)
            .where(
                Proposal.workspace_id == workspace_id,
                Proposal.status.in_(OPEN_STATUSES),
                exists(
                    select(Acknowledgment.id).where(
                        Acknowledgment.proposal_id == Proposal.id,
                        Acknowledgment.team_id == team_id,
                        (Acknowledgment.decision.is_(None))
                        | (Acknowledgment.decision != TEAM_DELETED),
                    )
                ),
            )
            .order_by(Proposal.id)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def due_for_expiry(self, now: datetime, limit: int) -> Sequence[Proposal]:
        stmt = (
            select(Proposal)
            .where(Proposal.status.in_(OPEN_STATUSES), Proposal.expires_at <= now)
            .order_by(Proposal.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def acks(self, proposal_id: uuid.UUID) -> Sequence[Acknowledgment]:
        stmt = (
            select(Acknowledgment)
            .where(Acknowledgment.proposal_id == proposal_id)
            .order_by(Acknowledgment.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def acks_for(
        self, proposal_ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Sequence[Acknowledgment]]:
        """`acks` of many proposals in one query: each proposal's, in id order (a
        proposal without any maps to an empty list)."""
        found: dict[uuid.UUID, list[Acknowledgment]] = {pid: [] for pid in proposal_ids}
        if not found:
            return found
        stmt = (
            select(Acknowledgment)
            .where(Acknowledgment.proposal_id.in_(found))
            .order_by(Acknowledgment.proposal_id, Acknowledgment.id)
        )
        for ack in (await self.session.execute(stmt)).scalars():
            found[ack.proposal_id].append(ack)
        return found

    async def add(self, proposal: Proposal, acks: Sequence[Acknowledgment]) -> Proposal:
        self.session.add(proposal)
        await self.session.flush()
        for ack in acks:
            ack.proposal_id = proposal.id
            self.session.add(ack)
        await self.session.flush()
        return proposal

    async def flush(self) -> None:
        await self.session.flush()

    async def count_open_by_status(self) -> dict[str, int]:
        """Every workspace's still-open proposals, by status (open, approved, blocked)."""
        stmt = (
            select(Proposal.status, func.count())
            .where(Proposal.status.in_(OPEN_STATUSES))
            .group_by(Proposal.status)
        )
        found = dict((await self.session.execute(stmt)).all())
        return {status: int(found.get(status, 0)) for status in OPEN_STATUSES}
