"""Deleting an asset: it may end other teams' registrations and proposals (issue 14).

A team key may delete only an asset nobody else reads and with no open proposal: deleting
and re-creating the FQN must never be a way around a consumer's block. An admin may delete
such an asset with a written reason; that ends the registrations and withdraws the
proposals, tells every team concerned, and is audited, all in one transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.auth.principal import Principal
from accord.exceptions import ConflictError, ValidationFailedError
from accord.proposal import service as proposal_service
from accord.registration import service as registration_service


def _in_use(asset_id: uuid.UUID, regs: list[str], teams: list[str], props: list[str]) -> str:
    parts = []
    if regs:
        parts.append(f"live registrations {', '.join(regs)} (teams {', '.join(teams)})")
    if props:
        parts.append(f"open proposal {', '.join(props)}")
    return (
        f"asset {asset_id} has {' and '.join(parts)}; the consumers must deregister and the "
        "proposal be withdrawn or published first, or an admin may delete it with a "
        "written ?reason=…, which ends them and tells every team"
    )


async def delete(
    session: AsyncSession, principal: Principal, asset_id: uuid.UUID, reason: str | None
) -> None:
    if reason is not None and not reason.strip():
        raise ValidationFailedError("reason must not be blank", code="reason_required")
    asset = await asset_service.lock(session, principal, asset_id)
    asset_service.require_owner(principal, asset, "delete")
    regs = list(await registration_service.live_for_asset(session, asset.id))
    consumers = [r for r in regs if r.team_id != asset.owner_team_id]
    proposal = await proposal_service.open_for_asset(session, asset.id)
    proposals = [proposal] if proposal is not None else []
    if (consumers or proposals) and (not principal.is_admin or reason is None):
        reg_ids = [str(r.id) for r in consumers]
        team_ids = sorted({str(r.team_id) for r in consumers})
        prop_ids = [str(p.id) for p in proposals]
        raise ConflictError(
            _in_use(asset.id, reg_ids, team_ids, prop_ids),
            code="asset_in_use",
            extra={"registration_ids": reg_ids, "team_ids": team_ids, "proposal_ids": prop_ids},
        )
    # Everyone who hears about the asset hears about its end, consumers included.
    teams = await asset_service.concerned_teams(session, asset)
    details: dict[str, Any] = {}
    if reason is not None:
        text = reason.strip()
        for open_one in proposals:
            await proposal_service.close_for_asset_deletion(
                session, principal.actor, open_one, text
            )
        for reg in regs:
            await registration_service.close_for_asset(session, principal, asset, reg, text)
        details = {
            "reason": text,
            "closed_registration_ids": [str(r.id) for r in regs],
            "closed_proposal_ids": [str(p.id) for p in proposals],
        }
    await asset_service.delete(session, principal, asset, teams=teams, details=details)
