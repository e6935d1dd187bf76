"""HTTP: /api/v1/workspace (the caller's own workspace)."""

from __future__ import annotations

from fastapi import APIRouter

from accord.auth.dependencies import AdminPrincipal, ReadPrincipal
from accord.deps import SessionDep
from accord.problems import STANDARD_ERRORS
from accord.workspace import service
from accord.workspace.schemas import Workspace, WorkspaceUpdate

router = APIRouter(prefix="/api/v1/workspace", tags=["workspace"], responses=STANDARD_ERRORS)


@router.get("")
async def get_workspace(principal: ReadPrincipal, session: SessionDep) -> Workspace:
    """The caller's workspace and its default compatibility policy."""
    return Workspace.model_validate(await service.get(session, principal.workspace_id))


@router.patch("")
async def update_workspace(
    body: WorkspaceUpdate, principal: AdminPrincipal, session: SessionDep
) -> Workspace:
    """Change the default policy new assets get (admin, audited). Team keys may create
    assets only as strict as this default or stricter."""
    return Workspace.model_validate(await service.update(session, principal, body))
