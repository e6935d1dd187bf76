"""Workspaces: created by the operator (bootstrap), never through the public API."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from accord.audit import service as audit
from accord.auth.principal import SYSTEM_ACTOR
from accord.exceptions import ValidationFailedError
from accord.models import Workspace
from accord.workspace.repository import WorkspaceRepository

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
