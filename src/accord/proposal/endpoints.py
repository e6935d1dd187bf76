"""HTTP: /api/v1/proposals."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query

from accord.auth.dependencies import AdminPrincipal, ReadPrincipal, WritePrincipal
from accord.contract.schemas import ContractVersion
from accord.deps import SessionDep
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    next_id_cursor,
    uuid_after,
)
from accord.kit.schemas import OutputModel
from accord.problems import STANDARD_ERRORS
from accord.proposal import service
from accord.proposal.schemas import (
    AcknowledgmentCreate,
    ForceRequest,
    Proposal,
    ProposalStatus,
    PublishRequest,
    WithdrawRequest,
)

router = APIRouter(prefix="/api/v1/proposals", tags=["proposals"], responses=STANDARD_ERRORS)


class ProposalPublished(OutputModel):
    proposal: Proposal
    version: ContractVersion


@router.get("")
async def list_proposals(
    principal: ReadPrincipal,
    session: SessionDep,
    asset_id: uuid.UUID | None = None,
    status: ProposalStatus | None = None,
    team_to_act: uuid.UUID | None = Query(
        None, description="Open proposals where this team has not approved yet."
    ),
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[Proposal]:
    """List proposals, filtered by asset, status and the team that must act."""
    rows = await service.list_proposals(
        session,
        principal,
        asset_id=asset_id,
        status=status,
        awaiting_team_id=team_to_act,
        after_id=uuid_after(cursor),
        limit=limit + 1,
    )
    return Page[Proposal](
        items=await service.to_out_many(session, rows[:limit]),
        next_cursor=next_id_cursor(rows, limit),
    )


@router.get("/{proposal_id}")
async def get_proposal(
    proposal_id: uuid.UUID, principal: ReadPrincipal, session: SessionDep
) -> Proposal:
    """A proposal with its breaking changes, witnesses and the registrations it waits on."""
    return await service.to_out(session, await service.get(session, principal, proposal_id))


@router.post("/{proposal_id}/acknowledgments")
async def acknowledge_proposal(
    proposal_id: uuid.UUID,
    body: AcknowledgmentCreate,
    principal: WritePrincipal,
    session: SessionDep,
) -> Proposal:
    """Answer for your own team: `approve`, `block` or `migrating` (not an approval).
    A team may change its answer while the proposal is open. An admin may answer for a
    deleted team (audited with the admin as actor), never for a live one."""
    proposal = await service.acknowledge(session, principal, proposal_id, body)
    return await service.to_out(session, proposal)


async def _published(session: Any, proposal: Any, version: Any) -> ProposalPublished:
    return ProposalPublished(
        proposal=await service.to_out(session, proposal),
        version=ContractVersion.model_validate(version),
    )


@router.post("/{proposal_id}/publish")
async def publish_proposal(
    proposal_id: uuid.UUID,
    principal: WritePrincipal,
    session: SessionDep,
    body: PublishRequest | None = None,
) -> ProposalPublished:
    """Publish an approved proposal as a new major version (owner team or admin)."""
    proposal, version = await service.publish(
        session, principal, proposal_id, body.version if body else None
    )
    return await _published(session, proposal, version)


@router.post("/{proposal_id}/withdraw")
async def withdraw_proposal(
    proposal_id: uuid.UUID,
    principal: WritePrincipal,
    session: SessionDep,
    body: WithdrawRequest | None = None,
) -> Proposal:
    """Withdraw an open proposal (owner team or admin)."""
    proposal = await service.withdraw(session, principal, proposal_id, body.reason if body else "")
    return await service.to_out(session, proposal)


@router.post("/{proposal_id}/force")
async def force_proposal(
    proposal_id: uuid.UUID, body: ForceRequest, principal: AdminPrincipal, session: SessionDep
) -> ProposalPublished:
    """Publish without every approval (admin only, reason required and audited);
    every awaited consumer is recorded as notified."""
    proposal, version = await service.force(session, principal, proposal_id, body.reason)
    return await _published(session, proposal, version)
