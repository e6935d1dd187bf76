"""Sign in through the company's OpenID Connect provider: the authorization-code flow
with PKCE (S256), state and nonce.

``/ui/oidc/start`` keeps state, nonce, PKCE verifier and where to go next in a signed,
HttpOnly cookie scoped to ``/ui/oidc`` (SameSite=Lax: it must come back with the
provider's redirect) and sends the browser to the provider. ``/ui/oidc/callback`` checks
the state, exchanges the code, verifies the ID token, maps the claims to a role
(``ACCORD_OIDC_ROLES``), remembers the user and opens a web session. It answers with a
page that moves on by itself: the session cookie is SameSite=Strict, and a browser does
not send it on a redirect chain that began at the provider's site."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from accord.auth.oidc import identity, pkce
from accord.auth.oidc.client import OidcClient, SignInFailedError
from accord.auth.oidc.keys import ProviderUnavailableError
from accord.db import session_scope
from accord.deps import StateDep
from accord.exceptions import NotFoundError, ServiceUnavailableError, UnauthenticatedError
from accord.kit.clock import utcnow
from accord.state import AppState
from accord.web.deps import COOKIE_PATH, SESSION_COOKIE
from accord.web.pages.auth import safe_next, secure_cookies
from accord.web.templating import render
from accord.web_session import service as web_session_service

router = APIRouter(include_in_schema=False)

PENDING_COOKIE = "accord_oidc"
PENDING_PATH = "/ui/oidc"


def _client(state: AppState) -> OidcClient:
    if state.oidc is None:
        raise NotFoundError("sign-in with an identity provider is not set up here")
    return state.oidc


def redirect_uri(request: Request, state: AppState) -> str:
    base = state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + "/ui/oidc/callback"


def _unavailable() -> ServiceUnavailableError:
    return ServiceUnavailableError(
        "The identity provider could not be reached. Try again in a moment, or sign in "
        "with an API key.",
        code="identity_provider_unavailable",
    )


@router.get("/ui/oidc/start")
async def start(request: Request, state: StateDep, next: str | None = None) -> Response:
    client = _client(state)
    pending = pkce.Pending.start(safe_next(next))
    try:
        target = await client.authorization_url(pending, redirect_uri(request, state))
    except ProviderUnavailableError:
        raise _unavailable() from None
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        pkce.seal(pending, state.pepper),
        max_age=pkce.MAX_AGE_S,
        path=PENDING_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, state),
    )
    return response


@router.get("/ui/oidc/callback")
async def callback(
    request: Request,
    state: StateDep,
    code: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    client = _client(state)
    pending = pkce.unseal(request.cookies.get(PENDING_COOKIE, ""), state.pepper)
    given = request.query_params.get("state")
    if pending is None or not given or given != pending.state:
        raise UnauthenticatedError(
            "This sign-in did not start here, or took longer than ten minutes. "
            "Start again from the sign-in page.",
            code="oidc_state_mismatch",
        )
    if error is not None or not code:
        said = (error_description or error or "no authorization code")[:300]
        raise UnauthenticatedError(
            f"The identity provider did not sign you in: {said}", code="oidc_refused"
        )
    try:
        claims = await client.finish(code[:2048], pending, redirect_uri(request, state))
    except SignInFailedError as exc:
        raise UnauthenticatedError(f"Sign-in failed: {exc}", code="oidc_failed") from None
    except ProviderUnavailableError:
        raise _unavailable() from None
    now = utcnow()
    ttl = timedelta(hours=state.settings.ui_session_hours)
    # The request's one transaction, and a write one although this is a GET (the
    # provider's redirect is one): the user and the session are stored here.
    async with session_scope(state.sessionmaker) as session:
        resolved = await identity.resolve(session, claims, state.settings, now)
        token, signed_in = await web_session_service.sign_in_person(
            session, state.pepper, resolved.principal, now, ttl
        )
    page = render(request, "signed_in.html", {"next": pending.next_path})
    page.headers["Cache-Control"] = "no-store"
    page.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        expires=signed_in.expires_at,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request, state),
    )
    page.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)
    return page
