"""HTTP: /api/v1/imports/dbt and /api/v1/imports/jobs/{id}."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from accord.asset.schemas import EnvironmentName
from accord.auth.dependencies import ReadPrincipal, WritePrincipal
from accord.db import session_scope
from accord.deps import SessionDep, StateDep, engine_for
from accord.imports import dbt, jobs
from accord.imports.schemas import ImportJob, ImportResult
from accord.problems import MEDIA_TYPE, STANDARD_ERRORS, Problem

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], responses=STANDARD_ERRORS)

JOBS = "/api/v1/imports/jobs"

MANIFEST_BODY = {
    "requestBody": {
        "required": True,
        "description": "A dbt `manifest.json` (schema v9-v12), as written by `dbt parse`. "
        "At most `ACCORD_MAX_MANIFEST_BYTES` (default 64 MiB).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post(
    "/dbt",
    status_code=202,
    openapi_extra=MANIFEST_BODY,
    response_model=ImportJob,
    responses={
        200: {"model": ImportResult, "description": "`dry_run=true`: the plan; nothing written."},
        202: {
            "model": ImportJob,
            "description": "Accepted: the import runs in the background. Follow `Location` "
            "(`GET /api/v1/imports/jobs/{id}`) until `status` is `succeeded` or `failed`.",
            "headers": {
                "Location": {
                    "description": "The job: /api/v1/imports/jobs/{id}",
                    "schema": {"type": "string"},
                }
            },
        },
        404: {
            "model": Problem,
            "description": "No team named `owner_team` in the workspace",
            "content": {MEDIA_TYPE: {}},
        },
    },
)
async def import_dbt(
    request: Request,
    principal: WritePrincipal,
    state: StateDep,
    environment: EnvironmentName = Query("prod", description="Environment of the assets."),
    owner_team: str | None = Query(
        None,
        max_length=100,
        description="Team (id or name) owning new assets whose dbt group or meta.owner "
        "names no team. Default: the calling team.",
    ),
    dry_run: bool = Query(False, description="Plan only: report what would change."),
) -> JSONResponse:
    """Import a dbt manifest. Models, seeds, snapshots and sources become assets
    (`database.schema.relation`) with table schemas, dbt tests become guarantees,
    `depends_on` becomes `transforms` lineage, exposures become consumer registrations
    (by owner name = team name). Changes to existing assets take the normal publish
    path: compatible -> new version, breaking -> proposal. Re-importing the same
    manifest changes nothing.

    The manifest and the ownership of every new asset are checked first: a malformed,
    unsupported (schema not v9-v12) or oversized manifest, an unknown `owner_team`, or an
    asset the caller may not own is a 4xx and writes nothing. Then the import runs in
    the background, `ACCORD_IMPORT_CHUNK_SIZE` assets per transaction (so other writers
    never wait behind the whole import): 202 with the job, whose `Location` tells its
    progress and, at the end, the result. With `dry_run=true` the plan is computed at
    once (200) and nothing is written."""
    raw = await request.body()
    opts = dbt.ImportOptions(
        environment=environment,
        owner_team=owner_team,
        dry_run=dry_run,
        proposal_ttl=timedelta(days=state.settings.proposal_ttl_days),
        engine=engine_for(state, principal),
    )
    if dry_run:
        async with session_scope(state.sessionmaker) as session:
            plan = await dbt.import_manifest(session, principal, raw, opts)
        return JSONResponse(plan.model_dump(mode="json"), status_code=200)
    job = await jobs.accept(
        state.sessionmaker,
        principal,
        raw,
        opts,
        chunk_size=state.settings.import_chunk_size,
        runner=state.imports,
    )
    return JSONResponse(
        job.model_dump(mode="json"), status_code=202, headers={"Location": f"{JOBS}/{job.id}"}
    )


@router.get("/jobs/{job_id}")
async def get_import_job(
    job_id: uuid.UUID, principal: ReadPrincipal, session: SessionDep
) -> ImportJob:
    """A background import: `status` (`queued`, `running`, `succeeded`, `failed`) and
    `progress` (chunks and assets done); once ended, `result` (what a synchronous import
    returns). On failure, `error` says which chunk and which asset failed and why, and
    `not_applied` lists every asset not (completely) applied with its reason; the
    chunks before the failing one stay applied. To finish, fix the cause and import the
    manifest again: what is already applied is unchanged by a re-import. Visible to the
    key and team that started it and to admins; another workspace's job is a 404."""
    return jobs.to_out(await jobs.get(session, principal, job_id))
