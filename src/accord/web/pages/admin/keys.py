"""API keys: list, create (the key shown once, in the response), revoke."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from accord.api_key import service as api_key_service
from accord.api_key.schemas import ApiKeyCreate
from accord.auth.principal import Scope
from accord.deps import SessionDep, StateDep
from accord.exceptions import AccordError
from accord.kit.clock import utcnow
from accord.kit.pagination import next_id_cursor
from accord.team import service as team_service
from accord.web.deps import FormDep, SignedInView, ViewerDep
from accord.web.pages.admin._common import (
    PAGE_SIZE,
    field_text,
    field_values,
    flash_for,
    invalid_input,
    list_teams_of,
    parse_cursor,
    parse_instant,
    require_admin,
    see_other,
    sentence,
)
from accord.web.templating import render

router = APIRouter(include_in_schema=False)


async def _keys_page(
    request: Request,
    session: AsyncSession,
    who: SignedInView,
    *,
    cursor: str | None = None,
    flash: str | None = None,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    rows = await api_key_service.list_keys(
        session,
        who.principal,
        after_id=parse_cursor(cursor),
        limit=PAGE_SIZE + 1,
        include_revoked=True,
    )
    teams = await list_teams_of(session, who)
    context = {
        "nav": "admin",
        "keys": rows[:PAGE_SIZE],
        "next_cursor": next_id_cursor(rows, PAGE_SIZE),
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "scopes": [s.value for s in Scope],
        "now": utcnow(),
        "flash": flash,
        "error": error,
        "values": values or {"scopes": ["read"]},
    }
    return render(request, "admin_keys.html", context, viewer=who, status_code=status)


@router.get("/ui/admin/keys")
async def keys_page(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    done: str | None = Query(None, max_length=32),
    cursor: str | None = Query(None, max_length=64),
) -> Response:
    require_admin(who)
    return await _keys_page(request, session, who, cursor=cursor, flash=flash_for(done))


@router.post("/ui/admin/keys")
async def create_key(
    request: Request, session: SessionDep, state: StateDep, who: ViewerDep, form: FormDep
) -> Response:
    """The new key is in this response only (201): not stored, not redirected to."""
    require_admin(who)
    values: dict[str, Any] = {
        "name": field_text(form, "name"),
        "team_id": field_text(form, "team_id"),
        "scopes": field_values(form, "scopes"),
        "expires_at": field_text(form, "expires_at"),
    }
    try:
        body = ApiKeyCreate.model_validate(
            {
                "name": values["name"],
                "team_id": values["team_id"] or None,
                "scopes": values["scopes"],
                "expires_at": parse_instant(values["expires_at"]),
            }
        )
    except ValidationError as exc:
        return await _keys_page(
            request, session, who, error=invalid_input(exc), values=values, status=422
        )
    try:
        async with session.begin_nested():
            team_exists = body.team_id is not None and await team_service.exists(
                session, who.principal.workspace_id, body.team_id
            )
            key, raw = await api_key_service.create(
                session, who.principal, body, state.pepper, team_exists=team_exists
            )
    except AccordError as exc:
        return await _keys_page(
            request, session, who, error=sentence(exc.detail), values=values, status=exc.status
        )
    team_name = None
    if key.team_id is not None:
        team_name = (await team_service.get(session, who.principal, key.team_id)).name
    return render(
        request,
        "admin_key_created.html",
        {"nav": "admin", "key": key, "raw": raw, "team_name": team_name},
        viewer=who,
        status_code=201,
    )


@router.post("/ui/admin/keys/{key_id}/revoke")
async def revoke_key(
    request: Request, key_id: uuid.UUID, session: SessionDep, who: ViewerDep, form: FormDep
) -> Response:
    require_admin(who)
    try:
        async with session.begin_nested():
            await api_key_service.revoke(session, who.principal, key_id)
    except AccordError as exc:
        return await _keys_page(
            request, session, who, error=sentence(exc.detail), status=exc.status
        )
    return see_other("/ui/admin/keys?done=key_revoked")


# -- webhooks ----------------------------------------------------------------------------
