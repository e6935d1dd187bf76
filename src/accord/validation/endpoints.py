"""HTTP: /api/v1/assets/{asset_id}/validation-runs."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, status

from accord.auth.dependencies import ReadPrincipal, WritePrincipal
from accord.deps import SessionDep
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    Instant,
    LimitQuery,
    Page,
    next_id_cursor,
    uuid_after,
)
from accord.problems import STANDARD_ERRORS
from accord.validation import service
from accord.validation.schemas import (
    Trend,
    ValidationRun,
    ValidationRunCreate,
    ValidationRunSummary,
)

router = APIRouter(prefix="/api/v1/assets", tags=["validation"], responses=STANDARD_ERRORS)


@router.post("/{asset_id}/validation-runs", status_code=status.HTTP_201_CREATED)
async def report_validation_run(
    asset_id: uuid.UUID, body: ValidationRunCreate, principal: WritePrincipal, session: SessionDep
) -> ValidationRun:
    """Record the results of checking real data against the asset's contract (from a
    write-audit-publish pipeline or `accord validate --report`).

    The owner team or an admin reports runs; a failing one (an error-level check did not
    pass) emits a `validation.failed` event to the owner and every registered consumer.
    A team registered on the asset may report too: the run is marked `consumer_reported`
    with its `reporter_team_id`, and a failing one notifies the owner team only. Any
    other team gets `403 not_owner_or_consumer`."""
    return ValidationRun.model_validate(await service.report(session, principal, asset_id, body))


@router.get("/{asset_id}/validation-runs")
async def list_validation_runs(
    asset_id: uuid.UUID,
    principal: ReadPrincipal,
    session: SessionDep,
    status_filter: str | None = Query(None, alias="status", pattern="^(passed|failed)$"),
    version: str | None = Query(None, max_length=64),
    since: Instant | None = None,
    until: Instant | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ValidationRunSummary]:
    """Runs of an asset, newest first, filtered by status, version and time."""
    rows = await service.history(
        session, principal, asset_id, status=status_filter, version=version, since=since,
        until=until, before_id=uuid_after(cursor), limit=limit + 1,
    )  # fmt: skip
    return Page[ValidationRunSummary](
        items=[ValidationRunSummary.model_validate(r) for r in rows[:limit]],
        next_cursor=next_id_cursor(rows, limit),
    )


@router.get("/{asset_id}/validation-runs/trend")
async def validation_trend(
    asset_id: uuid.UUID,
    principal: ReadPrincipal,
    session: SessionDep,
    version: str | None = Query(None, max_length=64),
    since: Instant | None = None,
) -> Trend:
    """Pass rate per check (guarantee) over the most recent 500 runs since `since`."""
    runs, checks = await service.trend_for(
        session, principal, asset_id, version=version, since=since
    )
    return Trend(asset_id=asset_id, runs=runs, since=since, checks=checks)


@router.get("/{asset_id}/validation-runs/{run_id}")
async def get_validation_run(
    asset_id: uuid.UUID, run_id: uuid.UUID, principal: ReadPrincipal, session: SessionDep
) -> ValidationRun:
    """One run with every check result."""
    return ValidationRun.model_validate(await service.get(session, principal, asset_id, run_id))
