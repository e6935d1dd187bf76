"""Import jobs: accepting one (checked first, then stored and started), reading one
(its caller only), and what a job says about itself (progress, result, failure)."""

from __future__ import annotations

import asyncio
import uuid
import zlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.auth.principal import Principal, Scope, UserRef
from accord.db import session_scope
from accord.dbt import Project
from accord.exceptions import NotFoundError, PermissionDeniedError
from accord.imports import chunks, dbt
from accord.imports.repository import ImportJobRepository
from accord.imports.schemas import (
    AssetPart,
    ImportFailure,
    ImportProgress,
    ImportResult,
    ManifestInfo,
    NotApplied,
)
from accord.imports.schemas import ImportJob as ImportJobOut
from accord.kit.clock import utcnow
from accord.kit.context import current_request_id
from accord.models import ImportJob

if TYPE_CHECKING:
    from accord.imports.runner import ImportRunner

ENDED = ("succeeded", "failed")
_PART: dict[str, AssetPart] = {"assets": "asset", "lineage": "lineage", "versions": "version"}


async def purge_ended(session: AsyncSession, before: datetime, limit: int) -> int:
    """Retention: forget jobs that ended before ``before`` (their effects stay)."""
    return await ImportJobRepository(session).purge_ended(before, limit)


def principal_of(job: ImportJob) -> Principal:
    """The caller the job acts as, as it was when the import was accepted."""
    user = None
    if job.user_ref is not None:
        ref = job.user_ref
        user = UserRef(
            uuid.UUID(ref["id"]), ref["issuer"], ref["subject"], ref.get("name"), ref.get("email")
        )
    return Principal(
        job.workspace_id,
        job.key_id,
        job.team_id,
        frozenset(Scope(s) for s in job.scopes),
        user=user,
    )


async def accept(
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    raw: bytes,
    opts: dbt.ImportOptions,
    *,
    chunk_size: int,
    runner: ImportRunner | None,
) -> ImportJobOut:
    """Check the import as far as it can be without writing (a read transaction: 4xx
    here, as for a synchronous import), store the job in a short write transaction,
    then start it in this process. The job is inserted already leased to this process,
    so no other one takes it meanwhile; if this one dies first, the lease runs out and
    another resumes it."""
    project = await asyncio.to_thread(dbt.parse, raw)
    async with session_scope(sessionmaker, write=False) as session:
        await dbt.validate(session, principal, project, opts)
    packed, digest = await asyncio.to_thread(_pack, raw)
    token = runner.new_token() if runner is not None else None
    lease = runner.lease if runner is not None else timedelta(0)
    async with session_scope(sessionmaker) as session:
        job = await _insert(session, principal, project, opts, packed, digest,
                            chunk_size=chunk_size, token=token, lease=lease)  # fmt: skip
        out = to_out(job)
    if runner is not None and token is not None:
        runner.launch(job.id, token)
    return out


def _pack(raw: bytes) -> tuple[bytes, str]:
    """The manifest compressed, and its digest (CPU work: run off the event loop)."""
    return zlib.compress(raw, 6), dbt.digest_of(raw)


async def _insert(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    opts: dbt.ImportOptions,
    packed: bytes,
    digest: str,
    *,
    chunk_size: int,
    token: str | None,
    lease: timedelta,
) -> ImportJob:
    repo = ImportJobRepository(session)
    now = utcnow()
    plan = [[uid, item.fqn] for uid, item in project.assets.items()]
    info = manifest_info(project)
    job = ImportJob(
        workspace_id=principal.workspace_id,
        status="queued",
        key_id=principal.key_id,
        team_id=principal.team_id,
        scopes=sorted(s.value for s in principal.scopes),
        user_ref=(
            {"id": str(principal.user.id), **principal.user.as_detail()}
            if principal.user is not None
            else None
        ),
        request_id=current_request_id(),
        environment=opts.environment,
        owner_team=opts.owner_team,
        manifest_gz=packed,
        manifest_sha256=digest,
        manifest_info=info,
        plan=plan,
        chunk_size=chunk_size,
        chunks_total=len(chunks.plan(len(plan), chunk_size)),
        next_chunk=0,
        progress=dbt.Progress().model_dump(mode="json"),
        attempts=0,
        lease_token=token,
        lease_expires_at=repo.expiry(now, lease) if token is not None else None,
        created_at=now,
        updated_at=now,
    )
    await repo.add(job)
    await session.refresh(job, ["lease_expires_at"])  # maybe set by the database clock
    return job


def manifest_info(project: Project) -> dict[str, Any]:
    return {
        "schema_version": project.schema_version,
        "dbt_version": project.dbt_version,
        "project_name": project.project_name,
        "adapter": project.adapter,
        "warnings": list(project.warnings),
    }


async def get(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> ImportJob:
    """The job, for the workspace's admins and the key or team that started it."""
    job = await ImportJobRepository(session).get(principal.workspace_id, job_id)
    if job is None:
        raise NotFoundError.of("import_job", job_id)
    mine = (
        (job.key_id is not None and principal.key_id == job.key_id)
        or (
            job.user_ref is not None
            and principal.user is not None
            and job.user_ref.get("id") == str(principal.user.id)
        )
        or (job.team_id is not None and principal.team_id == job.team_id)
    )
    if not (principal.is_admin or mine):
        raise PermissionDeniedError(
            "an import job is visible to the team that started it and to admins",
            code="not_import_owner",
        )
    return job


# -- what a job says about itself ---------------------------------------------------------
def to_out(job: ImportJob) -> ImportJobOut:
    plan = chunks.plan(len(job.plan), job.chunk_size)
    committed = plan[: job.next_chunk]
    ended = job.status in ENDED
    versions_done = sum(c.stop - c.start for c in committed if c.phase == "versions")
    info = job.manifest_info
    manifest = ManifestInfo(
        schema_version=info["schema_version"],
        dbt_version=info.get("dbt_version"),
        project_name=info.get("project_name"),
        adapter=info.get("adapter"),
        sha256=job.manifest_sha256,
    )
    error = ImportFailure.model_validate(job.error) if job.error else None
    return ImportJobOut(
        id=job.id,
        status=job.status,  # type: ignore[arg-type]
        environment=job.environment,
        owner_team=job.owner_team,
        manifest=manifest,
        team_id=job.team_id,
        key_id=job.key_id,
        attempts=job.attempts,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        progress=ImportProgress(
            phase=None if ended or job.next_chunk >= len(plan) else plan[job.next_chunk].phase,
            chunk_size=job.chunk_size,
            chunks_total=len(plan),
            chunks_done=job.next_chunk,
            assets_total=len(job.plan),
            assets_applied=versions_done,
        ),
        result=_result(job, manifest, committed) if ended else None,
        error=error,
        not_applied=_not_applied(job, committed, error) if error is not None else [],
    )


def _result(job: ImportJob, manifest: ManifestInfo, committed: list[chunks.Chunk]) -> ImportResult:
    progress = dbt.Progress.model_validate(job.progress)
    applied = [
        progress.steps[uid]
        for pos, (uid, _) in enumerate(job.plan)
        if "versions" in chunks.done_phases(committed, pos) and uid in progress.steps
    ]
    return ImportResult(
        dry_run=False,
        environment=job.environment,
        manifest=manifest,
        summary=progress.summary,
        assets=applied,
        edges=progress.edges,
        registrations=progress.registrations,
        warnings=list(job.manifest_info.get("warnings", [])),
    )


def _not_applied(
    job: ImportJob, committed: list[chunks.Chunk], error: ImportFailure
) -> list[NotApplied]:
    stopped = f"chunk {error.chunk} ({error.phase})"
    failed = chunks.plan(len(job.plan), job.chunk_size)[error.chunk]
    out: list[NotApplied] = []
    for pos, (uid, fqn) in enumerate(job.plan):
        done = chunks.done_phases(committed, pos)
        if "versions" in done:
            continue
        if uid == error.unique_id:
            reason = f"failed in {stopped}: {error.detail} ({error.code})"
        elif failed.phase in chunks.ASSET_PHASES and failed.covers(pos):
            culprit = error.unique_id or "the chunk"
            reason = f"rolled back with {stopped}: {culprit} failed ({error.code})"
        else:
            reason = f"not reached: the import stopped at {stopped} ({error.code})"
        out.append(NotApplied(unique_id=uid, fqn=fqn, done=[_PART[p] for p in done], reason=reason))
    return out
