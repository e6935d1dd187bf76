"""Lineage rules: the downstream asset's owner declares what it reads; closures and the
downstream part of an impact are one recursive query each (see the repository)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.audit import service as audit
from accord.auth.principal import Principal
from accord.exceptions import ConflictError, NotFoundError, ValidationFailedError
from accord.kit.clock import utcnow
from accord.kit.ids import uuid7
from accord.kit.pagination import InvalidCursorError, pack_cursor, unpack_cursor
from accord.lineage.repository import ClosurePage, LineageRepository
from accord.lineage.repository import Reached as Reached
from accord.lineage.schemas import (
    Direction,
    DownstreamImpact,
    Edge,
    EdgeCreate,
    LineagePage,
    ReachedAsset,
    RegistrationRef,
    TeamRef,
)
from accord.models import Asset, LineageEdge

# Proposals record their blast radius this deep and this wide; the lineage endpoint
# pages through anything larger.
IMPACT_DEPTH = 10
IMPACT_CAP = 1000


def _snapshot(edge: LineageEdge) -> dict[str, Any]:
    return Edge.model_validate(edge).model_dump(mode="json")


async def _record(
    session: AsyncSession, principal: Principal, edge: LineageEdge, action: str
) -> None:
    snap = _snapshot(edge)
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action=action,
        entity_type="lineage_edge",
        entity_id=edge.id,
        before=snap if action.endswith("deleted") else None,
        after=None if action.endswith("deleted") else snap,
    )


def _new_edge(
    principal: Principal, upstream_id: uuid.UUID, downstream_id: uuid.UUID, kind: str, source: str
) -> LineageEdge:
    return LineageEdge(
        id=uuid7(),
        workspace_id=principal.workspace_id,
        upstream_asset_id=upstream_id,
        downstream_asset_id=downstream_id,
        kind=kind,
        source=source,
        created_by=principal.actor.id,
        created_at=utcnow(),
    )


async def create_edge(session: AsyncSession, principal: Principal, data: EdgeCreate) -> LineageEdge:
    if data.upstream_asset_id == data.downstream_asset_id:
        raise ValidationFailedError("an asset cannot read itself", code="lineage_self_edge")
    upstream = await asset_service.get(session, principal, data.upstream_asset_id)
    downstream = await asset_service.get(session, principal, data.downstream_asset_id)
    asset_service.require_owner(principal, downstream, "declare the lineage of")
    existing = await LineageRepository(session).find(upstream.id, downstream.id, data.kind)
    if existing is not None:
        raise ConflictError(
            f"edge {existing.id} already links these assets with kind {data.kind!r}",
            code="lineage_edge_exists",
            extra={"edge_id": str(existing.id)},
        )
    edge = await LineageRepository(session).add(
        _new_edge(principal, upstream.id, downstream.id, data.kind, "api")
    )
    await _record(session, principal, edge, "lineage_edge.created")
    return edge


async def list_edges(
    session: AsyncSession,
    principal: Principal,
    *,
    asset_id: uuid.UUID | None,
    kind: str | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> Sequence[LineageEdge]:
    return await LineageRepository(session).page(
        principal.workspace_id, asset_id=asset_id, kind=kind, after_id=after_id, limit=limit
    )


async def delete_edge(session: AsyncSession, principal: Principal, edge_id: uuid.UUID) -> None:
    repo = LineageRepository(session)
    edge = await repo.get(principal.workspace_id, edge_id)
    if edge is None:
        raise NotFoundError.of("lineage_edge", edge_id)
    if not principal.is_admin:
        downstream = await asset_service.get(session, principal, edge.downstream_asset_id)
        asset_service.require_owner(principal, downstream, "change the lineage of")
    await repo.delete(edge)
    await _record(session, principal, edge, "lineage_edge.deleted")


# A closure cursor: the distance (4 bytes, big-endian) then the asset id (16 bytes).
CLOSURE_CURSOR_BYTES = 20


def closure_cursor(distance: int, asset_id: uuid.UUID) -> str:
    return pack_cursor(distance.to_bytes(4, "big") + asset_id.bytes)


def _cursor_after(cursor: str | None) -> tuple[int, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        raw = unpack_cursor(cursor, CLOSURE_CURSOR_BYTES)
    except InvalidCursorError as exc:
        raise ValidationFailedError("cursor is not valid", code="invalid_cursor") from exc
    return int.from_bytes(raw[:4], "big"), uuid.UUID(bytes=raw[4:])


async def _reached(session: AsyncSession, page: ClosurePage) -> list[ReachedAsset]:
    consumers = await LineageRepository(session).consumers([r.asset_id for r in page.rows])
    by_asset: dict[uuid.UUID, list[RegistrationRef]] = {}
    for c in consumers:
        by_asset.setdefault(c.asset_id, []).append(
            RegistrationRef(id=c.id, team=TeamRef(id=c.team_id, name=c.team_name), fields=c.fields)
        )
    return [
        ReachedAsset(
            asset_id=r.asset_id,
            fqn=r.fqn,
            environment=r.environment,
            kind=r.kind,
            distance=r.distance,
            owner_team=TeamRef(id=r.owner_team_id, name=r.owner_team_name),
            registrations=by_asset.get(r.asset_id, []),
        )
        for r in page.rows
    ]


async def closure(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    *,
    direction: Direction,
    depth: int,
    cursor: str | None,
    limit: int,
) -> LineagePage:
    asset = await asset_service.get(session, principal, asset_id)
    page = await LineageRepository(session).closure(
        principal.workspace_id,
        asset.id,
        downstream=direction is Direction.downstream,
        depth=depth,
        after=_cursor_after(cursor),
        limit=limit + 1,
    )
    more = len(page.rows) > limit
    rows = ClosurePage(page.rows[:limit], page.total)
    last = rows.rows[-1] if rows.rows else None
    return LineagePage(
        asset_id=asset.id,
        direction=direction,
        depth=depth,
        total=page.total,
        items=await _reached(session, rows),
        next_cursor=closure_cursor(last.distance, last.asset_id) if more and last else None,
    )


@dataclass(frozen=True)
class Neighbourhood:
    """An asset's upstream and downstream within a depth (nearest first, at most `limit`
    each, with their totals) and the edges among the assets listed: what a drawing needs."""

    upstream: list[Reached]
    downstream: list[Reached]
    up_total: int
    down_total: int
    edges: list[tuple[uuid.UUID, uuid.UUID]]


async def neighbourhood(
    session: AsyncSession, workspace_id: uuid.UUID, asset_id: uuid.UUID, *, depth: int, limit: int
) -> Neighbourhood:
    """Three queries whatever the graph (two closures, one edge read); for an asset the
    caller already read (its workspace is checked), consumers not loaded."""
    repo = LineageRepository(session)
    up = await repo.closure(
        workspace_id, asset_id, downstream=False, depth=depth, after=None, limit=limit
    )
    down = await repo.closure(
        workspace_id, asset_id, downstream=True, depth=depth, after=None, limit=limit
    )
    ids = [asset_id, *(r.asset_id for r in up.rows), *(r.asset_id for r in down.rows)]
    edges = await repo.edges_among(workspace_id, ids)
    return Neighbourhood(up.rows, down.rows, up.total, down.total, edges)


async def downstream_impact(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    asset_id: uuid.UUID,
    *,
    depth: int = IMPACT_DEPTH,
    cap: int = IMPACT_CAP,
) -> DownstreamImpact:
    """Every asset downstream of `asset_id` within `depth` (at most `cap` listed), with
    owners and consumers, and the teams to tell about a breaking change to it."""
    page = await LineageRepository(session).closure(
        workspace_id, asset_id, downstream=True, depth=depth, after=None, limit=cap
    )
    assets = await _reached(session, page)
    teams = {a.owner_team.id for a in assets} | {r.team.id for a in assets for r in a.registrations}
    return DownstreamImpact(
        depth=depth,
        total=page.total,
        truncated=page.total > len(assets),
        assets=assets,
        notify_team_ids=sorted(teams),
    )


@dataclass
class EdgeSync:
    created: list[LineageEdge] = field(default_factory=list)
    deleted: list[LineageEdge] = field(default_factory=list)
    unchanged: list[LineageEdge] = field(default_factory=list)


async def sync_edges(
    session: AsyncSession,
    principal: Principal,
    desired: Mapping[uuid.UUID, set[uuid.UUID]],
    assets: Mapping[uuid.UUID, Asset],
    *,
    kind: str,
    source: str,
) -> EdgeSync:
    """Make the `source`-maintained edges of `kind` into each downstream asset of
    `desired` ({downstream id: upstream ids}) exactly those given; edges declared by
    anyone else are left alone. The caller must own every downstream asset."""
    for downstream_id in desired:
        asset_service.require_owner(principal, assets[downstream_id], "change the lineage of")
    repo = LineageRepository(session)
    result = EdgeSync()
    existing: dict[tuple[uuid.UUID, uuid.UUID], LineageEdge] = {}
    for edge in await repo.into(principal.workspace_id, desired):
        if edge.kind == kind:
            existing[(edge.upstream_asset_id, edge.downstream_asset_id)] = edge
    for downstream_id, upstream_ids in desired.items():
        for upstream_id in sorted(upstream_ids):
            found = existing.pop((upstream_id, downstream_id), None)
            if found is not None:
                result.unchanged.append(found)
                continue
            result.created.append(_new_edge(principal, upstream_id, downstream_id, kind, source))
    await repo.add_all(result.created)  # one batched INSERT
    for edge in result.created:
        await _record(session, principal, edge, "lineage_edge.created")
    for edge in existing.values():
        if edge.source == source:
            await repo.delete(edge)
            await _record(session, principal, edge, "lineage_edge.deleted")
            result.deleted.append(edge)
    return result
