"""Deleting a team: it must stop blocking proposals (issue 15, item 6).

A deleted team can no longer answer, so nothing may go on waiting for it. In the
transaction that deletes it, its live registrations end and its answers on open
proposals are closed; each proposal is then re-evaluated as after any answer (a block
by the deleted team no longer holds; the last answer outstanding may approve it). Each
step is audited with the admin as actor and tells the asset owner through the outbox.
Lives here, not in `team.service`, because registration and proposal services import
the team service.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from accord.auth.principal import Principal
from accord.proposal import service as proposal_service
from accord.registration import service as registration_service
from accord.team import service as team_service


async def delete(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> None:
    # Lock order: the team, its open proposals, its registrations (the audit head comes
    # last, at commit). Proposals before registrations, as an admin deleting an asset
    # takes them, so the two never wait on each other in a cycle.
    team = await team_service.lock_for_deletion(session, principal, team_id)
    released = await proposal_service.release_team(
        session, principal.actor, team.workspace_id, team.id
    )
    regs = await registration_service.lock_live_for_team(session, team.workspace_id, team.id)
    for reg in regs:
        await registration_service.close_for_team_deletion(session, principal, reg)
    await team_service.delete(
        session,
        principal,
        team,
        details={
            "closed_registration_ids": [str(r.id) for r in regs],
            "released_proposal_ids": [str(p.id) for p in released],
        },
    )
