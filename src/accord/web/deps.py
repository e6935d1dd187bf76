"""Who is signed in to the web UI, and the CSRF check every state-changing form passes."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from accord.auth.principal import Principal, Scope
from accord.deps import SessionDep, StateDep
from accord.exceptions import NotFoundError, PermissionDeniedError
from accord.kit.clock import utcnow
from accord.team import service as team_service
from accord.web_session import service as web_session_service
from accord.web_session.service import SignedIn

SESSION_COOKIE = "accord_session"
LOGIN_CSRF_COOKIE = "accord_login_csrf"
COOKIE_PATH = "/ui"


class SignInRequiredError(Exception):
    """No live session: the page answers with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefusedError(PermissionDeniedError):
    code = "csrf_token_invalid"
    title = "Form expired or forged"


@dataclass(frozen=True, slots=True)
class SignedInView:
    """The signed-in person as pages see them."""

    session: SignedIn
    team_name: str | None

    @property
    def principal(self) -> Principal:
        return self.session.principal

    @property
    def person(self) -> str | None:
        """The person's name (signed in through the identity provider), or None for a key."""
        user = self.session.principal.user
        return user.display if user is not None else None

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def is_admin(self) -> bool:
        return self.session.principal.is_admin

    @property
    def can_write(self) -> bool:
        return self.session.principal.has(Scope.write)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def current(request: Request, session: SessionDep, state: StateDep) -> SignedInView | None:
    """The live session of the request's cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = await web_session_service.resolve(session, state.pepper, token, utcnow())
    if found is None:
        return None
    team_name = None
    if found.principal.team_id is not None:
        try:
            team = await team_service.get(session, found.principal, found.principal.team_id)
            team_name = team.name
        except NotFoundError:
            team_name = None
    return SignedInView(found, team_name)


async def viewer(
    request: Request, found: Annotated[SignedInView | None, Depends(current)]
) -> SignedInView:
    """The signed-in person; without a live session the page redirects to sign in."""
    if found is None:
        raise SignInRequiredError(_here(request))
    return found


ViewerDep = Annotated[SignedInView, Depends(viewer)]
MaybeViewerDep = Annotated[SignedInView | None, Depends(current)]


def csrf_matches(expected: str, given: object) -> bool:
    return isinstance(given, str) and bool(given) and hmac.compare_digest(expected, given)


async def checked_form(request: Request, who: ViewerDep) -> FormData:
    """The posted form, once its CSRF token (field ``csrf_token`` or header
    ``X-CSRF-Token``) matches the session's; `CsrfRefusedError` (403) otherwise."""
    form = await request.form()
    given = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not csrf_matches(who.csrf_token, given):
        raise CsrfRefusedError(
            "This form's security token is missing or out of date. Reload the page and try again."
        )
    return form


FormDep = Annotated[FormData, Depends(checked_form)]
