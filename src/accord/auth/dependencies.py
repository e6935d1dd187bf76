"""Authentication as FastAPI dependencies; endpoints declare what they need by type:

    principal: ReadPrincipal | WritePrincipal | AdminPrincipal

An endpoint without one of these is public on purpose (health probes only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from accord.api_key import service as api_key_service
from accord.auth.principal import Principal, Scope
from accord.deps import SessionDep, StateDep
from accord.exceptions import PermissionDeniedError, UnauthenticatedError
from accord.kit.clock import utcnow
from accord.workspace import service as workspace_service


async def authenticate(request: Request, session: SessionDep, state: StateDep) -> Principal:
    header = request.headers.get("authorization")
    if header is None:
        if state.settings.dev_auth_bypass:
            workspace, _ = await workspace_service.get_or_create(session, "default")
            return Principal(workspace.id, None, None, frozenset(Scope))
        raise UnauthenticatedError(
            "send an API key as 'Authorization: Bearer <key>'", code="missing_credentials"
        )
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise UnauthenticatedError(
            "the Authorization header must be 'Bearer <key>'", code="invalid_authorization"
        )
    now = utcnow()
    principal = await api_key_service.authenticate(session, state.pepper, credential.strip(), now)
    if principal.key_id is not None:
        state.usage.touch(principal.key_id, now)
    return principal


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    async def dependency(
        principal: Annotated[Principal, Depends(authenticate)],
    ) -> Principal:
        if not principal.has(scope):
            raise PermissionDeniedError(
                f"this operation needs the {scope.value} scope", code="missing_scope"
            )
        return principal

    return dependency


ReadPrincipal = Annotated[Principal, Depends(require(Scope.read))]
WritePrincipal = Annotated[Principal, Depends(require(Scope.write))]
AdminPrincipal = Annotated[Principal, Depends(require(Scope.admin))]
