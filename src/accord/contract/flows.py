"""Publishing: the one path every schema change takes (product invariant 1).

compatible -> a new version at once; identical content -> `unchanged`; breaking -> a
proposal, which, when it waits on nobody (no registered consumer is affected), is
approved and published at once by the same request. No request flag, pre-release or
version jump skips the check: the policy is the asset's, pre-releases are checked like
any version, and the number must agree with the verdict (breaking needs a major bump,
compatible must not take one). `assess` is the same decision without writes (impact
analysis and `accord check`).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.asset.policy import Compatibility, is_transitive
from accord.audit import service as audit
from accord.auth.principal import Principal
from accord.compat import UNLESS_COMPATIBLE, EveryMode, SchemaError
from accord.contract import references
from accord.contract import service as contract_service
from accord.contract.evaluate import Assessment, Candidate, Evaluation, assess_candidate
from accord.contract.fields import catalog
from accord.contract.impact import is_affected
from accord.contract.schemas import VersionCreate
from accord.events import service as events
from accord.exceptions import ConflictError, ValidationFailedError
from accord.kit.offload import EngineRunner
from accord.kit.semver import InvalidVersionError, Version
from accord.models import Asset, ContractVersion, Proposal, Registration
from accord.proposal import service as proposal_service
from accord.registration import service as registration_service
from accord.spec import Guarantees, parse_guarantees

FIRST_VERSION = Version(1, 0, 0)


@dataclass(frozen=True)
class PublishResult:
    outcome: str  # published | unchanged | proposal
    version: ContractVersion | None = None
    proposal: Proposal | None = None  # set only for the `proposal` outcome: it waits
    # A breaking change that waited on nobody: `published`, with the proposal that was
    # approved at once and published (`version` is set too), and why.
    approved_at_once: Proposal | None = None
    auto_approval_reason: str | None = None


@dataclass
class Plan:
    """What publishing a candidate does: decided once, then carried out or reported."""

    asset: Asset
    candidate: Candidate
    digest: str
    outcome: str  # published | unchanged | proposal
    number: Version | None = None
    requested: Version | None = None
    latest: ContractVersion | None = None
    base: ContractVersion | None = None
    evaluation: Evaluation | None = None
    registrations: list[Registration] = field(default_factory=list)

    @property
    def affected(self) -> list[Registration]:
        if self.evaluation is None or self.outcome != "proposal":
            return []
        breaking = self.evaluation.breaking_changes
        return [r for r in self.registrations if is_affected(r.fields, breaking)]

    @property
    def auto_approval_reason(self) -> str | None:
        """Why a breaking change would be approved at once (it waits on nobody), else None."""
        if self.outcome != "proposal" or self.affected:
            return None
        return proposal_service.unawaited_reason(self.registrations)


def _requested(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version.parse(text)
    except InvalidVersionError as exc:
        raise contract_service.invalid_version(str(exc)) from None


def _guarantees(body: VersionCreate, latest: ContractVersion | None) -> tuple[Guarantees, str]:
    """The request's guarantees; when it has no `guarantees` key, the latest version's
    (carried forward). An explicit `{}` removes them. Also says where they came from."""
    if "guarantees" in body.model_fields_set or latest is None:
        return body.guarantees, "guarantees"
    return (
        parse_guarantees(latest.guarantees),
        f"guarantees (carried forward from version {latest.version}: send `guarantees` "
        "to change them)",
    )


async def _candidate(
    session: AsyncSession,
    principal: Principal,
    body: VersionCreate,
    latest: ContractVersion | None,
) -> tuple[Candidate, str]:
    """The candidate as the engine gets it (references resolved, guarantees carried
    forward), and where its guarantees came from."""
    if body.references and body.format.value != "jsonschema":
        raise ValidationFailedError(
            "only a JSON Schema can reference other schemas", code="invalid_reference"
        )
    stored = await references.resolve(session, principal, body.references)
    refs = await references.schemas(session, stored)
    guarantees, what = _guarantees(body, latest)
    return Candidate(body.format.value, body.schema_, guarantees, stored, refs), what


def _require_valid(body: VersionCreate, invalid: SchemaError | None) -> None:
    if invalid is None:
        return
    hint = (
        " (name the registered schema it means in `references`: name, asset, version)"
        if "is not supplied" in invalid.message
        else ""
    )
    raise ValidationFailedError(
        f"invalid {body.format.value} schema: {invalid}{hint}", code="invalid_schema"
    ) from None


def _require_known_guarantees(candidate: Candidate, what: str) -> None:
    guarantees = candidate.guarantees
    named = [
        *guarantees.columns,
        *(name for group in guarantees.unique_together for name in group),
        *([guarantees.freshness.column] if guarantees.freshness else []),
    ]
    if named:
        contract_service.require_known_fields(
            catalog(candidate.format, candidate.schema), named, what
        )


async def _assessing(
    session: AsyncSession,
    asset: Asset,
    current: contract_service.Heads,
    candidate: Candidate,
    engine: EngineRunner,
    *,
    every_mode: EveryMode,
) -> asyncio.Task[Assessment]:
    """One engine call, started: the candidate validated, hashed and judged against the
    base. Its inputs are read here; the call itself touches no session, so the plan
    reads on while an engine process works (`plan`)."""
    policy = Compatibility(asset.compatibility)
    base = current.base
    history = (
        await contract_service.history(session, asset.id)
        if base is not None and is_transitive(policy)
        else []
    )
    earlier = await contract_service.earlier_resolved(session, base) if base is not None else None
    call = engine.near(asset.id)(
        assess_candidate,
        policy,
        asset.content_model,
        candidate,
        current.latest.content_hash if current.latest is not None else None,
        earlier,
        history,
        dialect=asset.dialect,
        annotations=asset.annotations,
        every_mode=every_mode,
    )
    task = asyncio.ensure_future(_judged(call))
    await asyncio.sleep(0)  # it runs up to its hand-over to an engine process
    return task


async def _judged(call: Awaitable[Assessment]) -> Assessment:
    try:
        return await call
    except SchemaError as exc:  # a stored version the engine cannot read
        raise ValidationFailedError(str(exc), code="invalid_schema") from None


async def _consumers(
    session: AsyncSession, asset: Asset, assessing: asyncio.Task[Assessment], *, emits: bool
) -> list[Registration]:
    """The asset's live registrations, read while the engine works (a failed read stops
    waiting for it); for a publish (``emits``), what its writes would read once the
    verdict is in: the outbox's subscriptions and, on SQLite, the audit head."""
    try:
        found = list(await registration_service.live_for_asset(session, asset.id))
        if emits:
            await events.prefetch_subscriptions(session, asset.workspace_id)
            await audit.read_head_early(session, asset.workspace_id)
        return found
    except BaseException:
        assessing.cancel()
        with contextlib.suppress(BaseException):
            await assessing
        raise


def _next_compatible(base: Version, latest: ContractVersion | None) -> Version:
    candidate = base.next_minor()
    if latest is not None:
        top = contract_service.semver(latest)
        if top.major == base.major and not candidate > top:
            candidate = Version(top.major, top.minor + 1, 0)
    return candidate


async def plan(
    session: AsyncSession,
    principal: Principal,
    asset: Asset,
    body: VersionCreate,
    engine: EngineRunner,
    *,
    emits: bool = False,
) -> Plan:
    """Decide the outcome and the version number, enforcing every numbering rule. The
    engine's work runs through ``engine`` (off the event loop, within its budget), in one
    call (`evaluate.assess_candidate`). ``emits``: the plan is carried out (`publish`)
    and will emit an event, so what the outbox reads is read while the engine works."""
    requested = _requested(body.version)
    current = await contract_service.heads(session, asset.id)
    latest, base = current.latest, current.base
    candidate, what = await _candidate(session, principal, body, latest)
    # a publish needs the verdict of its policy (every mode when it breaks: a proposal
    # shows them); a dry run reports every mode
    every_mode = UNLESS_COMPATIBLE if emits else True
    assessing = await _assessing(session, asset, current, candidate, engine, every_mode=every_mode)
    registrations = (
        await _consumers(session, asset, assessing, emits=emits) if base is not None else []
    )
    assessed = await assessing
    _require_valid(body, assessed.invalid)
    _require_known_guarantees(candidate, what)
    digest = assessed.digest
    result = Plan(asset, candidate, digest, "published", requested=requested, latest=latest)
    if latest is not None and latest.content_hash == digest:
        result.outcome, result.base = "unchanged", latest
        return result
    if requested is not None and latest and not requested > contract_service.semver(latest):
        raise ConflictError(
            f"version {requested} must be greater than the latest version {latest.version}",
            code="version_not_increasing",
        )
    if base is None:
        result.number = requested or FIRST_VERSION
        return result
    result.base = base
    assert assessed.evaluation is not None  # a base, and not the latest's content
    result.evaluation = evaluation = assessed.evaluation
    base_number = contract_service.semver(base)
    result.registrations = registrations
    asset_service.remember_consumers(session, asset.id, [r.team_id for r in result.registrations])
    if not evaluation.breaking:
        result.number = requested or _next_compatible(base_number, latest)
        if result.number.major != base_number.major:
            raise ConflictError(
                f"a compatible change must keep major version {base_number.major} "
                f"(got {result.number}); major bumps are for breaking changes",
                code="major_bump_not_allowed",
            )
        return result
    if requested is not None and requested.major <= base_number.major:
        raise ConflictError(
            f"this change is breaking under the asset's {asset.compatibility} policy: it "
            f"needs a major version above {base_number.major} (got {requested})",
            code="major_bump_required",
        )
    result.outcome = "proposal"
    result.number = requested or base_number.next_major()
    return result


async def publish(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    body: VersionCreate,
    proposal_ttl: timedelta,
    engine: EngineRunner,
) -> PublishResult:
    # Locking the asset serialises publishes to it: no duplicate numbers, no lost proposal.
    asset = await asset_service.lock(session, principal, asset_id)
    asset_service.require_owner(principal, asset, "publish to")
    decided = await plan(session, principal, asset, body, engine, emits=True)
    if decided.outcome == "unchanged":
        return PublishResult("unchanged", version=decided.latest)
    if decided.outcome == "published":
        assert decided.number is not None
        version = await contract_service.insert_version(
            session,
            actor=principal.actor,
            asset=asset,
            number=decided.number,
            candidate=decided.candidate,
            digest=decided.digest,
            latest=decided.latest,
        )
        return PublishResult("published", version=version)
    proposal = await _propose(session, principal, decided, body, proposal_ttl)
    reason = decided.auto_approval_reason
    if reason is not None:
        shipped = await proposal_service.publish_unawaited(session, principal, proposal, reason)
        if shipped is not None:
            return PublishResult(
                "published", version=shipped, approved_at_once=proposal, auto_approval_reason=reason
            )
    return PublishResult("proposal", proposal=proposal)


async def _propose(
    session: AsyncSession,
    principal: Principal,
    decided: Plan,
    body: VersionCreate,
    proposal_ttl: timedelta,
) -> Proposal:
    assert decided.base is not None
    assert decided.evaluation is not None
    open_one = await proposal_service.open_for_asset(session, decided.asset.id)
    if _same_change(open_one, decided):
        # Identical content on the same base: idempotent; the answers given so far stand.
        assert open_one is not None
        return open_one
    if open_one is not None and not body.replace_open_proposal:
        raise ConflictError(
            f"proposal {open_one.id} is still open for this asset; withdraw it or publish "
            "with replace_open_proposal=true to replace it",
            code="open_proposal_exists",
            extra={"proposal_id": str(open_one.id)},
        )
    if open_one is not None:
        # Close the old one first: the partial unique index allows one open proposal.
        await proposal_service.close_for_replacement(session, open_one)
    proposal = await proposal_service.open_proposal(
        session,
        actor=principal.actor,
        asset=decided.asset,
        base=decided.base,
        requested=decided.requested,
        candidate=decided.candidate,
        digest=decided.digest,
        evaluation=decided.evaluation,
        registrations=decided.registrations,
        affected=decided.affected,
        ttl=proposal_ttl,
    )
    if open_one is not None:
        await proposal_service.mark_superseded(session, principal.actor, open_one, proposal)
    return proposal


def _same_change(open_one: Proposal | None, decided: Plan) -> bool:
    return (
        open_one is not None
        and decided.base is not None
        and open_one.content_hash == decided.digest
        and open_one.base_version_id == decided.base.id
        and (decided.requested is None or str(decided.requested) == open_one.requested_version)
    )


async def assess(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    body: VersionCreate,
    engine: EngineRunner,
) -> tuple[Plan, dict[str, Any]]:
    """Dry run of `publish` for impact analysis: same decision, nothing written."""
    asset = await asset_service.get(session, principal, asset_id)
    decided = await plan(session, principal, asset, body, engine)
    affected = {r.id for r in decided.affected}
    reason = decided.auto_approval_reason
    report: dict[str, Any] = {
        # what publishing would do: a change that waits on nobody is published at once
        "outcome": "published" if reason is not None else decided.outcome,
        "auto_approved": reason is not None,
        "auto_approval_reason": reason,
        "version": str(decided.number) if decided.number else (
            decided.latest.version if decided.latest else None
        ),
        "base_version": decided.base.version if decided.base else None,
        "breaking": decided.outcome == "proposal",
        "evaluation": decided.evaluation.to_dict() if decided.evaluation else None,
        "breaking_changes": decided.evaluation.breaking_changes
        if decided.evaluation and decided.outcome == "proposal"
        else [],
        "affected_registrations": [r for r in decided.registrations if r.id in affected],
        "unaffected_registrations": [r for r in decided.registrations if r.id not in affected],
    }  # fmt: skip
    return decided, report
