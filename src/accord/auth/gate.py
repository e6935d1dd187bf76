"""Who is calling, from the headers alone, before the body is read (issue 14, hole 7).

The body middleware asks this before deciding how much body a request may send. Without
a valid key the answer is None; it raises only `DatabaseTroubleError` (the database could
not be asked: 503). The outcome, a principal or the key's
rejection, is remembered on the request (`remembered`), so the route's dependency
(`auth.dependencies.authenticate`) neither looks the key up again nor misses logging and
auditing a rejection. The lookup is one short read transaction of its own (`lookup`, also
what the dependency uses for requests without a body).
"""

from __future__ import annotations

from starlette.types import Scope

from accord.api_key import service as api_key_service
from accord.api_key.rejection import KeyRejectedError
from accord.auth.principal import Principal
from accord.kit.clock import utcnow
from accord.state import AppState

_STATE_KEY = "accord.principal"


def bearer_credential(header: str) -> str | None:
    """The key of an `Authorization: Bearer <key>` header, or None for another shape."""
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    return credential.strip()


async def lookup(state: AppState, credential: str) -> Principal:
    """The key's principal, in a read transaction of its own (a key still stored under an
    older pepper is then moved to the issuing one: ADR 0035); `KeyRejectedError` if refused."""
    return await api_key_service.authenticate_in(
        state.sessionmaker, state.peppers, credential, utcnow()
    )


def remembered(scope: Scope) -> Principal | KeyRejectedError | None:
    """What `principal_from_headers` found for this request, if it ran and a key was sent."""
    found = scope.get("state", {}).get(_STATE_KEY)
    return found if isinstance(found, Principal | KeyRejectedError) else None


async def principal_from_headers(scope: Scope) -> Principal | None:
    """Resolve and remember the caller (None without a valid key)."""
    header = None
    for key, value in scope.get("headers", ()):
        if key == b"authorization":
            header = bytes(value).decode("latin-1")
            break
    credential = bearer_credential(header) if header is not None else None
    if credential is None:
        return None  # the dependency names the missing or malformed header
    state: AppState = scope["app"].state.accord
    outcome: Principal | KeyRejectedError
    try:
        outcome = await lookup(state, credential)
    except KeyRejectedError as rejection:
        outcome = rejection
    scope.setdefault("state", {})[_STATE_KEY] = outcome
    return outcome if isinstance(outcome, Principal) else None
