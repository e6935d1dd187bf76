"""Webhooks: list, create (the signing secret shown once), a webhook's deliveries, a test ping."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from accord.deps import SessionDep, StateDep
from accord.events.catalog import EVENT_TYPES
from accord.exceptions import AccordError
from accord.kit.pagination import next_id_cursor
from accord.team import service as team_service
from accord.web.deps import FormDep, SignedInView, ViewerDep
from accord.web.pages.admin._common import (
    EVENT_GROUPS,
    PAGE_SIZE,
    field_text,
    field_values,
    flash_for,
    invalid_input,
    list_teams_of,
    parse_cursor,
    require_admin,
    see_other,
    sentence,
)
from accord.web.templating import render
from accord.webhook import service as webhook_service
from accord.webhook.schemas import PayloadFormat, WebhookCreate
from accord.webhook.schemas import Scope as WebhookScope

router = APIRouter(include_in_schema=False)


async def _webhooks_page(
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
    rows = await webhook_service.list_webhooks(
        session, who.principal, after_id=parse_cursor(cursor), limit=PAGE_SIZE + 1
    )
    teams = await list_teams_of(session, who)
    context = {
        "nav": "admin",
        "webhooks": rows[:PAGE_SIZE],
        "next_cursor": next_id_cursor(rows, PAGE_SIZE),
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "event_groups": EVENT_GROUPS,
        "event_types": EVENT_TYPES,
        "scopes": [s.value for s in WebhookScope],
        "formats": [f.value for f in PayloadFormat],
        "flash": flash,
        "error": error,
        "values": values or {"event_types": [], "scope": "concerned", "payload_format": "standard"},
    }
    return render(request, "admin_webhooks.html", context, viewer=who, status_code=status)


@router.get("/ui/admin/webhooks")
async def webhooks_page(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    done: str | None = Query(None, max_length=32),
    cursor: str | None = Query(None, max_length=64),
) -> Response:
    require_admin(who)
    return await _webhooks_page(request, session, who, cursor=cursor, flash=flash_for(done))


@router.post("/ui/admin/webhooks")
async def create_webhook(
    request: Request, session: SessionDep, state: StateDep, who: ViewerDep, form: FormDep
) -> Response:
    """Like a key, the signing secret is shown in this response only (201)."""
    require_admin(who)
    values: dict[str, Any] = {
        "url": field_text(form, "url"),
        "team_id": field_text(form, "team_id"),
        "event_types": field_values(form, "event_types"),
        "scope": field_text(form, "scope") or "concerned",
        "payload_format": field_text(form, "payload_format") or "standard",
        "description": field_text(form, "description"),
    }
    try:
        body = WebhookCreate.model_validate({**values, "team_id": values["team_id"] or None})
    except ValidationError as exc:
        return await _webhooks_page(
            request, session, who, error=invalid_input(exc), values=values, status=422
        )
    settings = state.settings
    try:
        async with session.begin_nested():
            hook, secret = await webhook_service.create(
                session,
                who.principal,
                body,
                pepper=state.pepper,
                allow_private=settings.webhook_allow_private,
                max_per_team=settings.webhook_max_per_team,
                max_per_workspace=settings.webhook_max_per_workspace,
            )
    except AccordError as exc:
        return await _webhooks_page(
            request, session, who, error=sentence(exc.detail), values=values, status=exc.status
        )
    return render(
        request,
        "admin_webhook_created.html",
        {"nav": "admin", "hook": hook, "secret": secret},
        viewer=who,
        status_code=201,
    )


async def _webhook_page(
    request: Request,
    session: AsyncSession,
    who: SignedInView,
    webhook_id: uuid.UUID,
    *,
    cursor: str | None = None,
    flash: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    hook = await webhook_service.get(session, who.principal, webhook_id)
    rows, log = await webhook_service.deliveries_of(
        session,
        who.principal,
        webhook_id,
        status=None,
        after_id=parse_cursor(cursor),
        limit=PAGE_SIZE + 1,
    )
    team_name = None
    if hook.team_id is not None:
        team_name = (await team_service.get(session, who.principal, hook.team_id)).name
    context = {
        "nav": "admin",
        "hook": hook,
        "team_name": team_name,
        "deliveries": [(d, t, log.get(d.id, [])) for d, t in rows[:PAGE_SIZE]],
        "next_cursor": next_id_cursor([d for d, _ in rows], PAGE_SIZE),
        "flash": flash,
        "error": error,
    }
    return render(request, "admin_webhook.html", context, viewer=who, status_code=status)


@router.get("/ui/admin/webhooks/{webhook_id}")
async def webhook_page(
    request: Request,
    webhook_id: uuid.UUID,
    session: SessionDep,
    who: ViewerDep,
    done: str | None = Query(None, max_length=32),
    cursor: str | None = Query(None, max_length=64),
) -> Response:
    require_admin(who)
    return await _webhook_page(
        request, session, who, webhook_id, cursor=cursor, flash=flash_for(done)
    )


@router.post("/ui/admin/webhooks/{webhook_id}/ping")
async def ping_webhook(
    request: Request, webhook_id: uuid.UUID, session: SessionDep, who: ViewerDep, form: FormDep
) -> Response:
    require_admin(who)
    try:
        async with session.begin_nested():
            await webhook_service.ping(session, who.principal, webhook_id)
    except AccordError as exc:
        return await _webhook_page(
            request, session, who, webhook_id, error=sentence(exc.detail), status=exc.status
        )
    return see_other(f"/ui/admin/webhooks/{webhook_id}?done=ping_sent")


# -- dead letters ------------------------------------------------------------------------
