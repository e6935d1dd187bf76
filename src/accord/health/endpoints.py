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


@router.get("/readyz", responses={503: {"description": "Database unreachable or not migrated"}})
async def readyz(state: StateDep) -> JSONResponse:
    """Ready to serve: the database answers and its schema is at the code's head."""
    try:
        await ping(state.engine, timeout_s=2.0)
        status = await schema_status(state.engine)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        return JSONResponse(
            {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}, 503
        )
    if not status.up_to_date:
        return JSONResponse(
            {"status": "unavailable", "database": "schema behind; run `accord db upgrade`"}, 503
        )
    return JSONResponse({"status": "ok", "database": "ok", "schema": list(status.head)})
