"""Sign in with an API key, sign out; the root and /ui/ lead to the inbox."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from accord.api_key import service as api_key_service
from accord.api_key.rejection import KeyRejectedError
from accord.deps import SessionDep, StateDep
from accord.kit.clock import utcnow
from accord.web.deps import (
    COOKIE_PATH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfRefusedError,
    FormDep,
    MaybeViewerDep,
    ViewerDep,
    csrf_matches,
)
from accord.web.templating import render
from accord.web_session import service as web_session_service

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this UI only (never another site)."""
    if (
        target
        and target.startswith("/ui/")
        and not target.startswith("//")
        and "\\" not in target
        and not target.startswith("/ui/login")
    ):
        return target
    return "/ui/inbox"


def secure_cookies(request: Request, state: StateDep) -> bool:
    setting = state.settings.ui_cookie_secure
    return setting if setting is not None else request.url.scheme == "https"


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/ui/inbox", status_code=307)


@router.get("/ui")
@router.get("/ui/")
async def ui_root() -> RedirectResponse:
    return RedirectResponse("/ui/inbox", status_code=307)


def _login_page(
    request: Request, state: StateDep, *, next_path: str, error: str | None, status: int
) -> Response:
    token = secrets.token_urlsafe(32)
    page = render(
        request,
        "login.html",
        {
            "csrf_token": token,
            "next": next_path,
            "signin_error": error,
            "hours": state.settings.ui_session_hours,
            "oidc": state.oidc is not None,
        },
        status_code=status,
    )
    page.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/ui/login",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request, state),
    )
    return page


@router.get("/ui/login")
async def login_form(
    request: Request, state: StateDep, who: MaybeViewerDep, next: str | None = None
) -> Response:
    if who is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, state, next_path=safe_next(next), error=None, status=200)


@router.post("/ui/login")
async def login(
    request: Request,
    state: StateDep,
    session: SessionDep,
    api_key: Annotated[str, Form(max_length=512)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/ui/inbox",
) -> Response:
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        raise CsrfRefusedError(
            "The sign-in form's security token is missing or out of date. "
            "Reload the page and sign in again."
        )
    key = api_key.strip()
    if not key:
        return _login_page(
            request, state, next_path=safe_next(next), error="Enter an API key.", status=422
        )
    ttl = timedelta(hours=state.settings.ui_session_hours)
    try:
        token, signed_in = await web_session_service.sign_in(
            session, state.peppers, key, utcnow(), ttl
        )
    except KeyRejectedError as rejection:
        await api_key_service.record_rejection(session, rejection)
        return _login_page(
            request,
            state,
            next_path=safe_next(next),
            error="That API key was not accepted: it is unknown, revoked or expired.",
            status=401,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        expires=signed_in.expires_at,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request, state),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui/login")
    return response


@router.post("/ui/logout")
async def logout(session: SessionDep, who: ViewerDep, form: FormDep) -> Response:
    await web_session_service.sign_out(session, who.session, utcnow())
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response
