"""Authentication as FastAPI dependencies; endpoints declare what they need by type:

    principal: ReadPrincipal | WritePrincipal | AdminPrincipal

An endpoint without one of these is public on purpose (health probes only).

A refused key (malformed, unknown, revoked, expired, or minted by a key that is) gets one
uniform 401, `invalid_api_key`. The reason goes to a warning log line and, for a known
key, to an `api_key.rejected` audit event written in a short transaction of its own,
at most once per key per minute per process (`RejectionThrottle`).
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy.exc import SQLAlchemyError

from accord.api_key import service as api_key_service
from accord.api_key.rejection import KeyRejectedError, RejectionThrottle, invalid_api_key
from accord.auth.gate import bearer_credential, lookup, remembered
from accord.auth.principal import Principal, Scope
from accord.db import session_scope
from accord.exceptions import AccordError, PermissionDeniedError, UnauthenticatedError
from accord.kit.clock import utcnow
from accord.state import AppState
from accord.workspace import service as workspace_service

log = structlog.get_logger("accord.auth")

# Per process, like the usage tracker: a flood of one dead key costs one audit write a
# minute here, whatever the number of requests.
_rejections = RejectionThrottle()


class _Caller(HTTPBearer):
    """The caller with a scope, as one dependency: FastAPI declares the bearer scheme in
    openapi.json on every operation that uses it (it is an `HTTPBearer`), so generated
    clients send the key, while the header itself is read by `authenticate` (one uniform
    401 for bad keys). One dependency rather than a chain of four: each level of FastAPI's
    dependency solving costs tens of microseconds on every request (issue 21)."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(
            scheme_name="bearerAuth",
            bearerFormat="acd_…",
            description="An Accord API key (`Authorization: Bearer acd_…`), or, where the "
            "workspace signs in with OpenID Connect, an access token (a JWT) from its "
            "provider.",
            auto_error=False,
        )
        self.scope = scope

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        principal = await authenticate(request, request.app.state.accord)
        if not principal.has(self.scope):
            raise PermissionDeniedError(
                f"this operation needs the {self.scope.value} scope", code="missing_scope"
            )
        return principal


async def authenticate(request: Request, state: AppState) -> Principal:
    """The caller, from the credential cache or looked up in a short read transaction of
    its own: a route that needs no database (POST /compat/check) then holds no
    connection, and no write lock, while it works; one that does opens its own
    (SessionDep)."""
    found = remembered(request.scope)
    if found is None:  # no body, so the gate did not run: look the key up here
        found = await _from_header(request.headers.get("authorization"), state)
    if isinstance(found, KeyRejectedError):
        await _report(found, state)
        raise invalid_api_key() from None
    if isinstance(found, AccordError):  # a bearer token refused (auth.gate)
        raise found
    if found.key_id is not None:
        state.usage.touch(found.key_id, utcnow())
    return found


async def _from_header(header: str | None, state: AppState) -> Principal | KeyRejectedError:
    if header is None:
        if state.settings.dev_auth_bypass:
            async with session_scope(state.sessionmaker) as session:
                workspace, _ = await workspace_service.get_or_create(session, "default")
            return Principal(workspace.id, None, None, frozenset(Scope))
        raise UnauthenticatedError(
            "send an API key as 'Authorization: Bearer <key>'", code="missing_credentials"
        )
    credential = bearer_credential(header)
    if credential is None:
        raise UnauthenticatedError(
            "the Authorization header must be 'Bearer <key>'", code="invalid_authorization"
        )
    try:
        return await lookup(state, credential)
    except KeyRejectedError as rejection:
        return rejection


async def _report(rejection: KeyRejectedError, state: AppState) -> None:
    log.warning(
        "api_key_rejected",
        reason=rejection.reason.value,
        key_id=str(rejection.key_id) if rejection.key_id else None,
        key_prefix=rejection.prefix,
        workspace_id=str(rejection.workspace_id) if rejection.workspace_id else None,
        ancestor_id=str(rejection.ancestor_id) if rejection.ancestor_id else None,
    )
    if rejection.key_id is None or not _rejections.allow(rejection.key_id):
        return
    # The lookup's read transaction has ended: the audit write queues behind no lock of ours.
    try:
        async with session_scope(state.sessionmaker) as audit_session:
            await api_key_service.record_rejection(audit_session, rejection)
    except SQLAlchemyError:
        # The caller gets its 401 either way; a lost audit line must not become a 500.
        log.exception("api_key_rejection_not_audited", key_id=str(rejection.key_id))


def require(scope: Scope) -> _Caller:
    """The dependency that gives the caller and refuses one without ``scope`` (403)."""
    return _Caller(scope)


ReadPrincipal = Annotated[Principal, Depends(require(Scope.read))]
WritePrincipal = Annotated[Principal, Depends(require(Scope.write))]
AdminPrincipal = Annotated[Principal, Depends(require(Scope.admin))]
