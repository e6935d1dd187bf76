"""All SQL for lineage: edges, and the transitive closure in one recursive query.

The closure is a recursive CTE over `lineage_edges`: `UNION` (not `UNION ALL`) drops
repeated (asset, depth) pairs and the depth bound ends every walk, so cycles terminate;
`MIN(depth)` then reports each asset once at its shortest distance. The same statement
runs on SQLite and PostgreSQL (see docs/adr/0040-lineage-closure.md). Closure rows are
joined to assets, teams and registrations here because they are one read model: the
blast radius of a change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    CTE,
    ColumnElement,
    Subquery,
    and_,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from accord.kit.dialects import on_postgresql
from accord.models import Asset, LineageEdge, Registration, Team
from accord.models.base import INT32_MAX


@dataclass(frozen=True)
class Reached:
    asset_id: uuid.UUID
    fqn: str
    environment: str
    kind: str
    distance: int
    owner_team_id: uuid.UUID
    owner_team_name: str


@dataclass(frozen=True)
class ClosurePage:
    rows: list[Reached]
    total: int


@dataclass(frozen=True)
class Consumer:
    id: uuid.UUID
    asset_id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    fields: list[str] | None


class LineageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, workspace_id: uuid.UUID, edge_id: uuid.UUID) -> LineageEdge | None:
        stmt = select(LineageEdge).where(
            LineageEdge.workspace_id == workspace_id, LineageEdge.id == edge_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(
        self, upstream_id: uuid.UUID, downstream_id: uuid.UUID, kind: str
    ) -> LineageEdge | None:
        stmt = select(LineageEdge).where(
            LineageEdge.upstream_asset_id == upstream_id,
            LineageEdge.downstream_asset_id == downstream_id,
            LineageEdge.kind == kind,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def into(
        self, workspace_id: uuid.UUID, downstream_ids: Iterable[uuid.UUID]
    ) -> Sequence[LineageEdge]:
        """Every edge whose downstream end is one of `downstream_ids`."""
        ids = list(downstream_ids)
        found: list[LineageEdge] = []
        for start in range(0, len(ids), 500):  # keep IN lists well under driver limits
            stmt = select(LineageEdge).where(
                LineageEdge.workspace_id == workspace_id,
                LineageEdge.downstream_asset_id.in_(ids[start : start + 500]),
            )
            found += (await self.session.execute(stmt)).scalars().all()
        return found

    async def edges_among(
        self, workspace_id: uuid.UUID, asset_ids: Sequence[uuid.UUID]
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(upstream, downstream) of every edge with both ends among `asset_ids` (a
        drawing's nodes: a few dozen), one query, duplicates of other kinds folded."""
        if not asset_ids:
            return []
        stmt = (
            select(LineageEdge.upstream_asset_id, LineageEdge.downstream_asset_id)
            .where(
                LineageEdge.workspace_id == workspace_id,
                LineageEdge.upstream_asset_id.in_(asset_ids),
                LineageEdge.downstream_asset_id.in_(asset_ids),
            )
            .distinct()
        )
        return [(u, d) for u, d in (await self.session.execute(stmt)).all()]

    async def page(
        self,
        workspace_id: uuid.UUID,
        *,
        asset_id: uuid.UUID | None,
        kind: str | None,
        after_id: uuid.UUID | None,
        limit: int,
    ) -> Sequence[LineageEdge]:
        stmt = select(LineageEdge).where(LineageEdge.workspace_id == workspace_id)
        if asset_id is not None:
            stmt = stmt.where(
                or_(
                    LineageEdge.upstream_asset_id == asset_id,
                    LineageEdge.downstream_asset_id == asset_id,
                )
            )
        if kind is not None:
            stmt = stmt.where(LineageEdge.kind == kind)
        if after_id is not None:
            stmt = stmt.where(LineageEdge.id > after_id)
        stmt = stmt.order_by(LineageEdge.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def add(self, edge: LineageEdge) -> LineageEdge:
        self.session.add(edge)
        await self.session.flush()
        return edge

    async def add_all(self, edges: Sequence[LineageEdge]) -> None:
        self.session.add_all(edges)
        await self.session.flush()

    async def delete(self, edge: LineageEdge) -> None:
        await self.session.execute(delete(LineageEdge).where(LineageEdge.id == edge.id))

    async def closure(
        self,
        workspace_id: uuid.UUID,
        start_id: uuid.UUID,
        *,
        downstream: bool,
        depth: int,
        after: tuple[int, uuid.UUID] | None,
        limit: int,
    ) -> ClosurePage:
        """One page of the assets reachable from `start_id` within `depth` edges,
        ordered by (distance, asset id), and how many there are in all."""
        e = LineageEdge.__table__.c
        walk_from, walk_to = (
            (e.upstream_asset_id, e.downstream_asset_id)
            if downstream
            else (e.downstream_asset_id, e.upstream_asset_id)
        )
        # No workspace filter inside the walk: an edge only ever joins two assets of one
        # workspace (checked when it is made), and a `workspace_id` predicate here lets
        # SQLite's planner pick the workspace index and scan every edge at every step.
        # The final join to assets re-checks the workspace.
        seed = select(walk_to.label("asset_id"), literal(1).label("depth")).where(
            walk_from == start_id
        )
        reach = seed.cte("reach", recursive=True)
        step = (
            select(walk_to, reach.c.depth + 1)
            .join_from(reach, LineageEdge.__table__, walk_from == reach.c.asset_id)
            .where(reach.c.depth < depth)
        )
        reach = reach.union(step)
        closure = (
            select(reach.c.asset_id, func.min(reach.c.depth).label("distance"))
            .where(reach.c.asset_id != start_id)
            .group_by(reach.c.asset_id)
            .cte("closure")
        )
        described = _described_lateral if on_postgresql(self.session) else _described
        ranked = described(closure, workspace_id)
        stmt = select(ranked)
        if after is not None:
            stmt = stmt.where(_after(ranked.c.distance, ranked.c.asset_id, after))
        stmt = stmt.order_by(ranked.c.distance, ranked.c.asset_id).limit(limit)
        if on_postgresql(self.session):
            # A recursive CTE's row estimate is huge (x10 per level), which triggers JIT
            # compilation costing several times the query itself. No OLTP statement later
            # in the transaction benefits from JIT either.
            await self.session.execute(text("SET LOCAL jit = off"))
        result = (await self.session.execute(stmt)).all()
        rows = [
            Reached(
                r.asset_id,
                r.fqn,
                r.environment,
                r.kind,
                r.distance,
                r.owner_team_id,
                r.owner_team_name,
            )
            for r in result
        ]
        total = int(result[0].total) if result else 0
        if not result and after is not None:
            total = await self._count(ranked)
        return ClosurePage(rows, total)

    async def _count(self, ranked: Subquery) -> int:
        # A cursor past the last row still reports the closure's size.
        stmt = select(func.count()).select_from(ranked)
        return int((await self.session.execute(stmt)).scalar_one())

    async def consumers(self, asset_ids: Sequence[uuid.UUID]) -> list[Consumer]:
        """Live registrations on the given assets, with their team names."""
        found: list[Consumer] = []
        for start in range(0, len(asset_ids), 500):
            stmt = (
                select(
                    Registration.id,
                    Registration.asset_id,
                    Registration.team_id,
                    Team.name,
                    Registration.fields,
                )
                .join(Team, Team.id == Registration.team_id)
                .where(
                    Registration.asset_id.in_(asset_ids[start : start + 500]),
                    Registration.deleted_at.is_(None),
                )
                .order_by(Registration.id)
            )
            found += [Consumer(*r) for r in (await self.session.execute(stmt)).all()]
        return found


def _described(closure: CTE, workspace_id: uuid.UUID) -> Subquery:
    """The closure's live assets of the workspace with their owners, each row counting
    all of them (`total`)."""
    return (
        select(
            closure.c.asset_id,
            closure.c.distance,
            Asset.fqn,
            Asset.environment,
            Asset.kind,
            Asset.owner_team_id,
            Team.name.label("owner_team_name"),
            func.count().over().label("total"),
        )
        .join_from(closure, Asset, Asset.id == closure.c.asset_id)
        .join(Team, Team.id == Asset.owner_team_id)
        .where(Asset.workspace_id == workspace_id, Asset.deleted_at.is_(None))
        .subquery()
    )


def _described_lateral(closure: CTE, workspace_id: uuid.UUID) -> Subquery:
    """`_described` for PostgreSQL: one primary-key probe of assets (and of teams) per
    reached asset, so the cost follows the closure, not the workspace. As a plain join,
    the planner's fixed guess for a recursive CTE (~130 rows whatever the start and
    depth) made it hash the whole assets table: a sequential scan of every asset for a
    closure of 9 (issue 21, bench/scale.py). A LATERAL subquery with OFFSET 0 is not
    flattened into a join, so it stays a loop over the closure's rows."""
    owner_name = select(Team.name).where(Team.id == Asset.owner_team_id).scalar_subquery()
    asset = (
        select(
            Asset.fqn,
            Asset.environment,
            Asset.kind,
            Asset.owner_team_id,
            owner_name.label("owner_team_name"),
        )
        .where(
            Asset.id == closure.c.asset_id,
            Asset.workspace_id == workspace_id,
            Asset.deleted_at.is_(None),
        )
        .offset(0)
        .lateral("asset")
    )
    return (
        select(
            closure.c.asset_id,
            closure.c.distance,
            asset.c.fqn,
            asset.c.environment,
            asset.c.kind,
            asset.c.owner_team_id,
            asset.c.owner_team_name,
            func.count().over().label("total"),
        )
        .join_from(closure, asset, true())
        .subquery()
    )


def _after(
    distance: ColumnElement[int], asset_id: ColumnElement[uuid.UUID], cursor: tuple[int, uuid.UUID]
) -> ColumnElement[bool]:
    # A cursor's distance is 4 bytes; the walk's depths are 32-bit INTEGERs, and no walk
    # reaches the largest of them, so a farther position is that one (past every row).
    after = min(cursor[0], INT32_MAX)
    return or_(distance > after, and_(distance == after, asset_id > cursor[1]))
