"""The inbox (proposals waiting on the signed-in team) and a proposal's page with its
answer, publish, withdraw and force forms. Every action calls the proposal service with
the signed-in principal, so the UI allows exactly what the API allows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from accord.api_key import service as api_key_service
from accord.asset import service as asset_service
from accord.auth.principal import Principal
from accord.deps import SessionDep
from accord.exceptions import (
    AccordError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailedError,
)
from accord.models import OPEN_STATUSES, Asset, Proposal
from accord.proposal import service
from accord.proposal.schemas import (
    AcknowledgmentCreate,
    Decision,
    ForceRequest,
    ProposalStatus,
    WithdrawRequest,
)
from accord.team import service as team_service
from accord.web.deps import FormDep, SignedInView, ViewerDep
from accord.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE = 50  # inbox rows per page
OWN_SHOWN = 20  # "Your team's proposals" rows
OWNED_SCAN = 500  # assets of the team read to recognise its proposals
NAME_SCAN = 500  # teams read once per page to name them
CHANGES_SHOWN = 5  # breaking-change lines per inbox row

DONE = {
    "approve": "Approved.",
    "block": "Blocked.",
    "migrating": "Recorded: your team is migrating. This is not an approval.",
    "withdrawn": "Withdrawn.",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One proposal as the inbox lists it."""

    id: uuid.UUID
    status: str
    asset_id: uuid.UUID
    fqn: str
    environment: str
    owner: str
    changes: list[str]
    more_changes: int
    opened_by: str
    created_at: datetime
    expires_at: datetime


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def breaking_changes(proposal: Proposal) -> list[dict[str, Any]]:
    """The proposal's breaking changes, as `service.to_out` lists them (no query)."""
    verdict = proposal.verdict
    found = verdict.get("changes", []) + verdict.get("guarantee_changes", [])
    return [c for c in found if c.get("breaking")]


def _line(change: dict[str, Any]) -> str:
    path = change.get("path") or "/"
    return f"{path}: {change.get('message') or change.get('kind', 'changed')}"


async def _team_names(session: AsyncSession, principal: Principal) -> dict[uuid.UUID, str]:
    teams = await team_service.list_teams(session, principal, after_id=None, limit=NAME_SCAN)
    return {t.id: t.name for t in teams}


async def _key_names(
    session: AsyncSession,
    principal: Principal,
    teams: dict[uuid.UUID, str],
    proposals: Iterable[Proposal],
) -> dict[str, str]:
    """Key id -> "name (team)" for the keys that opened these proposals: the name when
    the caller may see the key (as the API lists keys), else "a key of <team>"."""
    found = await api_key_service.holders(session, principal, (p.created_by for p in proposals))
    named: dict[str, str] = {}
    for key_id, holder in found.items():
        owner = teams.get(holder.team_id, "a deleted team") if holder.team_id else None
        if holder.name is not None:
            named[key_id] = f"{holder.name} ({owner or 'workspace admin'})"
        else:
            named[key_id] = f"a key of {owner}" if owner else "a workspace-admin key"
    return named


def _opened_by(created_by: str | None, keys: dict[str, str]) -> str:
    if created_by is None:
        return "Accord itself"
    return keys.get(created_by) or f"API key {created_by[:8]}"


# ---------------------------------------------------------------- inbox


async def _waiting(
    session: AsyncSession, who: SignedInView, after_id: uuid.UUID | None
) -> list[Proposal]:
    """Up to PAGE + 1 proposals older than ``after_id``, newest first: what waits on the
    team (admins: every open one)."""
    principal = who.principal
    if not who.is_admin and principal.team_id is None:
        return []
    return list(
        await service.list_proposals(
            session,
            principal,
            asset_id=None,
            status=None,
            awaiting_team_id=None if who.is_admin else principal.team_id,
            after_id=after_id,
            limit=PAGE + 1,
            open_only=True,
            newest_first=True,
        )
    )


async def _own(session: AsyncSession, principal: Principal) -> list[Proposal]:
    """Open proposals on assets the team owns, newest first."""
    if principal.team_id is None:
        return []
    owned = await asset_service.list_assets(
        session,
        principal,
        q=None,
        owner_team_id=principal.team_id,
        environment=None,
        tag=None,
        kind=None,
        after_id=None,
        limit=OWNED_SCAN,
    )
    if not owned:
        return []
    return list(
        await service.list_proposals(
            session,
            principal,
            asset_id=None,
            status=None,
            awaiting_team_id=None,
            after_id=None,
            limit=OWN_SHOWN,
            open_only=True,
            asset_ids=[a.id for a in owned],
            newest_first=True,
        )
    )


def _rows(
    proposals: Iterable[Proposal],
    assets: dict[uuid.UUID, Asset],
    teams: dict[uuid.UUID, str],
    keys: dict[str, str],
) -> list[Row]:
    rows = []
    for p in proposals:
        asset = assets[p.asset_id]
        changes = [_line(c) for c in breaking_changes(p)]
        rows.append(
            Row(
                id=p.id,
                status=p.status,
                asset_id=asset.id,
                fqn=asset.fqn,
                environment=asset.environment,
                owner=teams.get(asset.owner_team_id, "a deleted team"),
                changes=changes[:CHANGES_SHOWN],
                more_changes=max(0, len(changes) - CHANGES_SHOWN),
                opened_by=_opened_by(p.created_by, keys),
                created_at=p.created_at,
                expires_at=p.expires_at,
            )
        )
    return rows


@router.get("/ui/inbox")
async def inbox(
    request: Request, session: SessionDep, who: ViewerDep, after: str | None = None
) -> Response:
    principal = who.principal
    after_id = _uuid(after) if after else None
    waiting = await _waiting(session, who, after_id)
    next_after = waiting[PAGE - 1].id if len(waiting) > PAGE else None
    shown = waiting[:PAGE]
    own = await _own(session, principal) if after_id is None else []
    assets = await asset_service.get_many(
        session, principal.workspace_id, [p.asset_id for p in (*shown, *own)]
    )
    teams = await _team_names(session, principal)
    keys = await _key_names(session, principal, teams, (*shown, *own))
    return render(
        request,
        "inbox.html",
        {
            "nav": "inbox",
            "rows": _rows(shown, assets, teams, keys),
            "own": _rows(own, assets, teams, keys),
            "has_team": principal.team_id is not None,
            "next_after": next_after,
            "paged": after_id is not None,
        },
        viewer=who,
    )


# ---------------------------------------------------------------- proposal page


@dataclass(frozen=True, slots=True)
class Answer:
    team_id: uuid.UUID
    team: str
    team_deleted: bool
    decision: str | None
    comment: str
    decided_at: datetime | None


async def _answers(
    session: AsyncSession, principal: Principal, awaited: Sequence[Any], teams: dict[uuid.UUID, str]
) -> list[Answer]:
    answers = []
    for a in awaited:
        name = teams.get(a.team_id)
        if name is None:  # beyond NAME_SCAN, or deleted: only these are looked up
            try:
                name = (await team_service.get(session, principal, a.team_id)).name
            except NotFoundError:
                name = None
        answers.append(
            Answer(
                team_id=a.team_id,
                team=name or f"deleted team {str(a.team_id)[:8]}",
                team_deleted=name is None,
                decision=a.decision.value if a.decision else None,
                comment=a.comment,
                decided_at=a.decided_at,
            )
        )
    return answers


def _may_answer(who: SignedInView, answer: Answer) -> bool:
    """Mirrors `service.acknowledge` to choose which forms to show; the service decides."""
    if not who.can_write:
        return False
    return who.principal.team_id == answer.team_id or (who.is_admin and answer.team_deleted)


async def _proposal_page(
    request: Request,
    session: AsyncSession,
    who: ViewerDep,
    proposal_id: uuid.UUID,
    *,
    flash_code: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    posted: dict[str, str] | None = None,
) -> Response:
    principal = who.principal
    proposal = await service.get(session, principal, proposal_id)
    out = await service.to_out(session, proposal)
    asset = await asset_service.get_any(session, principal.workspace_id, proposal.asset_id)
    teams = await _team_names(session, principal)
    keys = await _key_names(session, principal, teams, [proposal])
    answers = await _answers(session, principal, out.awaiting, teams)
    is_open = out.status.value in OPEN_STATUSES
    owner = who.can_write and principal.acts_for(asset.owner_team_id) and asset.deleted_at is None
    return render(
        request,
        "proposal.html",
        {
            "nav": "inbox",
            "p": out,
            "asset": asset,
            "owner_name": teams.get(asset.owner_team_id, "a deleted team"),
            "opened_by": _opened_by(out.created_by, keys),
            "answers": answers,
            "waiting_on": [a.team for a in answers if a.decision != Decision.approve.value],
            "is_open": is_open,
            "answer_for": [a for a in answers if is_open and _may_answer(who, a)],
            "can_publish": owner and out.status is ProposalStatus.approved,
            "can_withdraw": owner and is_open,
            "can_force": who.is_admin and is_open and out.status is not ProposalStatus.approved,
            "team_names": teams,
            "flash": _flash(flash_code, out.published_version),
            "error": error,
            "posted": posted or {},
        },
        viewer=who,
        status_code=status_code,
    )


def _flash(code: str | None, version: str | None) -> str | None:
    if code in ("published", "forced") and version:
        verb = "Published" if code == "published" else "Force-published"
        return f"{verb} version {version}."
    return DONE.get(code or "")


@router.get("/ui/proposals/{proposal_id}")
async def proposal_page(
    request: Request,
    proposal_id: uuid.UUID,
    session: SessionDep,
    who: ViewerDep,
    done: str | None = None,
) -> Response:
    return await _proposal_page(request, session, who, proposal_id, flash_code=done)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _require_write(who: SignedInView) -> None:
    """The API's `WritePrincipal` check: the services leave the scope to the endpoints."""
    if not who.can_write:
        raise PermissionDeniedError("this operation needs the write scope", code="missing_scope")


def _invalid(exc: ValidationError) -> ValidationFailedError:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "form"
    return ValidationFailedError(f"{field}: {first['msg']}")


def _done(proposal_id: uuid.UUID, code: str) -> RedirectResponse:
    return RedirectResponse(f"/ui/proposals/{proposal_id}?done={code}", status_code=303)


def _acknowledgment(form: FormData, who: SignedInView) -> AcknowledgmentCreate:
    decision = _text(form, "decision")
    if decision not in {d.value for d in Decision}:
        raise ValidationFailedError("Choose Approve, Block or Migrating.")
    comment = _text(form, "comment")
    if decision == Decision.block.value and not comment:
        raise ValidationFailedError(
            "A block needs a reason: say in the comment what this change would break for your team."
        )
    given = _text(form, "team_id")
    team_id = _uuid(given) if given else who.principal.team_id
    if team_id is None:
        raise ValidationFailedError("Say which team answers.")
    try:
        return AcknowledgmentCreate(team_id=team_id, decision=Decision(decision), comment=comment)
    except ValidationError as exc:
        raise _invalid(exc) from None


@router.post("/ui/proposals/{proposal_id}/acknowledge")
async def acknowledge(
    request: Request, proposal_id: uuid.UUID, who: ViewerDep, form: FormDep, session: SessionDep
) -> Response:
    try:
        async with session.begin_nested():
            _require_write(who)
            data = _acknowledgment(form, who)
            await service.acknowledge(session, who.principal, proposal_id, data)
    except AccordError as exc:
        return await _proposal_page(
            request,
            session,
            who,
            proposal_id,
            error=str(exc.detail),
            status_code=exc.status,
            posted={"comment": _text(form, "comment")},
        )
    return _done(proposal_id, data.decision.value)


@router.post("/ui/proposals/{proposal_id}/publish")
async def publish(
    request: Request, proposal_id: uuid.UUID, who: ViewerDep, form: FormDep, session: SessionDep
) -> Response:
    try:
        async with session.begin_nested():
            _require_write(who)
            await service.publish(session, who.principal, proposal_id, None)
    except AccordError as exc:
        return await _proposal_page(
            request, session, who, proposal_id, error=str(exc.detail), status_code=exc.status
        )
    return _done(proposal_id, "published")


@router.post("/ui/proposals/{proposal_id}/withdraw")
async def withdraw(
    request: Request, proposal_id: uuid.UUID, who: ViewerDep, form: FormDep, session: SessionDep
) -> Response:
    try:
        async with session.begin_nested():
            _require_write(who)
            try:
                body = WithdrawRequest(reason=_text(form, "reason"))
            except ValidationError as exc:
                raise _invalid(exc) from None
            await service.withdraw(session, who.principal, proposal_id, body.reason)
    except AccordError as exc:
        return await _proposal_page(
            request,
            session,
            who,
            proposal_id,
            error=str(exc.detail),
            status_code=exc.status,
            posted={"withdraw_reason": _text(form, "reason")},
        )
    return _done(proposal_id, "withdrawn")


@router.post("/ui/proposals/{proposal_id}/force")
async def force(
    request: Request, proposal_id: uuid.UUID, who: ViewerDep, form: FormDep, session: SessionDep
) -> Response:
    reason = _text(form, "reason")
    try:
        async with session.begin_nested():
            if not who.is_admin:  # the API's `AdminPrincipal`
                raise PermissionDeniedError(
                    "this operation needs the admin scope", code="missing_scope"
                )
            if len(reason) < 10:
                raise ValidationFailedError(
                    "Force-publishing needs a reason of at least 10 characters: it is "
                    "recorded in the audit log and sent to every affected team."
                )
            try:
                body = ForceRequest(reason=reason)
            except ValidationError as exc:
                raise _invalid(exc) from None
            await service.force(session, who.principal, proposal_id, body.reason)
    except AccordError as exc:
        return await _proposal_page(
            request,
            session,
            who,
            proposal_id,
            error=str(exc.detail),
            status_code=exc.status,
            posted={"force_reason": reason},
        )
    return _done(proposal_id, "forced")
