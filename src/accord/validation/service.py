"""Validation runs: reported results, history, and the per-check pass-rate trend."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.audit import service as audit
from accord.auth.principal import Principal
from accord.contract import service as contract_service
from accord.events import service as events
from accord.exceptions import NotFoundError, PermissionDeniedError
from accord.models import Asset, ValidationRun
from accord.registration import service as registration_service
from accord.telemetry.metrics_engine import data_check_reported
from accord.validation.repository import ValidationRunRepository
from accord.validation.schemas import CheckTrend, ValidationRunCreate

TREND_WINDOW = 500


async def _reporter(
    session: AsyncSession, principal: Principal, asset: Asset
) -> tuple[uuid.UUID | None, bool]:
    """Who may report a run on this asset: ``(reporter_team_id, consumer_reported)``.

    The owner team and admins (no team) report as before. A team with a live
    registration on the asset reads the data too and may report what it saw, marked as
    such. Anyone else would only be forging alarms to the asset's owner and consumers."""
    if principal.is_admin:
        return principal.team_id, False
    if principal.team_id == asset.owner_team_id:
        return principal.team_id, False
    if principal.team_id is not None:
        live = await registration_service.live_for_asset(session, asset.id)
        if any(reg.team_id == principal.team_id for reg in live):
            return principal.team_id, True
    raise PermissionDeniedError(
        "only the owner team, an admin or a team registered on the asset may report "
        "validation runs on it",
        code="not_owner_or_consumer",
    )


async def report(
    session: AsyncSession, principal: Principal, asset_id: uuid.UUID, data: ValidationRunCreate
) -> ValidationRun:
    asset = await asset_service.get(session, principal, asset_id)
    reporter_team_id, consumer_reported = await _reporter(session, principal, asset)
    if data.version is not None:
        await contract_service.get_version(session, asset.id, data.version)
    checks = [c.model_dump(mode="json", exclude_none=True) for c in data.checks]
    summary = {
        "checks": len(checks),
        "passed": sum(c["status"] == "pass" for c in checks),
        "failed": sum(c["status"] == "fail" for c in checks),
        "errors": sum(c["status"] == "error" for c in checks),
        "skipped": sum(c["status"] == "skipped" for c in checks),
        "blocking": sum(c.blocking for c in data.checks),
    }
    run = await ValidationRunRepository(session).add(
        ValidationRun(
            workspace_id=principal.workspace_id,
            asset_id=asset.id,
            version=data.version,
            status="passed" if data.passed else "failed",
            source=data.source,
            row_count=data.row_count,
            seconds=data.seconds,
            summary=summary,
            checks=checks,
            reported_by=principal.actor.id,
            pipeline=data.pipeline,
            reporter_team_id=reporter_team_id,
            consumer_reported=consumer_reported,
        )
    )
    data_check_reported(run.status, data.seconds)
    brief: dict[str, Any] = {
        "id": str(run.id),
        "status": run.status,
        "version": run.version,
        "source": run.source,
        "summary": summary,
        "reporter_team_id": str(reporter_team_id) if reporter_team_id else None,
        "consumer_reported": consumer_reported,
    }
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="validation_run.reported",
        entity_type="validation_run",
        entity_id=run.id,
        after=brief,
    )
    if run.status == "failed":
        failing = [
            {"id": c.id, "kind": c.kind, "status": c.status.value, "message": c.message}
            for c in data.checks
            if c.blocking
        ]
        await events.emit(
            session,
            workspace_id=principal.workspace_id,
            type="validation.failed",
            subject_type="validation_run",
            subject_id=run.id,
            data={
                "asset": asset_service.reference(asset),
                "run": brief,
                "failing_checks": failing[:50],
            },
            # A consumer's alarm goes to the owner, who decides whether the others
            # should hear of it; the owner's or an admin's goes to everyone concerned.
            teams=(
                [asset.owner_team_id]
                if consumer_reported
                else await asset_service.concerned_teams(session, asset)
            ),
        )
    return run


async def history(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    *,
    status: str | None,
    version: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: uuid.UUID | None,
    limit: int,
) -> Sequence[ValidationRun]:
    asset = await asset_service.get(session, principal, asset_id)
    return await ValidationRunRepository(session).page(
        asset.id,
        status=status,
        version=version,
        since=since,
        until=until,
        before_id=before_id,
        limit=limit,
    )


async def get(
    session: AsyncSession, principal: Principal, asset_id: uuid.UUID, run_id: uuid.UUID
) -> ValidationRun:
    asset = await asset_service.get(session, principal, asset_id)
    run = await ValidationRunRepository(session).get(asset.id, run_id)
    if run is None:
        raise NotFoundError.of("validation_run", run_id)
    return run


def trend(runs: Sequence[ValidationRun]) -> list[CheckTrend]:
    """Per check id, over the given runs (newest first): counts and pass rate."""
    acc: dict[str, dict[str, Any]] = {}
    for run in runs:
        for check in run.checks:
            entry = acc.setdefault(
                check["id"],
                {
                    "id": check["id"],
                    "kind": check.get("kind", ""),
                    "runs": 0,
                    "passed": 0,
                    "failed": 0,
                    "errored": 0,
                    "skipped": 0,
                    "last_status": check["status"],
                    "last_run_at": run.created_at,
                },
            )
            if check["status"] == "skipped":
                entry["skipped"] += 1
                continue
            entry["runs"] += 1
            key = {"pass": "passed", "fail": "failed"}.get(check["status"], "errored")
            entry[key] += 1
    return [
        CheckTrend(**{**e, "pass_rate": round(e["passed"] / e["runs"], 4) if e["runs"] else 0.0})
        for e in sorted(acc.values(), key=lambda e: e["id"])
    ]


async def trend_for(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    *,
    version: str | None,
    since: datetime | None,
) -> tuple[int, list[CheckTrend]]:
    runs = await history(
        session, principal, asset_id, status=None, version=version, since=since, until=None,
        before_id=None, limit=TREND_WINDOW,
    )  # fmt: skip
    return len(runs), trend(runs)
