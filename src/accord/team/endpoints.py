"""HTTP: /api/v1/teams."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from accord.auth.dependencies import AdminPrincipal, ReadPrincipal, WritePrincipal
from accord.deps import SessionDep
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    next_id_cursor,
    uuid_after,
)
from accord.problems import STANDARD_ERRORS
from accord.team import flows, service
from accord.team.schemas import Team, TeamCreate, TeamUpdate

router = APIRouter(prefix="/api/v1/teams", tags=["teams"], responses=STANDARD_ERRORS)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_team(body: TeamCreate, principal: AdminPrincipal, session: SessionDep) -> Team:
    """Create a team (admin). Names are unique among the workspace's live teams."""
    return Team.model_validate(await service.create(session, principal, body))


@router.get("")
async def list_teams(
    principal: ReadPrincipal,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[Team]:
    """List the workspace's live teams, oldest first."""
    rows = await service.list_teams(
        session, principal, after_id=uuid_after(cursor), limit=limit + 1
    )
    return Page[Team](
        items=[Team.model_validate(t) for t in rows[:limit]],
        next_cursor=next_id_cursor(rows, limit),
    )


@router.get("/{team_id}")
async def get_team(team_id: uuid.UUID, principal: ReadPrincipal, session: SessionDep) -> Team:
    """Get one team."""
    return Team.model_validate(await service.get(session, principal, team_id))


@router.patch("/{team_id}")
async def update_team(
    team_id: uuid.UUID, body: TeamUpdate, principal: WritePrincipal, session: SessionDep
) -> Team:
    """Edit a team: the description by the team itself or an admin; the name by an admin."""
    return Team.model_validate(await service.update(session, principal, team_id, body))


@router.delete("/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_team(
    team_id: uuid.UUID, principal: AdminPrincipal, session: SessionDep
) -> Response:
    """Soft-delete a team (admin). In the same transaction its API keys are revoked, its
    registrations end, and its answers on open proposals stop counting: each proposal
    is re-evaluated (a block by the team no longer holds; if its answer was the last
    one outstanding, the proposal is approved). An admin may later answer for it."""
    await flows.delete(session, principal, team_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
