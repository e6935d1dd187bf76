"""Teams: list and create."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from accord.deps import SessionDep
from accord.exceptions import AccordError
from accord.kit.pagination import next_id_cursor
from accord.team import service as team_service
from accord.team.schemas import TeamCreate
from accord.web.deps import FormDep, SignedInView, ViewerDep
from accord.web.pages.admin._common import (
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

router = APIRouter(include_in_schema=False)


async def _teams_page(
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
    rows = await team_service.list_teams(
        session, who.principal, after_id=parse_cursor(cursor), limit=PAGE_SIZE + 1
    )
    context = {
        "nav": "admin",
        "teams": rows[:PAGE_SIZE],
        "next_cursor": next_id_cursor(rows, PAGE_SIZE),
        "flash": flash,
        "error": error,
        "values": values or {},
    }
    return render(request, "admin_teams.html", context, viewer=who, status_code=status)


@router.get("/ui/admin/teams")
async def teams_page(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    done: str | None = Query(None, max_length=32),
    cursor: str | None = Query(None, max_length=64),
) -> Response:
    require_admin(who)
    return await _teams_page(request, session, who, cursor=cursor, flash=flash_for(done))


@router.post("/ui/admin/teams")
async def create_team(
    request: Request, session: SessionDep, who: ViewerDep, form: FormDep
) -> Response:
    require_admin(who)
    values = {"name": field_text(form, "name"), "description": field_text(form, "description")}
    try:
        body = TeamCreate.model_validate(values)
    except ValidationError as exc:
        return await _teams_page(
            request, session, who, error=invalid_input(exc), values=values, status=422
        )
    try:
        async with session.begin_nested():
            await team_service.create(session, who.principal, body)
    except AccordError as exc:
        return await _teams_page(
            request, session, who, error=sentence(exc.detail), values=values, status=exc.status
        )
    return see_other("/ui/admin/teams?done=team_created")


# -- API keys ----------------------------------------------------------------------------
