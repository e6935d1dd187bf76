"""HTTP: /api/v1/assets."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from accord.asset import flows, service
from accord.asset.schemas import Asset, AssetCreate, AssetKind, AssetUpdate
from accord.auth.dependencies import AdminPrincipal, ReadPrincipal, WritePrincipal
from accord.deps import SessionDep
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    next_id_cursor,
    uuid_after,
)
from accord.problems import STANDARD_ERRORS

router = APIRouter(prefix="/api/v1/assets", tags=["assets"], responses=STANDARD_ERRORS)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_asset(body: AssetCreate, principal: WritePrincipal, session: SessionDep) -> Asset:
    """Declare an asset owned by a team (a team key: its own team only).
    The same `fqn` may exist once per `environment`."""
    return Asset.model_validate(await service.create(session, principal, body))


@router.get("")
async def list_assets(
    principal: ReadPrincipal,
    session: SessionDep,
    q: str | None = Query(None, max_length=200, description="Search fqn and description."),
    owner_team_id: uuid.UUID | None = None,
    environment: str | None = Query(None, max_length=32),
    tag: str | None = Query(None, max_length=64),
    kind: AssetKind | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[Asset]:
    """List live assets, oldest first, with filters."""
    rows = await service.list_assets(
        session,
        principal,
        q=q,
        owner_team_id=owner_team_id,
        environment=environment,
        tag=tag,
        kind=kind.value if kind else None,
        after_id=uuid_after(cursor),
        limit=limit + 1,
    )
    return Page[Asset](
        items=[Asset.model_validate(a) for a in rows[:limit]],
        next_cursor=next_id_cursor(rows, limit),
    )


@router.get("/{asset_id}")
async def get_asset(asset_id: uuid.UUID, principal: ReadPrincipal, session: SessionDep) -> Asset:
    """Get one live asset."""
    return Asset.model_validate(await service.get(session, principal, asset_id))


@router.patch("/{asset_id}")
async def update_asset(
    asset_id: uuid.UUID, body: AssetUpdate, principal: WritePrincipal, session: SessionDep
) -> Asset:
    """Edit an asset (owner team or admin). Loosening `compatibility` or `content_model`
    and transferring ownership need the admin scope; every change is audited."""
    return Asset.model_validate(await service.update(session, principal, asset_id, body))


@router.delete("/{asset_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_asset(
    asset_id: uuid.UUID,
    principal: WritePrincipal,
    session: SessionDep,
    reason: str | None = Query(
        None,
        max_length=1000,
        description="Why (admin): required to delete an asset other teams read or with an "
        "open proposal; it ends those registrations and proposals and tells every team.",
    ),
) -> Response:
    """Soft-delete an asset (owner team or admin): 404 afterwards, history kept. An asset
    with live registrations of other teams or an open proposal is 409 `asset_in_use`
    (naming them) for team keys; an admin may delete it with a `reason`."""
    await flows.delete(session, principal, asset_id, reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{asset_id}/restore")
async def restore_asset(
    asset_id: uuid.UUID, principal: AdminPrincipal, session: SessionDep
) -> Asset:
    """Bring a soft-deleted asset back (admin)."""
    return Asset.model_validate(await service.restore(session, principal, asset_id))
