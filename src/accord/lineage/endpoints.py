"""HTTP: /api/v1/lineage/edges and /api/v1/assets/{asset_id}/lineage."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from accord.auth.dependencies import ReadPrincipal, WritePrincipal
from accord.deps import SessionDep
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    cursor_pattern,
    next_id_cursor,
    uuid_after,
)
from accord.lineage import service
from accord.lineage.schemas import (
    DEFAULT_DEPTH,
    MAX_DEPTH,
    Direction,
    Edge,
    EdgeCreate,
    LineagePage,
)
from accord.problems import STANDARD_ERRORS

ClosureCursorQuery = Annotated[
    str | None,
    Query(
        max_length=512,
        description="`next_cursor` of the previous page.",
        json_schema_extra={"pattern": cursor_pattern(service.CLOSURE_CURSOR_BYTES)},
    ),
]

router = APIRouter(prefix="/api/v1/lineage", tags=["lineage"], responses=STANDARD_ERRORS)
asset_router = APIRouter(prefix="/api/v1/assets", tags=["lineage"], responses=STANDARD_ERRORS)


@router.post("/edges", status_code=status.HTTP_201_CREATED)
async def create_edge(body: EdgeCreate, principal: WritePrincipal, session: SessionDep) -> Edge:
    """Declare that `downstream_asset_id` reads `upstream_asset_id` (the downstream
    asset's owner team or an admin). Both assets must be live in your workspace; an edge
    is unique per (upstream, downstream, kind): a duplicate is 409, a self-edge 422."""
    return Edge.model_validate(await service.create_edge(session, principal, body))


@router.get("/edges")
async def list_edges(
    principal: ReadPrincipal,
    session: SessionDep,
    asset_id: uuid.UUID | None = Query(None, description="Edges into or out of this asset."),
    kind: str | None = Query(None, max_length=32),
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[Edge]:
    """List lineage edges, oldest first, optionally those touching one asset."""
    rows = await service.list_edges(
        session,
        principal,
        asset_id=asset_id,
        kind=kind,
        after_id=uuid_after(cursor),
        limit=limit + 1,
    )
    return Page[Edge](
        items=[Edge.model_validate(e) for e in rows[:limit]],
        next_cursor=next_id_cursor(rows, limit),
    )


@router.delete("/edges/{edge_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_edge(
    edge_id: uuid.UUID, principal: WritePrincipal, session: SessionDep
) -> Response:
    """Remove an edge (the downstream asset's owner team or an admin); audited."""
    await service.delete_edge(session, principal, edge_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@asset_router.get("/{asset_id}/lineage")
async def get_lineage(
    asset_id: uuid.UUID,
    principal: ReadPrincipal,
    session: SessionDep,
    direction: Direction = Direction.downstream,
    depth: int = Query(DEFAULT_DEPTH, ge=1, le=MAX_DEPTH, description="Edges to follow."),
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: ClosureCursorQuery = None,
) -> LineagePage:
    """Every asset reachable from this one within `depth` edges, upstream (what it reads)
    or downstream (what reads it), each once at its shortest distance, with its owner
    team and registrations; ordered by distance, paged by cursor. Cycles are safe.
    Soft-deleted assets are not listed (paths through them still count)."""
    return await service.closure(
        session,
        principal,
        asset_id,
        direction=direction,
        depth=depth,
        cursor=cursor,
        limit=limit,
    )
