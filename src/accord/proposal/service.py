"""Proposal rules (product invariants 4 and 5).

Every team registered on the asset when the proposal opened, and affected by its breaking
changes, must answer. All approve -> approved; any block -> blocked until that team
changes its answer; `migrating` is not approval; nobody affected -> approved at once, and
the publish that opened it completes (`publish_unawaited`).
A deleted team's answer stops counting (`release_team`); an admin may answer for it.
Only the owner team (or an admin) publishes an approved proposal; forcing an unapproved
one needs the admin scope and a written reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.audit import service as audit
from accord.auth.principal import SYSTEM_ACTOR, Actor, Principal
from accord.contract import service as contract_service
from accord.contract.evaluate import Candidate, Evaluation
from accord.events import service as events
from accord.exceptions import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailedError,
)
from accord.kit.clock import utcnow
from accord.kit.semver import InvalidVersionError, Version
from accord.lineage import service as lineage_service
from accord.lineage.schemas import DownstreamImpact
from accord.models import (
    OPEN_STATUSES,
    Acknowledgment,
    Asset,
    ContractVersion,
    Proposal,
    Registration,
)
from accord.proposal.repository import ProposalRepository
from accord.proposal.schemas import (
    TEAM_DELETED,
    AcknowledgmentCreate,
    Awaited,
    Decision,
    ProposalStatus,
)
from accord.proposal.schemas import Proposal as ProposalOut
from accord.spec import parse_guarantees
from accord.team import service as team_service


def _counted(acks: Sequence[Acknowledgment]) -> list[Acknowledgment]:
    """The answers the proposal waits on: not those of teams deleted since it opened."""
    return [a for a in acks if a.decision != TEAM_DELETED]


async def to_out(session: AsyncSession, proposal: Proposal) -> ProposalOut:
    return (await to_out_many(session, [proposal]))[0]


async def to_out_many(session: AsyncSession, proposals: Sequence[Proposal]) -> list[ProposalOut]:
    """The API's view of each proposal, in order, in two queries whatever their number:
    every answer they wait on, then every version number they name."""
    acks = await ProposalRepository(session).acks_for([p.id for p in proposals])
    named = {
        v for p in proposals for v in (p.base_version_id, p.published_version_id) if v is not None
    }
    numbers = await contract_service.version_numbers(session, named)
    return [_out(p, acks[p.id], numbers) for p in proposals]


def _out(
    proposal: Proposal, acks: Sequence[Acknowledgment], numbers: dict[uuid.UUID, str]
) -> ProposalOut:
    verdict = proposal.verdict
    return ProposalOut(
        id=proposal.id,
        asset_id=proposal.asset_id,
        status=ProposalStatus(proposal.status),
        base_version=numbers.get(proposal.base_version_id) if proposal.base_version_id else None,
        requested_version=proposal.requested_version,
        format=proposal.format,
        schema_=proposal.schema_,
        guarantees=proposal.guarantees,
        references=proposal.references or [],
        content_hash=proposal.content_hash,
        breaking_changes=[
            c
            for c in verdict.get("changes", []) + verdict.get("guarantee_changes", [])
            if c.get("breaking")
        ],
        witnesses=verdict.get("witnesses", []),
        verdict=verdict,
        awaiting=[Awaited.model_validate(a) for a in _counted(acks)],
        created_by=proposal.created_by,
        created_at=proposal.created_at,
        expires_at=proposal.expires_at,
        closed_at=proposal.closed_at,
        close_reason=proposal.close_reason,
        superseded_by_id=proposal.superseded_by_id,
        published_version=(
            numbers.get(proposal.published_version_id) if proposal.published_version_id else None
        ),
        impact=DownstreamImpact.model_validate(proposal.impact) if proposal.impact else None,
    )


def _summary(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": str(proposal.id),
        "asset_id": str(proposal.asset_id),
        "status": proposal.status,
        "requested_version": proposal.requested_version,
        "content_hash": proposal.content_hash,
        "close_reason": proposal.close_reason,
    }


async def _record(
    session: AsyncSession, actor: Actor, proposal: Proposal, action: str, **extra: Any
) -> None:
    """Audit the step and emit its event, both in the caller's transaction."""
    after = {**_summary(proposal), **extra}
    await audit.record(
        session,
        workspace_id=proposal.workspace_id,
        actor=actor,
        action=action,
        entity_type="proposal",
        entity_id=proposal.id,
        after=after,
    )
    asset = await asset_service.get_any(session, proposal.workspace_id, proposal.asset_id)
    acks = await ProposalRepository(session).acks(proposal.id)
    await events.emit(
        session,
        workspace_id=proposal.workspace_id,
        type=action,
        subject_type="proposal",
        subject_id=proposal.id,
        data={"asset": asset_service.reference(asset), "proposal": after},
        # The owner, every team the proposal waits on (for force-publish: every affected
        # consumer, approved or not) and the owners and consumers of downstream assets.
        teams=[
            asset.owner_team_id,
            *(a.team_id for a in _counted(acks)),
            *((proposal.impact or {}).get("notify_team_ids") or []),
        ],
    )


async def open_for_asset(session: AsyncSession, asset_id: uuid.UUID) -> Proposal | None:
    return await ProposalRepository(session).open_for_asset(asset_id)


async def open_proposal(
    session: AsyncSession,
    *,
    actor: Actor,
    asset: Asset,
    base: ContractVersion,
    requested: Version | None,
    candidate: Candidate,
    digest: str,
    evaluation: Evaluation,
    registrations: Sequence[Registration],
    affected: Sequence[Registration],
    ttl: timedelta,
) -> Proposal:
    breaking = evaluation.breaking_changes
    # The blast radius as it stands now: owners and consumers of downstream assets are
    # told about the change too (they are not asked to approve it).
    impact = await lineage_service.downstream_impact(session, asset.workspace_id, asset.id)
    now = utcnow()
    proposal = Proposal(
        workspace_id=asset.workspace_id,
        asset_id=asset.id,
        status=ProposalStatus.open.value if affected else ProposalStatus.approved.value,
        base_version_id=base.id,
        requested_version=str(requested) if requested else None,
        format=candidate.format,
        schema_=candidate.schema,
        guarantees=candidate.guarantees.to_json(),
        references=candidate.references or None,
        content_hash=digest,
        verdict=evaluation.to_dict(),
        impact=impact.model_dump(mode="json"),
        created_by=actor.id,
        created_at=now,
        expires_at=now + ttl,
    )
    acks = [
        Acknowledgment(workspace_id=asset.workspace_id, team_id=r.team_id, registration_id=r.id)
        for r in affected
    ]
    await ProposalRepository(session).add(proposal, acks)
    await _record(
        session,
        actor,
        proposal,
        "proposal.opened",
        awaiting_teams=sorted(str(r.team_id) for r in affected),
        unaffected_registrations=sorted(str(r.id) for r in registrations if r not in affected),
        breaking_changes=[{"path": c["path"], "kind": c["kind"]} for c in breaking],
        downstream_assets=impact.total,
    )
    if not affected:
        reason = unawaited_reason(registrations)
        await _record(session, SYSTEM_ACTOR, proposal, "proposal.approved", reason=reason)
    return proposal


def unawaited_reason(registrations: Sequence[Registration]) -> str:
    """Why a proposal that waits on nobody is approved at once (invariant 4)."""
    if not registrations:
        return "no registered consumers"
    return "no registered consumer reads what the change breaks"


async def publish_unawaited(
    session: AsyncSession, principal: Principal, proposal: Proposal, reason: str
) -> ContractVersion | None:
    """Publish, in the caller's transaction, a proposal approved at once because it waits
    on nobody: the publish that opened it completes. None when it waits on someone (or
    is not approved): then it follows the usual path."""
    if proposal.status != ProposalStatus.approved.value:
        return None
    if _counted(await ProposalRepository(session).acks(proposal.id)):
        return None
    created = await _ship(
        session, principal, proposal, None, ProposalStatus.published, f"approved at once: {reason}"
    )
    await _record(
        session,
        principal.actor,
        proposal,
        "proposal.published",
        version=created.version,
        approved_at_once=True,
        reason=reason,
    )
    return created


async def close_for_replacement(session: AsyncSession, old: Proposal) -> None:
    """Step 1 of replacing an open proposal: close it (frees the one-open slot)."""
    old.status = ProposalStatus.superseded.value
    old.closed_at = utcnow()
    await ProposalRepository(session).flush()


async def mark_superseded(session: AsyncSession, actor: Actor, old: Proposal, by: Proposal) -> None:
    """Step 2: link the closed proposal to its replacement and record why."""
    old.superseded_by_id = by.id
    old.close_reason = f"replaced by proposal {by.id}"
    await ProposalRepository(session).flush()
    await _record(session, actor, old, "proposal.superseded", superseded_by=str(by.id))


async def get(session: AsyncSession, principal: Principal, proposal_id: uuid.UUID) -> Proposal:
    proposal = await ProposalRepository(session).get(principal.workspace_id, proposal_id)
    if proposal is None:
        raise NotFoundError.of("proposal", proposal_id)
    return proposal


async def list_proposals(
    session: AsyncSession,
    principal: Principal,
    *,
    asset_id: uuid.UUID | None,
    status: ProposalStatus | None,
    awaiting_team_id: uuid.UUID | None,
    after_id: uuid.UUID | None,
    limit: int,
    open_only: bool = False,
    asset_ids: Sequence[uuid.UUID] | None = None,
    newest_first: bool = False,
) -> Sequence[Proposal]:
    """Proposals of the caller's workspace, oldest first after ``after_id`` (the API's
    order); ``newest_first`` pages the other way (the web inbox). ``open_only``: still
    waiting for answers; ``asset_ids``: on these assets only."""
    return await ProposalRepository(session).list(
        principal.workspace_id,
        asset_id=asset_id,
        status=status.value if status else None,
        awaiting_team_id=awaiting_team_id,
        after_id=after_id,
        limit=limit,
        statuses=sorted(OPEN_STATUSES) if open_only else None,
        asset_ids=asset_ids,
        newest_first=newest_first,
    )


async def _lock_open(
    session: AsyncSession, principal: Principal, proposal_id: uuid.UUID
) -> Proposal:
    """The proposal, locked; 409 unless still open (expiring it first if it is due).

    Its asset is locked first: the lock order is asset → proposal → audit head, the one a
    publish that replaces an open proposal takes too (docs/architecture.md)."""
    repo = ProposalRepository(session)
    asset_id = await repo.asset_of(principal.workspace_id, proposal_id)
    if asset_id is None:
        raise NotFoundError.of("proposal", proposal_id)
    await asset_service.lock_if_live(session, principal, asset_id)
    proposal = await repo.lock(principal.workspace_id, proposal_id)
    if proposal is None:
        raise NotFoundError.of("proposal", proposal_id)
    if proposal.status in OPEN_STATUSES and proposal.expires_at <= utcnow():
        await _expire(session, proposal)
    if proposal.status not in OPEN_STATUSES:
        raise ConflictError(f"proposal {proposal.id} is {proposal.status}", code="proposal_closed")
    return proposal


def _status_from(acks: Sequence[Acknowledgment]) -> ProposalStatus:
    decisions = [a.decision for a in _counted(acks)]
    if Decision.block.value in decisions:
        return ProposalStatus.blocked
    if all(d == Decision.approve.value for d in decisions):
        return ProposalStatus.approved
    return ProposalStatus.open


async def _settle(
    session: AsyncSession,
    actor: Actor,
    proposal: Proposal,
    acks: Sequence[Acknowledgment],
    action: str,
    **extra: Any,
) -> None:
    """After an answer changed: re-evaluate the status, record the step (``action``),
    then the transition it caused, if any (approved, blocked or reopened)."""
    old_status = proposal.status
    proposal.status = _status_from(acks).value
    await ProposalRepository(session).flush()
    await _record(session, actor, proposal, action, **extra)
    if proposal.status != old_status:
        step = {"open": "proposal.reopened"}.get(proposal.status, f"proposal.{proposal.status}")
        await _record(session, actor, proposal, step)


async def _may_answer_for(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> bool:
    """A team answers for itself; an admin only for a deleted team, which cannot."""
    if principal.team_id == team_id:
        return True
    return principal.is_admin and not await team_service.exists(
        session, principal.workspace_id, team_id
    )


async def acknowledge(
    session: AsyncSession,
    principal: Principal,
    proposal_id: uuid.UUID,
    data: AcknowledgmentCreate,
) -> Proposal:
    if data.decision is Decision.block and not data.comment.strip():
        # A block stops a change for everyone: the producer must learn why (product.md).
        raise ValidationFailedError(
            "a block needs a reason: say in `comment` what your team still depends on",
            code="block_needs_reason",
        )
    proposal = await _lock_open(session, principal, proposal_id)
    if not await _may_answer_for(session, principal, data.team_id):
        raise PermissionDeniedError(
            "a team acknowledges only for itself (use a key of that team); an admin may "
            "answer only for a deleted team",
            code="not_own_team",
        )
    acks = await ProposalRepository(session).acks(proposal.id)
    mine = next((a for a in acks if a.team_id == data.team_id), None)
    if mine is None:
        raise PermissionDeniedError(
            "this proposal does not wait on that team (not registered, or not affected)",
            code="not_awaited",
        )
    mine.decision = data.decision.value
    mine.comment = data.comment
    mine.decided_at = utcnow()
    mine.decided_by = principal.actor.id
    extra: dict[str, Any] = {}
    if principal.team_id != data.team_id:
        extra["for_deleted_team"] = True
    await _settle(
        session,
        principal.actor,
        proposal,
        acks,
        "proposal.acknowledged",
        team_id=str(data.team_id),
        decision=data.decision.value,
        comment=data.comment,
        **extra,
    )
    return proposal


async def release_team(
    session: AsyncSession, actor: Actor, workspace_id: uuid.UUID, team_id: uuid.UUID
) -> list[Proposal]:
    """A team is being deleted (`team.flows.delete`): close its answer on every open
    proposal, which is then re-evaluated as after any answer. Returns those proposals
    (all locked by one statement, in id order, before any of them changes)."""
    repo = ProposalRepository(session)
    released: list[Proposal] = []
    for proposal in await repo.lock_open_awaiting(workspace_id, team_id):
        if proposal.expires_at <= utcnow():
            await _expire(session, proposal)  # as any other touch of a due proposal
            continue
        acks = await repo.acks(proposal.id)
        closed = next(a for a in acks if a.team_id == team_id)
        previous = closed.decision
        closed.decision = TEAM_DELETED
        closed.decided_at = utcnow()
        closed.decided_by = actor.id
        await _settle(
            session,
            actor,
            proposal,
            acks,
            "proposal.acknowledgment_closed",
            team_id=str(team_id),
            previous_decision=previous,
            reason="team_deleted",
        )
        released.append(proposal)
    return released


async def _ship(
    session: AsyncSession,
    principal: Principal,
    proposal: Proposal,
    version: str | None,
    status: ProposalStatus,
    reason: str | None,
) -> ContractVersion:
    asset = await asset_service.lock(session, principal, proposal.asset_id)
    asset_service.require_owner(principal, asset, "publish to")
    current = await contract_service.heads(session, asset.id)
    base = current.base
    if base is None or base.id != proposal.base_version_id:
        raise ConflictError(
            "the asset has new versions since this proposal opened; publish the change "
            "again to re-check it (replace_open_proposal=true)",
            code="proposal_stale",
        )
    try:
        number = Version.parse(version or proposal.requested_version or "")
    except InvalidVersionError:  # none asked for (a given one was checked first)
        number = contract_service.semver(base).next_major()
    if number.major <= base.major:
        raise ConflictError(
            f"a breaking change needs a major bump above {base.version}", code="major_bump_required"
        )
    candidate = Candidate(
        proposal.format,
        proposal.schema_,
        parse_guarantees(proposal.guarantees),
        references=proposal.references or [],
    )
    created = await contract_service.insert_version(
        session,
        actor=principal.actor,
        asset=asset,
        number=number,
        candidate=candidate,
        digest=proposal.content_hash,
        latest=current.latest,
        proposal_id=proposal.id,
    )
    proposal.status = status.value
    proposal.closed_at = utcnow()
    proposal.published_version_id = created.id
    proposal.close_reason = reason
    await ProposalRepository(session).flush()
    return created


def _check_version(version: str | None) -> None:
    """Bad input first: 422 for a version that is not semver, whatever state the proposal
    is in."""
    if version is None:
        return
    try:
        Version.parse(version)
    except InvalidVersionError as exc:
        raise contract_service.invalid_version(str(exc)) from None


async def publish(
    session: AsyncSession, principal: Principal, proposal_id: uuid.UUID, version: str | None
) -> tuple[Proposal, ContractVersion]:
    _check_version(version)
    proposal = await _lock_open(session, principal, proposal_id)
    asset = await asset_service.get(session, principal, proposal.asset_id)
    asset_service.require_owner(principal, asset, "publish to")
    if proposal.status != ProposalStatus.approved.value:
        raise ConflictError(
            f"proposal is {proposal.status}: every awaited consumer must approve first "
            "(an admin can force it with a reason)",
            code="proposal_not_approved",
        )
    created = await _ship(session, principal, proposal, version, ProposalStatus.published, None)
    await _record(session, principal.actor, proposal, "proposal.published", version=created.version)
    return proposal, created


async def force(
    session: AsyncSession,
    principal: Principal,
    proposal_id: uuid.UUID,
    reason: str,
    version: str | None = None,
) -> tuple[Proposal, ContractVersion]:
    if not principal.is_admin:
        raise PermissionDeniedError("force-publishing needs the admin scope")
    _check_version(version)
    proposal = await _lock_open(session, principal, proposal_id)
    acks = _counted(await ProposalRepository(session).acks(proposal.id))
    created = await _ship(
        session, principal, proposal, version, ProposalStatus.force_published, reason
    )
    await _record(
        session,
        principal.actor,
        proposal,
        "proposal.force_published",
        version=created.version,
        reason=reason,
        notified_teams=sorted(str(a.team_id) for a in acks),
        unapproved_teams=sorted(
            str(a.team_id) for a in acks if a.decision != Decision.approve.value
        ),
    )
    return proposal, created


async def withdraw(
    session: AsyncSession, principal: Principal, proposal_id: uuid.UUID, reason: str
) -> Proposal:
    proposal = await _lock_open(session, principal, proposal_id)
    asset = await asset_service.get(session, principal, proposal.asset_id)
    asset_service.require_owner(principal, asset, "withdraw proposals of")
    proposal.status = ProposalStatus.withdrawn.value
    proposal.closed_at = utcnow()
    proposal.close_reason = reason or None
    await ProposalRepository(session).flush()
    await _record(session, principal.actor, proposal, "proposal.withdrawn")
    return proposal


async def close_for_asset_deletion(
    session: AsyncSession, actor: Actor, proposal: Proposal, reason: str
) -> None:
    """Withdraw an open proposal because an admin deletes its asset (`asset.flows.delete`)."""
    proposal.status = ProposalStatus.withdrawn.value
    proposal.closed_at = utcnow()
    proposal.close_reason = f"asset deleted by an admin: {reason}"
    await ProposalRepository(session).flush()
    await _record(session, actor, proposal, "proposal.withdrawn")


async def _expire(session: AsyncSession, proposal: Proposal) -> None:
    proposal.status = ProposalStatus.expired.value
    proposal.closed_at = utcnow()
    proposal.close_reason = "expired without every consumer's approval"
    await ProposalRepository(session).flush()
    await _record(session, SYSTEM_ACTOR, proposal, "proposal.expired")


async def expire_due(session: AsyncSession, now: datetime, limit: int = 100) -> int:
    """Expire open proposals past their deadline (any workspace); returns how many."""
    due = await ProposalRepository(session).due_for_expiry(now, limit)
    for proposal in due:
        await _expire(session, proposal)
    return len(due)


async def count_open_by_status(session: AsyncSession) -> dict[str, int]:
    """Still-open proposals of every workspace by status, for the operators' gauges
    (docs/metrics.md): no principal, because no caller sees them, only /metrics."""
    return await ProposalRepository(session).count_open_by_status()
