"""Publishing: the one path every schema change takes (product invariant 1).

compatible -> a new version at once; identical content -> `unchanged`; breaking -> a
proposal. No request flag, pre-release or version jump skips the check: the policy is
the asset's, pre-releases are checked like any version, and the number must agree with
the verdict (breaking needs a major bump, compatible must not take one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.asset.policy import Compatibility
from accord.auth.principal import Principal
from accord.compat import SchemaError, validate_schema
from accord.contract import service as contract_service
from accord.contract.evaluate import Candidate, content_hash, evaluate
from accord.contract.schemas import VersionCreate
from accord.exceptions import ConflictError, ValidationFailedError
from accord.kit.semver import InvalidVersionError, Version
from accord.models import ContractVersion, Proposal
from accord.proposal import service as proposal_service

FIRST_VERSION = Version(1, 0, 0)


@dataclass(frozen=True)
class PublishResult:
    outcome: str  # published | unchanged | proposal
    version: ContractVersion | None = None
    proposal: Proposal | None = None


def _requested(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version.parse(text)
    except InvalidVersionError as exc:
        raise ConflictError(str(exc), code="invalid_version") from None


def _validated(body: VersionCreate) -> Candidate:
    try:
        validate_schema(body.schema_, body.format.value)
    except SchemaError as exc:
        raise ValidationFailedError(
            f"invalid {body.format.value} schema: {exc}", code="invalid_schema"
        ) from None
    return Candidate(body.format.value, body.schema_, body.guarantees)


async def publish(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    body: VersionCreate,
    proposal_ttl: timedelta,
) -> PublishResult:
    requested = _requested(body.version)
    candidate = _validated(body)
    # Locking the asset serialises publishes to it: no duplicate numbers, no lost proposal.
    asset = await asset_service.lock(session, principal, asset_id)
    asset_service.require_owner(principal, asset, "publish to")
    digest = content_hash(
        candidate.format,
        candidate.schema,
        candidate.guarantees.model_dump(mode="json", exclude_defaults=True),
    )
    hist = await contract_service.history(session, asset.id)
    latest = hist.latest
    if latest is not None and latest.content_hash == digest:
        return PublishResult("unchanged", version=latest)
    if (
        requested is not None
        and latest is not None
        and not requested > contract_service.semver(latest)
    ):
        raise ConflictError(
            f"version {requested} must be greater than the latest version {latest.version}",
            code="version_not_increasing",
        )
    base = hist.base
    if base is None:
        version = await contract_service.insert_version(
            session,
            actor=principal.actor,
            asset=asset,
            number=requested or FIRST_VERSION,
            candidate=candidate,
            digest=digest,
        )
        return PublishResult("published", version=version)
    try:
        evaluation = evaluate(
            Compatibility(asset.compatibility),
            asset.content_model,
            contract_service.earlier(base),
            [contract_service.earlier(v) for v in hist.versions],
            candidate,
        )
    except SchemaError as exc:
        raise ValidationFailedError(str(exc), code="invalid_schema") from None
    base_number = contract_service.semver(base)
    if not evaluation.breaking:
        number = requested or _next_compatible(base_number, latest)
        if number.major != base_number.major:
            raise ConflictError(
                f"a compatible change must keep major version {base_number.major} "
                f"(got {number}); major bumps are for breaking changes",
                code="major_bump_not_allowed",
            )
        version = await contract_service.insert_version(
            session,
            actor=principal.actor,
            asset=asset,
            number=number,
            candidate=candidate,
            digest=digest,
        )
        return PublishResult("published", version=version)
    if requested is not None and requested.major <= base_number.major:
        raise ConflictError(
            f"this change is breaking under the asset's {asset.compatibility} policy: it "
            f"needs a major version above {base_number.major} (got {requested})",
            code="major_bump_required",
        )
    open_one = await proposal_service.open_for_asset(session, asset.id)
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
        asset=asset,
        base=base,
        requested=requested,
        candidate=candidate,
        digest=digest,
        evaluation=evaluation,
        ttl=proposal_ttl,
    )
    if open_one is not None:
        await proposal_service.mark_superseded(session, principal.actor, open_one, proposal)
    return PublishResult("proposal", proposal=proposal)


def _next_compatible(base: Version, latest: ContractVersion | None) -> Version:
    candidate = base.next_minor()
    if latest is not None:
        top = contract_service.semver(latest)
        if top.major == base.major and not candidate > top:
            candidate = Version(top.major, top.minor + 1, 0)
    return candidate
