"""Registration rules: a team registers itself (admins any team), once per asset."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.audit import service as audit
from accord.auth.principal import Principal
from accord.contract import service as contract_service
from accord.events import service as events
from accord.exceptions import ConflictError, NotFoundError, PermissionDeniedError
from accord.kit.clock import utcnow
from accord.models import Asset, Registration
from accord.registration.repository import RegistrationRepository
from accord.registration.schemas import Registration as RegistrationOut
from accord.registration.schemas import RegistrationCreate
from accord.team import service as team_service


def _snapshot(reg: Registration) -> dict[str, Any]:
    return RegistrationOut.model_validate(reg).model_dump(mode="json")


async def _notify(
    session: AsyncSession, asset: Asset, reg: Registration, type: str, reason: str | None = None
) -> None:
    asset_service.forget_consumers(session, asset.id)
    data: dict[str, Any] = {"asset": asset_service.reference(asset), "registration": _snapshot(reg)}
    if reason is not None:
        data["reason"] = reason
    await events.emit(
        session,
        workspace_id=reg.workspace_id,
        type=type,
        subject_type="registration",
        subject_id=reg.id,
        data=data,
        teams=[asset.owner_team_id, reg.team_id],
    )


async def create(
    session: AsyncSession, principal: Principal, data: RegistrationCreate
) -> Registration:
    if not principal.acts_for(data.team_id):
        raise PermissionDeniedError("a team registers only itself (admins may register any team)")
    asset = await asset_service.get(session, principal, data.asset_id)
    # Held, not just read: a registration must not outlive a team deleted meanwhile.
    if not await team_service.hold_live(session, principal.workspace_id, data.team_id):
        raise NotFoundError.of("team", data.team_id)
    if data.fields:
        contract_service.require_known_fields(
            await contract_service.field_catalog(session, asset.id), data.fields, "fields"
        )
    repo = RegistrationRepository(session)
    existing = await repo.live_for(asset.id, data.team_id)
    if existing is not None:
        raise ConflictError(
            f"team {data.team_id} is already registered on asset {asset.id} "
            f"(registration {existing.id})",
            code="registration_exists",
            extra={"registration_id": str(existing.id)},
        )
    reg = await repo.add(
        Registration(
            workspace_id=principal.workspace_id,
            asset_id=asset.id,
            team_id=data.team_id,
            fields=data.fields,
            version_range=data.version_range,
            note=data.note,
        )
    )
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="registration.created",
        entity_type="registration",
        entity_id=reg.id,
        after=_snapshot(reg),
    )
    await _notify(session, asset, reg, "registration.created")
    return reg


async def list_registrations(
    session: AsyncSession,
    principal: Principal,
    *,
    asset_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> Sequence[Registration]:
    return await RegistrationRepository(session).list(
        principal.workspace_id, asset_id=asset_id, team_id=team_id, after_id=after_id, limit=limit
    )


async def live_for_asset(session: AsyncSession, asset_id: uuid.UUID) -> Sequence[Registration]:
    return await RegistrationRepository(session).live_for_asset(asset_id)


async def lock_live_for_team(
    session: AsyncSession, workspace_id: uuid.UUID, team_id: uuid.UUID
) -> Sequence[Registration]:
    """The team's live registrations, locked (`team.flows.delete` ends them)."""
    return await RegistrationRepository(session).lock_live_for_team(workspace_id, team_id)


async def delete(session: AsyncSession, principal: Principal, reg_id: uuid.UUID) -> None:
    reg = await RegistrationRepository(session).lock(principal.workspace_id, reg_id)
    if reg is None:
        raise NotFoundError.of("registration", reg_id)
    if not principal.acts_for(reg.team_id):
        raise PermissionDeniedError("only the registered team or an admin may delete it")
    asset = await asset_service.get_any(session, reg.workspace_id, reg.asset_id)
    await _close(session, principal, asset, reg, None)


async def close_for_asset(
    session: AsyncSession, principal: Principal, asset: Asset, reg: Registration, reason: str
) -> None:
    """End a registration because an admin deletes its asset (`asset.flows.delete`),
    unless it ended meanwhile (its team was deleted since the flow read it)."""
    if await RegistrationRepository(session).lock(reg.workspace_id, reg.id) is None:
        return
    await _close(session, principal, asset, reg, f"asset deleted: {reason}")


async def close_for_team_deletion(
    session: AsyncSession, principal: Principal, reg: Registration
) -> None:
    """End a registration because an admin deletes its team (`team.flows.delete`)."""
    asset = await asset_service.get_any(session, reg.workspace_id, reg.asset_id)
    await _close(session, principal, asset, reg, "team deleted")


async def _close(
    session: AsyncSession,
    principal: Principal,
    asset: Asset,
    reg: Registration,
    reason: str | None,
) -> None:
    before = _snapshot(reg)
    reg.deleted_at = utcnow()
    await RegistrationRepository(session).flush()
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="registration.deleted",
        entity_type="registration",
        entity_id=reg.id,
        before=before,
        after={"reason": reason} if reason is not None else None,
    )
    await _notify(session, asset, reg, "registration.deleted", reason)
