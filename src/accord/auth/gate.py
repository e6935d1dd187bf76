"""Who is calling, from the headers alone, before the body is read (issue 14, hole 7).

The body middleware asks this before deciding how much body a request may send. It never
raises: a missing or rejected credential is None (the route's dependency then answers
with the proper 401, logging and auditing the rejection once). The lookup is one short
read transaction of its own, ahead of the request's; the principal it finds is handed to
the request (`auth.dependencies`), so the key is not looked up twice.
"""

from __future__ import annotations

from starlette.types import Scope

from accord.api_key import service as api_key_service
from accord.auth.principal import Principal
from accord.db import session_scope
from accord.exceptions import AccordError
from accord.kit.clock import utcnow
from accord.state import AppState

_STATE_KEY = "accord.principal"


def resolved_principal(scope: Scope) -> Principal | None:
    """The principal `principal_from_headers` found for this request, if it ran."""
    found = scope.get("state", {}).get(_STATE_KEY)
    return found if isinstance(found, Principal) else None


async def principal_from_headers(scope: Scope) -> Principal | None:
    """Resolve and remember the caller (None without a valid key)."""
    principal = await _lookup(scope)
    scope.setdefault("state", {})[_STATE_KEY] = principal
    return principal


async def _lookup(scope: Scope) -> Principal | None:
    header = None
    for key, value in scope.get("headers", ()):
        if key == b"authorization":
            header = bytes(value).decode("latin-1")
            break
    if header is None:
        return None
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    state: AppState = scope["app"].state.accord
    try:
        async with session_scope(state.sessionmaker, write=False) as session:
            return await api_key_service.authenticate(
                session, state.pepper, credential.strip(), utcnow()
            )
    except AccordError:
        return None
