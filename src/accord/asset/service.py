"""Asset rules: owner teams manage their assets; loosening a policy is admin-only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset.policy import (
    Annotations,
    Compatibility,
    ContentModel,
    is_looser,
    is_looser_annotations,
    is_looser_content_model,
)
from accord.asset.repository import AssetRepository
from accord.asset.schemas import Asset as AssetOut
from accord.asset.schemas import AssetCreate, AssetUpdate
from accord.audit import service as audit
from accord.auth.principal import Principal
from accord.db import after_commit
from accord.events import service as events
from accord.exceptions import ConflictError, NotFoundError, PermissionDeniedError
from accord.kit import invalidation
from accord.kit.clock import utcnow
from accord.models import Asset, Workspace
from accord.team import service as team_service
from accord.workspace import service as workspace_service


def snapshot(asset: Asset) -> dict[str, Any]:
    return AssetOut.model_validate(asset).model_dump(mode="json")


async def get(session: AsyncSession, principal: Principal, asset_id: uuid.UUID) -> Asset:
    asset = await AssetRepository(session).get(principal.workspace_id, asset_id)
    if asset is None:
        raise NotFoundError.of("asset", asset_id)
    return asset


async def get_any(session: AsyncSession, workspace_id: uuid.UUID, asset_id: uuid.UUID) -> Asset:
    """The asset even if soft-deleted (for history and notifications)."""
    asset = await AssetRepository(session).get(workspace_id, asset_id, include_deleted=True)
    if asset is None:
        raise NotFoundError.of("asset", asset_id)
    return asset


async def get_many(
    session: AsyncSession, workspace_id: uuid.UUID, asset_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Asset]:
    """The workspace's assets by id (deleted ones too: history pages name them)."""
    rows = await AssetRepository(session).get_many(workspace_id, sorted(set(asset_ids)))
    return {a.id: a for a in rows}


async def lock_if_live(
    session: AsyncSession, principal: Principal, asset_id: uuid.UUID
) -> Asset | None:
    """Row-lock the asset if it is live (the first lock of the order asset → proposal →
    audit head, docs/architecture.md)."""
    return await AssetRepository(session).lock(principal.workspace_id, asset_id)


async def lock(session: AsyncSession, principal: Principal, asset_id: uuid.UUID) -> Asset:
    asset = await AssetRepository(session).lock(principal.workspace_id, asset_id)
    if asset is None:
        raise NotFoundError.of("asset", asset_id)
    return asset


async def find(session: AsyncSession, principal: Principal, fqn: str, environment: str) -> Asset:
    asset = await AssetRepository(session).get_live_by_fqn(principal.workspace_id, fqn, environment)
    if asset is None:
        raise NotFoundError(f"asset {fqn} ({environment}) not found", code="asset_not_found")
    return asset


def reference(asset: Asset) -> dict[str, Any]:
    """How events and payloads name an asset."""
    return {
        "id": str(asset.id),
        "fqn": asset.fqn,
        "environment": asset.environment,
        "owner_team_id": str(asset.owner_team_id),
    }


_CONSUMERS_KEY = "accord.asset.consumers"


async def concerned_teams(session: AsyncSession, asset: Asset) -> list[uuid.UUID]:
    """The owner and every registered consumer: who hears about this asset.

    Consumers are looked up once per asset and transaction (an import emits several
    events per asset); registration changes call `forget_consumers`."""
    from accord.registration import service as registration_service  # cycle-free at runtime

    cache: dict[uuid.UUID, list[uuid.UUID]] = session.info.setdefault(_CONSUMERS_KEY, {})
    if asset.id not in cache:
        regs = await registration_service.live_for_asset(session, asset.id)
        cache[asset.id] = [r.team_id for r in regs]
    return [asset.owner_team_id, *cache[asset.id]]


def remember_consumers(
    session: AsyncSession, asset_id: uuid.UUID, team_ids: list[uuid.UUID]
) -> None:
    """What `concerned_teams` would look up, read by a caller that already has the
    asset's live registrations in this transaction (a publish's plan)."""
    session.info.setdefault(_CONSUMERS_KEY, {})[asset_id] = list(team_ids)


def forget_consumers(session: AsyncSession, asset_id: uuid.UUID) -> None:
    session.info.get(_CONSUMERS_KEY, {}).pop(asset_id, None)


async def _notify(session: AsyncSession, asset: Asset, type: str, data: dict[str, Any]) -> None:
    await events.emit(
        session,
        workspace_id=asset.workspace_id,
        type=type,
        subject_type="asset",
        subject_id=asset.id,
        data={"asset": reference(asset), **data},
        teams=await concerned_teams(session, asset),
    )


def require_owner(principal: Principal, asset: Asset, action: str) -> None:
    if not principal.acts_for(asset.owner_team_id):
        raise PermissionDeniedError(
            f"only the owner team or an admin may {action} this asset", code="not_asset_owner"
        )


async def _require_team(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> None:
    if not await team_service.exists(session, principal.workspace_id, team_id):
        raise NotFoundError.of("team", team_id)


def _initial_policy(
    principal: Principal, workspace: Workspace, data: AssetCreate
) -> tuple[Compatibility, ContentModel, bool]:
    """The new asset's policy (the workspace's where not given) and whether it is looser
    than the workspace default, which only an admin may choose (invariant 2)."""
    default_policy = Compatibility(workspace.default_compatibility)
    default_model = ContentModel(workspace.default_content_model)
    policy = data.compatibility or default_policy
    model = data.content_model or default_model
    looser = is_looser(default_policy, policy) or is_looser_content_model(default_model, model)
    if looser and not principal.is_admin:
        raise PermissionDeniedError(
            f"the workspace default is {default_policy.value} / {default_model.value}; creating "
            f"an asset with a looser policy ({policy.value} / {model.value}) needs the admin scope",
            code="policy_loosening_requires_admin",
        )
    if is_looser_annotations(Annotations.assert_, data.annotations):
        looser = True
        if not principal.is_admin:
            raise PermissionDeniedError(
                "`annotations: annotate` (format and content changes never break) is looser "
                "than the default `assert` and needs the admin scope",
                code="policy_loosening_requires_admin",
            )
    return policy, model, looser


async def _require_name_free(
    repo: AssetRepository, workspace_id: uuid.UUID, fqn: str, environment: str
) -> None:
    """409 `asset_exists` naming the live asset that already has this FQN in any case:
    `Warehouse.Sales.Orders` and `warehouse.sales.orders` are one name."""
    existing = await repo.get_live_by_fqn(workspace_id, fqn, environment)
    if existing is None:
        return
    same = "" if existing.fqn == fqn else f" (FQNs are unique regardless of case; asked: {fqn})"
    raise ConflictError(
        f"asset {existing.fqn} already exists in environment {environment}{same}",
        code="asset_exists",
        extra={"existing_id": str(existing.id), "existing_fqn": existing.fqn},
    )


async def create(session: AsyncSession, principal: Principal, data: AssetCreate) -> Asset:
    if not principal.acts_for(data.owner_team_id):
        raise PermissionDeniedError("a team key can only create assets its own team owns")
    workspace = await workspace_service.get(session, principal.workspace_id)
    policy, model, looser = _initial_policy(principal, workspace, data)
    await _require_team(session, principal, data.owner_team_id)
    repo = AssetRepository(session)
    await _require_name_free(repo, principal.workspace_id, data.fqn, data.environment)
    asset = await repo.add(
        Asset(
            workspace_id=principal.workspace_id,
            fqn=data.fqn,
            environment=data.environment,
            kind=data.kind.value,
            owner_team_id=data.owner_team_id,
            compatibility=policy.value,
            content_model=model.value,
            dialect=data.dialect.value if data.dialect else None,
            annotations=data.annotations.value,
            description=data.description,
            tags=data.tags,
            metadata_=data.metadata,
        )
    )
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="asset.created",
        entity_type="asset",
        entity_id=asset.id,
        after={**snapshot(asset), "looser_than_workspace_default": looser},
    )
    await _notify(session, asset, "asset.created", {"snapshot": snapshot(asset)})
    return asset


async def list_assets(
    session: AsyncSession,
    principal: Principal,
    *,
    q: str | None,
    owner_team_id: uuid.UUID | None,
    environment: str | None,
    tag: str | None,
    kind: str | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> Sequence[Asset]:
    return await AssetRepository(session).list(
        principal.workspace_id,
        q=q,
        owner_team_id=owner_team_id,
        environment=environment,
        tag=tag,
        kind=kind,
        after_id=after_id,
        limit=limit,
    )


def _check_policy_change(principal: Principal, asset: Asset, data: AssetUpdate) -> bool:
    """True when the update loosens the asset's protection (then admin-only)."""
    looser = False
    if data.compatibility is not None:
        looser |= is_looser(Compatibility(asset.compatibility), data.compatibility)
    if data.content_model is not None:
        looser |= is_looser_content_model(ContentModel(asset.content_model), data.content_model)
    if data.annotations is not None:
        looser |= is_looser_annotations(Annotations(asset.annotations), data.annotations)
    if looser and not principal.is_admin:
        raise PermissionDeniedError(
            "loosening an asset's compatibility policy, content model or annotations needs "
            "the admin scope",
            code="policy_loosening_requires_admin",
        )
    return looser


async def update(
    session: AsyncSession, principal: Principal, asset_id: uuid.UUID, data: AssetUpdate
) -> Asset:
    asset = await lock(session, principal, asset_id)
    require_owner(principal, asset, "change")
    looser = _check_policy_change(principal, asset, data)
    if data.owner_team_id is not None and data.owner_team_id != asset.owner_team_id:
        if not principal.is_admin:
            raise PermissionDeniedError("transferring an asset needs the admin scope")
        await _require_team(session, principal, data.owner_team_id)
    before = snapshot(asset)
    fields = data.model_dump(exclude_unset=True, exclude_none=True)
    if "dialect" in data.model_fields_set:  # null clears it: back to inference
        fields["dialect"] = data.dialect
    for name, value in fields.items():
        column = "metadata_" if name == "metadata" else name
        setattr(asset, column, value.value if hasattr(value, "value") else value)
    await AssetRepository(session).flush()
    after = snapshot(asset)
    if after != before:
        await audit.record(
            session,
            workspace_id=principal.workspace_id,
            actor=principal.actor,
            action="asset.policy_loosened" if looser else "asset.updated",
            entity_type="asset",
            entity_id=asset.id,
            before=before,
            after=after,
        )
        await _notify(session, asset, "asset.updated", {"before": before, "after": after})
    return asset


async def delete(
    session: AsyncSession,
    principal: Principal,
    asset: Asset,
    *,
    teams: list[uuid.UUID],
    details: dict[str, Any],
) -> None:
    """Soft delete (the caller holds the lock and checked the rules: `asset.flows.delete`):
    404 afterwards; versions, proposals and audit history are kept. ``teams`` are told."""
    before = snapshot(asset)
    asset.deleted_at = utcnow()
    await AssetRepository(session).flush()
    # What caches hold about its versions is stale once this commits (contract/bodies.py).
    after_commit(session, "assets_changed", lambda: invalidation.announce("assets"))
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="asset.deleted",
        entity_type="asset",
        entity_id=asset.id,
        before=before,
        after=details,
    )
    await events.emit(
        session,
        workspace_id=asset.workspace_id,
        type="asset.deleted",
        subject_type="asset",
        subject_id=asset.id,
        data={"asset": reference(asset), **details},
        teams=teams,
    )


async def restore(session: AsyncSession, principal: Principal, asset_id: uuid.UUID) -> Asset:
    repo = AssetRepository(session)
    asset = await repo.get(principal.workspace_id, asset_id, include_deleted=True)
    if asset is None or asset.deleted_at is None:
        raise NotFoundError(f"no deleted asset {asset_id}", code="asset_not_found")
    await _require_name_free(repo, principal.workspace_id, asset.fqn, asset.environment)
    asset.deleted_at = None
    await repo.flush()
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="asset.restored",
        entity_type="asset",
        entity_id=asset.id,
        after=snapshot(asset),
    )
    await _notify(session, asset, "asset.restored", {})
    return asset
