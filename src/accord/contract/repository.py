"""All SQL for contract versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, Text, bindparam, cast, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, make_transient_to_detached

from accord.models import Asset, ContractVersion
from accord.models.base import INT32_MAX, row_values

_T = TypeVar("_T")

# Built once: the publish path runs it on every request (issue 21); parameters by name.
_LATEST = (
    select(ContractVersion)
    .where(ContractVersion.asset_id == bindparam("asset_id"))
    .order_by(ContractVersion.seq.desc())
    .limit(1)
)
_LATEST_STABLE = _LATEST.where(ContractVersion.prerelease.is_(None))
_INSERT = insert(ContractVersion.__table__)  # type: ignore[arg-type]


class ContractVersionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all_for_asset(self, asset_id: uuid.UUID) -> Sequence[ContractVersion]:
        stmt = (
            select(ContractVersion)
            .where(ContractVersion.asset_id == asset_id)
            .order_by(ContractVersion.seq)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def history_texts(
        self, asset_id: uuid.UUID
    ) -> Sequence[tuple[str, str, str, str, list[dict[str, Any]] | None]]:
        """Every version in publish order as (version, format, content hash, schema as JSON
        text, references): what a transitive check sends to the engine. The text is not
        decoded here: an engine process that keeps the version parsed never needs it."""
        stmt = (
            select(
                ContractVersion.version,
                ContractVersion.format,
                ContractVersion.content_hash,
                cast(ContractVersion.schema_, Text),
                ContractVersion.references,
            )
            .where(ContractVersion.asset_id == asset_id)
            .order_by(ContractVersion.seq)
        )
        rows = (await self.session.execute(stmt)).all()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def latest(self, asset_id: uuid.UUID, *, stable: bool) -> ContractVersion | None:
        """Numbers only ever increase, so publish order (seq) is semver order."""
        stmt = _LATEST_STABLE if stable else _LATEST
        return (await self.session.execute(stmt, {"asset_id": asset_id})).scalar_one_or_none()

    async def page(
        self, asset_id: uuid.UUID, *, after_seq: int | None, limit: int
    ) -> Sequence[ContractVersion]:
        stmt = select(ContractVersion).where(ContractVersion.asset_id == asset_id)
        if after_seq is not None:
            stmt = stmt.where(ContractVersion.seq > min(after_seq, INT32_MAX))
        stmt = stmt.order_by(ContractVersion.seq).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def summaries(
        self, asset_id: uuid.UUID, *, after_seq: int | None, limit: int
    ) -> Sequence[ContractVersion]:
        """Like `page`, without loading the documents (schema, guarantees, references):
        a timeline of hundreds of versions reads a few bytes each. Those attributes must
        not be read from the rows returned (they are not loaded)."""
        stmt = (
            select(ContractVersion)
            .options(
                defer(ContractVersion.schema_, raiseload=True),
                defer(ContractVersion.guarantees, raiseload=True),
                defer(ContractVersion.references, raiseload=True),
            )
            .where(ContractVersion.asset_id == asset_id)
        )
        if after_seq is not None:
            stmt = stmt.where(ContractVersion.seq > min(after_seq, INT32_MAX))
        stmt = stmt.order_by(ContractVersion.seq).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def by_version(self, asset_id: uuid.UUID, version: str) -> ContractVersion | None:
        stmt = select(ContractVersion).where(
            ContractVersion.asset_id == asset_id, ContractVersion.version == version
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_live_asset(
        self, workspace_id: uuid.UUID, asset_id: uuid.UUID, version: str
    ) -> ContractVersion | None:
        """One query for the hot read path: the version, if its asset is live and ours."""
        stmt = _on_live_asset(select(ContractVersion), workspace_id, asset_id, version)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def live_version_id(
        self, workspace_id: uuid.UUID, asset_id: uuid.UUID, version: str
    ) -> uuid.UUID | None:
        """`of_live_asset` without loading the version: its id only (contract.bodies)."""
        stmt = _on_live_asset(select(ContractVersion.id), workspace_id, asset_id, version)
        found: uuid.UUID | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return found

    async def get(self, version_id: uuid.UUID) -> ContractVersion | None:
        return await self.session.get(ContractVersion, version_id)

    async def insert(self, version: ContractVersion) -> ContractVersion:
        """Write the version now, in one Core INSERT: through the unit of work, it and the
        outbox event cost a publish twice as much (issue 21). It then joins the session as
        a persistent, unchanged row. Every column must be set by the caller: an attribute
        left unset would be expired, as on a row loaded without it."""
        await self.session.execute(_INSERT, row_values(version))
        make_transient_to_detached(version)
        self.session.add(version)
        return version

    async def version_numbers(self, version_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The version number of each of these ids that exists, in one query (no row is
        loaded: a proposal list names two versions per row)."""
        if not version_ids:
            return {}
        stmt = select(ContractVersion.id, ContractVersion.version).where(
            ContractVersion.id.in_(set(version_ids))
        )
        return {row.id: row.version for row in await self.session.execute(stmt)}


def _on_live_asset(
    stmt: Select[_T], workspace_id: uuid.UUID, asset_id: uuid.UUID, version: str
) -> Select[_T]:
    """``stmt`` narrowed to ``version`` of the asset, if the asset is live and ours."""
    return stmt.join(Asset, Asset.id == ContractVersion.asset_id).where(
        Asset.id == asset_id,
        Asset.workspace_id == workspace_id,
        Asset.deleted_at.is_(None),
        ContractVersion.version == version,
    )
