"""Team rules: admins manage teams; a team's own write key may edit its description."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.api_key import service as api_key_service
from accord.audit import service as audit
from accord.auth.principal import Principal
from accord.exceptions import ConflictError, NotFoundError, PermissionDeniedError
from accord.kit.clock import utcnow
from accord.models import Team
from accord.team.repository import TeamRepository
from accord.team.schemas import Team as TeamOut
from accord.team.schemas import TeamCreate, TeamUpdate


def _snapshot(team: Team) -> dict[str, Any]:
    return TeamOut.model_validate(team).model_dump(mode="json")


async def get(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> Team:
    team = await TeamRepository(session).get(principal.workspace_id, team_id)
    if team is None:
        raise NotFoundError.of("team", team_id)
    return team


async def find_by_name(session: AsyncSession, workspace_id: uuid.UUID, name: str) -> Team | None:
    """The live team of that name (what an OIDC role names), or None."""
    return await TeamRepository(session).get_by_name(workspace_id, name)


async def exists(session: AsyncSession, workspace_id: uuid.UUID, team_id: uuid.UUID) -> bool:
    return await TeamRepository(session).get(workspace_id, team_id) is not None


async def hold_live(session: AsyncSession, workspace_id: uuid.UUID, team_id: uuid.UUID) -> bool:
    """Is the team live? If so it stays live until the caller's transaction ends (a
    concurrent deletion waits for it, or it waits for that deletion and sees its end)."""
    return await TeamRepository(session).lock(workspace_id, team_id, shared=True) is not None


async def list_teams(
    session: AsyncSession, principal: Principal, *, after_id: uuid.UUID | None, limit: int
) -> Sequence[Team]:
    return await TeamRepository(session).list(
        principal.workspace_id, after_id=after_id, limit=limit
    )


async def _ensure_name_free(
    repo: TeamRepository, workspace_id: uuid.UUID, name: str, own_id: uuid.UUID | None = None
) -> None:
    existing = await repo.get_by_name(workspace_id, name)
    if existing is not None and existing.id != own_id:
        raise ConflictError(f"a team named {name!r} already exists", code="team_name_taken")


async def create(session: AsyncSession, principal: Principal, data: TeamCreate) -> Team:
    if not principal.is_admin:
        raise PermissionDeniedError("creating teams needs the admin scope")
    repo = TeamRepository(session)
    await _ensure_name_free(repo, principal.workspace_id, data.name)
    team = await repo.add(
        Team(workspace_id=principal.workspace_id, name=data.name, description=data.description)
    )
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="team.created",
        entity_type="team",
        entity_id=team.id,
        after=_snapshot(team),
    )
    return team


async def update(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, data: TeamUpdate
) -> Team:
    team = await get(session, principal, team_id)
    if not principal.acts_for(team.id):
        raise PermissionDeniedError("only an admin or the team itself may edit a team")
    if data.name is not None and data.name != team.name and not principal.is_admin:
        raise PermissionDeniedError("renaming a team needs the admin scope")
    before = _snapshot(team)
    repo = TeamRepository(session)
    if data.name is not None:
        await _ensure_name_free(repo, principal.workspace_id, data.name, team.id)
        team.name = data.name
    if data.description is not None:
        team.description = data.description
    await repo.flush()
    after = _snapshot(team)
    if after != before:
        await audit.record(
            session,
            workspace_id=principal.workspace_id,
            actor=principal.actor,
            action="team.updated",
            entity_type="team",
            entity_id=team.id,
            before=before,
            after=after,
        )
    return team


async def lock_for_deletion(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID
) -> Team:
    """The live team, locked, for an admin about to delete it (`team.flows.delete`)."""
    if not principal.is_admin:
        raise PermissionDeniedError("deleting teams needs the admin scope")
    team = await TeamRepository(session).lock(principal.workspace_id, team_id)
    if team is None:
        raise NotFoundError.of("team", team_id)
    return team


async def delete(
    session: AsyncSession, principal: Principal, team: Team, *, details: dict[str, Any]
) -> None:
    """Soft delete (the caller holds the lock and ended what the team took part in:
    `team.flows.delete`): the row stays for history; the team's keys stop working at once."""
    before = _snapshot(team)
    team.deleted_at = utcnow()
    await TeamRepository(session).flush()
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="team.deleted",
        entity_type="team",
        entity_id=team.id,
        before=before,
        after=details,
    )
    await api_key_service.revoke_all_for_team(session, principal, team.id)
