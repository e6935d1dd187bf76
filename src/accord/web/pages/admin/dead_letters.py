"""Dead letters: list, replay one or many, with a reason."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from accord.deps import SessionDep
from accord.events.catalog import EVENT_TYPES
from accord.exceptions import AccordError
from accord.kit.pagination import next_id_cursor
from accord.web.deps import FormDep, SignedInView, ViewerDep
from accord.web.pages.admin._common import (
    LOOKUP_LIMIT,
    PAGE_SIZE,
    field_text,
    flash_for,
    invalid_input,
    parse_cursor,
    require_admin,
    see_other,
    sentence,
)
from accord.web.templating import render
from accord.webhook import service as webhook_service
from accord.webhook.schemas import BulkReplay

router = APIRouter(include_in_schema=False)


async def _dead_letters_page(
    request: Request,
    session: AsyncSession,
    who: SignedInView,
    *,
    cursor: str | None = None,
    flash: str | None = None,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    rows = await webhook_service.dead_letters(
        session, who.principal, after_id=parse_cursor(cursor), limit=PAGE_SIZE + 1
    )
    hooks = await webhook_service.list_webhooks(
        session, who.principal, after_id=None, limit=LOOKUP_LIMIT
    )
    context = {
        "nav": "admin",
        "letters": rows[:PAGE_SIZE],
        "next_cursor": next_id_cursor([d for d, _ in rows], PAGE_SIZE),
        "hooks": hooks,
        "hook_urls": {h.id: h.url for h in hooks},
        "event_types": EVENT_TYPES,
        "flash": flash,
        "error": error,
        "values": values or {},
    }
    return render(request, "admin_dead_letters.html", context, viewer=who, status_code=status)


@router.get("/ui/admin/dead-letters")
async def dead_letters_page(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    done: str | None = Query(None, max_length=32),
    cursor: str | None = Query(None, max_length=64),
) -> Response:
    require_admin(who)
    return await _dead_letters_page(request, session, who, cursor=cursor, flash=flash_for(done))


@router.post("/ui/admin/dead-letters/{delivery_id}/replay")
async def replay_dead_letter(
    request: Request, delivery_id: uuid.UUID, session: SessionDep, who: ViewerDep, form: FormDep
) -> Response:
    require_admin(who)
    reason = field_text(form, "reason")
    if len(reason) < 3:
        return await _dead_letters_page(
            request,
            session,
            who,
            error="Give a reason for replaying this dead letter (at least 3 characters).",
            status=422,
        )
    try:
        async with session.begin_nested():
            await webhook_service.replay(session, who.principal, delivery_id, reason=reason)
    except AccordError as exc:
        return await _dead_letters_page(
            request, session, who, error=sentence(exc.detail), status=exc.status
        )
    return see_other("/ui/admin/dead-letters?done=replayed")


@router.post("/ui/admin/dead-letters/replay")
async def bulk_replay(
    request: Request, session: SessionDep, who: ViewerDep, form: FormDep
) -> Response:
    require_admin(who)
    values = {
        "reason": field_text(form, "reason"),
        "subscription_id": field_text(form, "subscription_id"),
        "event_type": field_text(form, "event_type"),
        "limit": field_text(form, "limit") or "100",
    }
    try:
        body = BulkReplay.model_validate(
            {
                "reason": values["reason"],
                "subscription_id": values["subscription_id"] or None,
                "event_type": values["event_type"] or None,
                "limit": values["limit"],
            }
        )
    except ValidationError as exc:
        return await _dead_letters_page(
            request, session, who, error=invalid_input(exc), values=values, status=422
        )
    try:
        async with session.begin_nested():
            await webhook_service.bulk_replay(session, who.principal, body)
    except AccordError as exc:
        return await _dead_letters_page(
            request, session, who, error=sentence(exc.detail), values=values, status=exc.status
        )
    return see_other("/ui/admin/dead-letters?done=bulk_replayed")


# -- workspace ---------------------------------------------------------------------------
