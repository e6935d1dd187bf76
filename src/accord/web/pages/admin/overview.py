"""The admin overview: links and bounded counts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from accord.api_key import service as api_key_service
from accord.deps import SessionDep
from accord.team import service as team_service
from accord.web.deps import ViewerDep
from accord.web.pages.admin._common import (
    COUNT_CAP,
    capped_count,
    require_admin,
)
from accord.web.templating import render
from accord.webhook import service as webhook_service
from accord.workspace import service as workspace_service

router = APIRouter(include_in_schema=False)


@router.get("/ui/admin")
async def overview(request: Request, session: SessionDep, who: ViewerDep) -> Response:
    require_admin(who)
    p = who.principal
    limit = COUNT_CAP + 1
    teams = await team_service.list_teams(session, p, after_id=None, limit=limit)
    keys = await api_key_service.list_keys(
        session, p, after_id=None, limit=limit, include_revoked=False
    )
    hooks = await webhook_service.list_webhooks(session, p, after_id=None, limit=limit)
    dead = await webhook_service.dead_letters(session, p, after_id=None, limit=limit)
    workspace = await workspace_service.get(session, p.workspace_id)
    counts = {
        "teams": capped_count(teams),
        "keys": capped_count(keys),
        "webhooks": capped_count(hooks),
        "dead": capped_count(dead),
        "dead_any": bool(dead),
    }
    return render(
        request,
        "admin.html",
        {"nav": "admin", "counts": counts, "workspace": workspace},
        viewer=who,
    )


# -- teams -------------------------------------------------------------------------------
