"""The workspace's default compatibility policy."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset.policy import Compatibility, ContentModel
from accord.deps import SessionDep
from accord.exceptions import AccordError
from accord.web.deps import FormDep, SignedInView, ViewerDep
from accord.web.pages.admin._common import (
    field_text,
    flash_for,
    invalid_input,
    require_admin,
    see_other,
    sentence,
)
from accord.web.templating import render
from accord.workspace import service as workspace_service
from accord.workspace.schemas import WorkspaceUpdate

router = APIRouter(include_in_schema=False)


async def _workspace_page(
    request: Request,
    session: AsyncSession,
    who: SignedInView,
    *,
    flash: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    workspace = await workspace_service.get(session, who.principal.workspace_id)
    context = {
        "nav": "admin",
        "workspace": workspace,
        "compatibilities": [c.value for c in Compatibility],
        "content_models": [c.value for c in ContentModel],
        "flash": flash,
        "error": error,
    }
    return render(request, "admin_workspace.html", context, viewer=who, status_code=status)


@router.get("/ui/admin/workspace")
async def workspace_page(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    done: str | None = Query(None, max_length=32),
) -> Response:
    require_admin(who)
    return await _workspace_page(request, session, who, flash=flash_for(done))


@router.post("/ui/admin/workspace")
async def update_workspace(
    request: Request, session: SessionDep, who: ViewerDep, form: FormDep
) -> Response:
    require_admin(who)
    try:
        body = WorkspaceUpdate.model_validate(
            {
                "default_compatibility": field_text(form, "default_compatibility") or None,
                "default_content_model": field_text(form, "default_content_model") or None,
            }
        )
    except ValidationError as exc:
        return await _workspace_page(request, session, who, error=invalid_input(exc), status=422)
    try:
        async with session.begin_nested():
            await workspace_service.update(session, who.principal, body)
    except AccordError as exc:
        return await _workspace_page(
            request, session, who, error=sentence(exc.detail), status=exc.status
        )
    return see_other("/ui/admin/workspace?done=workspace_saved")
