"""Liveness and readiness probes: public on purpose, no credentials needed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from accord.db import ping
from accord.deps import StateDep
from accord.migrate import schema_status

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "Database unreachable or not migrated, or worker down"}},
)
async def readyz(state: StateDep) -> JSONResponse:
    """Ready to serve: the database answers, its schema is one the code runs on (its head,
    or ahead by additive migrations: docs/operations-upgrades.md), and the
    in-process worker (if this process runs one) is alive: its loop came round recently
    and it has not stopped."""
    try:
        await ping(state.engine, timeout_s=2.0)
        status = await schema_status(state.engine)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        return JSONResponse(
            {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}, 503
        )
    if not status.compatible:
        return JSONResponse({"status": "unavailable", "database": status.message}, 503)
    body: dict[str, object] = {"status": "ok", "database": "ok", "schema": list(status.current)}
    if not status.up_to_date:  # ahead by additive migrations: a rolling upgrade is under way
        body["schema_note"] = status.message
    worker = state.worker
    if worker is not None:  # the in-process worker's heartbeat
        body["worker"] = worker.health.snapshot(worker.stale_after_s)
        if not worker.health.alive(worker.stale_after_s):
            body["status"] = "unavailable"
            return JSONResponse(body, 503)
    return JSONResponse(body)
