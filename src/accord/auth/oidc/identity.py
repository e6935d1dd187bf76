"""A verified token's claims as a `Principal`: the workspace, team and scopes its groups
grant (``roles.py``), and the person, remembered as a user of that workspace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.auth.oidc.roles import Grant, grant, groups_of
from accord.auth.principal import Principal
from accord.config import Settings
from accord.exceptions import PermissionDeniedError
from accord.team import service as team_service
from accord.user import service as user_service
from accord.user.service import Identity
from accord.workspace import service as workspace_service


class NoRoleError(PermissionDeniedError):
    code = "no_role"
    title = "No access"


@dataclass(frozen=True, slots=True)
class Resolved:
    principal: Principal
    grant: Grant


def identity_of(claims: Mapping[str, Any]) -> Identity:
    def text(name: str, limit: int) -> str | None:
        value = claims.get(name)
        return value[:limit] if isinstance(value, str) and value else None

    return Identity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"])[:255],
        name=text("name", 200) or text("preferred_username", 200),
        email=text("email", 320),
    )


def grant_of(claims: Mapping[str, Any], settings: Settings) -> Grant:
    groups = groups_of(claims, settings.oidc_groups_claim)
    found = grant(groups, settings.oidc_roles)
    if found is None:
        held = ", ".join(sorted(groups)[:20]) or "none"
        raise NoRoleError(
            f"your account is known to the identity provider, but none of its groups "
            f"({held}) is given a role in Accord (ACCORD_OIDC_ROLES)"
        )
    return found


async def resolve(
    session: AsyncSession, claims: Mapping[str, Any], settings: Settings, now: datetime
) -> Resolved:
    """The principal the claims grant; `NoRoleError` (403) when they grant nothing here,
    or name a workspace or team that does not exist (a configuration mistake, said so)."""
    found = grant_of(claims, settings)
    workspace = await workspace_service.find(session, found.workspace)
    if workspace is None:
        raise NoRoleError(
            f"the role for group {found.group!r} names workspace {found.workspace!r}, "
            "which does not exist"
        )
    team_id = None
    if found.team is not None:
        team = await team_service.find_by_name(session, workspace.id, found.team)
        if team is None:
            raise NoRoleError(
                f"the role for group {found.group!r} names team {found.team!r}, "
                f"which does not exist in workspace {found.workspace!r}"
            )
        team_id = team.id
    user = await user_service.remember(session, workspace.id, identity_of(claims), now)
    return Resolved(Principal(workspace.id, None, team_id, found.scopes, user=user), found)
