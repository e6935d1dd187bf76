"""HTTP: /api/v1/registrations."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from accord.auth.dependencies import ReadPrincipal, WritePrincipal
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
from accord.registration import service
from accord.registration.schemas import Registration, RegistrationCreate

router = APIRouter(
    prefix="/api/v1/registrations", tags=["registrations"], responses=STANDARD_ERRORS
)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_registration(
    body: RegistrationCreate, principal: WritePrincipal, session: SessionDep
) -> Registration:
    """Register a consumer team on an asset (not a version: it survives compatible
    publishes). A team registers only itself unless admin; a duplicate is 409."""
    return Registration.model_validate(await service.create(session, principal, body))


@router.get("")
async def list_registrations(
    principal: ReadPrincipal,
    session: SessionDep,
    asset_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[Registration]:
    """List live registrations, filtered by asset and/or team."""
    rows = await service.list_registrations(
        session,
        principal,
        asset_id=asset_id,
        team_id=team_id,
        after_id=uuid_after(cursor),
        limit=limit + 1,
    )
    return Page[Registration](
        items=[Registration.model_validate(r) for r in rows[:limit]],
        next_cursor=next_id_cursor(rows, limit),
    )


@router.delete("/{registration_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_registration(
    registration_id: uuid.UUID, principal: WritePrincipal, session: SessionDep
) -> Response:
    """Remove a registration (the registered team or an admin)."""
    await service.delete(session, principal, registration_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
