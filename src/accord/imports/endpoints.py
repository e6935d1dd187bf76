"""HTTP: /api/v1/imports/dbt."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Query, Request

from accord.asset.schemas import EnvironmentName
from accord.auth.dependencies import WritePrincipal
from accord.deps import SessionDep, StateDep, engine_for
from accord.imports import dbt
from accord.imports.schemas import ImportResult
from accord.problems import STANDARD_ERRORS

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], responses=STANDARD_ERRORS)

MANIFEST_BODY = {
    "requestBody": {
        "required": True,
        "description": "A dbt `manifest.json` (schema v9-v12), as written by `dbt parse`. "
        "At most `ACCORD_MAX_MANIFEST_BYTES` (default 64 MiB).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post("/dbt", openapi_extra=MANIFEST_BODY)
async def import_dbt(
    request: Request,
    principal: WritePrincipal,
    session: SessionDep,
    state: StateDep,
    environment: EnvironmentName = Query("prod", description="Environment of the assets."),
    owner_team: str | None = Query(
        None,
        max_length=100,
        description="Team (id or name) owning new assets whose dbt group or meta.owner "
        "names no team. Default: the calling team.",
    ),
    dry_run: bool = Query(False, description="Plan only: report what would change."),
) -> ImportResult:
    """Import a dbt manifest in one transaction. Models, seeds, snapshots and sources
    become assets (`database.schema.relation`) with table schemas, dbt tests become
    guarantees, `depends_on` becomes `transforms` lineage, exposures become consumer
    registrations (by owner name = team name). Changes to existing assets take the
    normal publish path: compatible -> new version, breaking -> proposal. Re-importing
    the same manifest changes nothing. A malformed, unsupported (schema not v9-v12) or
    oversized manifest is a 422/413 and writes nothing."""
    raw = await request.body()
    opts = dbt.ImportOptions(
        environment=environment,
        owner_team=owner_team,
        dry_run=dry_run,
        proposal_ttl=timedelta(days=state.settings.proposal_ttl_days),
        engine=engine_for(state, principal),
    )
    return await dbt.import_manifest(session, principal, raw, opts)
