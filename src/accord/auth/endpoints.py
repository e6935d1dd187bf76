"""HTTP: /api/v1/me."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from accord.auth.dependencies import ReadPrincipal
from accord.auth.principal import Scope
from accord.problems import STANDARD_ERRORS

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=STANDARD_ERRORS)


class Me(BaseModel):
    workspace_id: uuid.UUID
    key_id: uuid.UUID | None
    team_id: uuid.UUID | None = Field(description="null for a workspace-admin key.")
    scopes: list[Scope] = Field(description="Effective scopes (admin implies write and read).")
    is_admin: bool


@router.get("/me")
async def get_me(principal: ReadPrincipal) -> Me:
    """Who the presented key is: workspace, team and effective scopes."""
    return Me(
        workspace_id=principal.workspace_id,
        key_id=principal.key_id,
        team_id=principal.team_id,
        scopes=sorted(principal.scopes, key=lambda s: s.value),
        is_admin=principal.is_admin,
    )
