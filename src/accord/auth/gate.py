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

from datetime import UTC, datetime

from starlette.types import Scope

from accord.api_key import service as api_key_service
from accord.api_key.rejection import KeyRejectedError
from accord.auth.cache import generation
from accord.auth.oidc import identity
from accord.auth.oidc.keys import ProviderUnavailableError
from accord.auth.oidc.tokens import TokenRejectedError, looks_like_jwt
from accord.auth.principal import Principal
from accord.db import session_scope
from accord.exceptions import (
    AccordError,
    DatabaseTroubleError,
    ServiceUnavailableError,
    UnauthenticatedError,
)
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
    """The caller's principal: from the credential cache when it was verified a moment
    ago (auth/cache.py: the bound on revocation), otherwise an API key's, in a read
    transaction of its own (a key still stored under an older pepper is then moved to
    the issuing one: ADR 0035; `KeyRejectedError` if refused), or, with OIDC configured,
    a JWT from the provider's (`UnauthenticatedError` ``invalid_token``, `NoRoleError`
    403, or 503 when the provider's keys cannot be fetched). Refusals are not cached."""
    cache = state.credentials
    digest = cache.digest(credential)
    now = utcnow()
    found = cache.get(digest, now)
    if found is not None:
        return found
    seen = generation()
    expires_at: datetime | None
    if state.oidc is not None and looks_like_jwt(credential):
        principal, expires_at = await _from_token(state, credential)
    else:
        principal, expires_at = await api_key_service.authenticate_in(
            state.sessionmaker, state.peppers, credential, now
        )
    cache.put(digest, principal, expires_at, seen_generation=seen)
    return principal


async def _from_token(state: AppState, token: str) -> tuple[Principal, datetime | None]:
    assert state.oidc is not None
    try:
        claims = await state.oidc.verify(token)
    except TokenRejectedError as exc:
        raise UnauthenticatedError(
            f"the bearer token was not accepted: {exc.reason}", code="invalid_token"
        ) from None
    except ProviderUnavailableError:
        raise ServiceUnavailableError(
            "the identity provider could not be asked for the keys that check this token; "
            "try again shortly",
            code="identity_provider_unavailable",
        ) from None
    # A write transaction: the person may be new, or have a new name or email.
    async with session_scope(state.sessionmaker) as session:
        resolved = await identity.resolve(session, claims, state.settings, utcnow())
    exp = claims.get("exp")
    expires_at = datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None
    return resolved.principal, expires_at


Outcome = Principal | KeyRejectedError | AccordError


def remembered(scope: Scope) -> Outcome | None:
    """What `principal_from_headers` found for this request, if it ran and a key was sent."""
    found = scope.get("state", {}).get(_STATE_KEY)
    return found if isinstance(found, Principal | KeyRejectedError | AccordError) else None


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
    outcome: Outcome
    try:
        outcome = await lookup(state, credential)
    except KeyRejectedError as rejection:
        outcome = rejection
    except DatabaseTroubleError:
        raise
    except AccordError as refused:  # a token refused: the route's dependency answers it
        outcome = refused
    scope.setdefault("state", {})[_STATE_KEY] = outcome
    return outcome if isinstance(outcome, Principal) else None
