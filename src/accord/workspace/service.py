"""Workspaces: created by the operator (bootstrap), never through the public API; an admin
reads and changes its default compatibility policy through `/api/v1/workspace`."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset.policy import Compatibility, ContentModel, is_looser, is_looser_content_model
from accord.audit import service as audit
from accord.auth.principal import SYSTEM_ACTOR, Principal
from accord.exceptions import NotFoundError, PermissionDeniedError, ValidationFailedError
from accord.models import Workspace
from accord.workspace.repository import WorkspaceRepository
from accord.workspace.schemas import Workspace as WorkspaceOut
from accord.workspace.schemas import WorkspaceUpdate

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


async def find(session: AsyncSession, name: str) -> Workspace | None:
    return await WorkspaceRepository(session).get_by_name(name)


async def get_or_create(session: AsyncSession, name: str) -> tuple[Workspace, bool]:
    if not NAME_PATTERN.fullmatch(name):
        raise ValidationFailedError(
            f"workspace name {name!r} must be 1-63 chars of a-z, 0-9, '_' or '-'",
            code="invalid_workspace_name",
        )
    repo = WorkspaceRepository(session)
    existing = await repo.get_by_name(name)
    if existing is not None:
        return existing, False
    workspace = await repo.add(Workspace(name=name))
    await audit.init_chain(session, workspace.id)
    await audit.record(
        session,
        workspace_id=workspace.id,
        actor=SYSTEM_ACTOR,
        action="workspace.created",
        entity_type="workspace",
        entity_id=workspace.id,
        after={"id": str(workspace.id), "name": workspace.name},
    )
    return workspace, True


async def get(session: AsyncSession, workspace_id: uuid.UUID) -> Workspace:
    workspace = await WorkspaceRepository(session).get(workspace_id)
    if workspace is None:  # a principal always names a live workspace
        raise NotFoundError.of("workspace", workspace_id)
    return workspace


def _snapshot(workspace: Workspace) -> dict[str, Any]:
    return WorkspaceOut.model_validate(workspace).model_dump(mode="json")


async def update(session: AsyncSession, principal: Principal, data: WorkspaceUpdate) -> Workspace:
    """Change the workspace's default policy (admin); loosening it is audited as such."""
    if not principal.is_admin:
        raise PermissionDeniedError("changing the workspace's defaults needs the admin scope")
    repo = WorkspaceRepository(session)
    workspace = await repo.lock(principal.workspace_id)
    if workspace is None:
        raise NotFoundError.of("workspace", principal.workspace_id)
    before = _snapshot(workspace)
    looser = False
    if data.default_compatibility is not None:
        looser |= is_looser(
            Compatibility(workspace.default_compatibility), data.default_compatibility
        )
        workspace.default_compatibility = data.default_compatibility.value
    if data.default_content_model is not None:
        looser |= is_looser_content_model(
            ContentModel(workspace.default_content_model), data.default_content_model
        )
        workspace.default_content_model = data.default_content_model.value
    await repo.flush()
    after = _snapshot(workspace)
    if after != before:
        await audit.record(
            session,
            workspace_id=workspace.id,
            actor=principal.actor,
            action="workspace.policy_loosened" if looser else "workspace.updated",
            entity_type="workspace",
            entity_id=workspace.id,
            before=before,
            after=after,
        )
    return workspace
