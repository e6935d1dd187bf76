"""HTTP: /api/v1/assets/{asset_id}/versions and /diff."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from accord.asset import service as asset_service
from accord.auth.dependencies import ReadPrincipal, WritePrincipal
from accord.compat import SchemaError
from accord.contract import flows
from accord.contract import service as contract_service
from accord.contract.evaluate import compare
from accord.contract.schemas import (
    ContractVersion,
    ContractVersionSummary,
    Diff,
    Impact,
    ProposalOutcome,
    PublishedOutcome,
    VersionCreate,
)
from accord.db import session_scope
from accord.deps import SessionDep, StateDep, engine_for, read_only
from accord.exceptions import ValidationFailedError
from accord.idempotency import service as idempotency
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    encode_cursor,
    int_after,
)
from accord.lineage import service as lineage_service
from accord.lineage.schemas import DEFAULT_DEPTH, MAX_DEPTH
from accord.problems import STANDARD_ERRORS
from accord.proposal import service as proposal_service
from accord.state import AppState

router = APIRouter(prefix="/api/v1/assets", tags=["versions"], responses=STANDARD_ERRORS)


# The publish answer goes to bytes in one step: a 50-column version as a dict, then
# through json.dumps, was 0.13 ms of a publish (issue 21).
_PUBLISHED = TypeAdapter(PublishedOutcome)
_PROPOSED = TypeAdapter(ProposalOutcome)


async def _publish_body(
    session: SessionDep, principal: WritePrincipal, state: StateDep, asset_id: uuid.UUID,
    body: VersionCreate,
) -> tuple[int, bytes]:  # fmt: skip
    result = await flows.publish(
        session,
        principal,
        asset_id,
        body,
        timedelta(days=state.settings.proposal_ttl_days),
        engine_for(state, principal),
    )
    proposal = None
    if (shown := result.proposal or result.approved_at_once) is not None:
        proposal = await proposal_service.to_out(session, shown)
    if result.version is None:
        assert proposal is not None  # no version: the change waits on its proposal
        opened = ProposalOutcome(outcome="proposal", proposal=proposal)
        return 202, _PROPOSED.dump_json(opened, by_alias=True)
    outcome = PublishedOutcome(
        outcome="published" if result.outcome == "published" else "unchanged",
        version=ContractVersion.model_validate(result.version),
        proposal=proposal,
        auto_approved=result.auto_approval_reason is not None,
        auto_approval_reason=result.auto_approval_reason,
    )
    status = 201 if result.outcome == "published" else 200
    return status, _PUBLISHED.dump_json(outcome, by_alias=True)


@router.post(
    "/{asset_id}/versions",
    status_code=201,
    responses={
        200: {"model": PublishedOutcome, "description": "Identical to the latest: unchanged."},
        201: {
            "model": PublishedOutcome,
            "description": "Published: compatible, or breaking but approved at once because "
            "no registered consumer is affected (`auto_approved`).",
        },
        202: {"model": ProposalOutcome, "description": "Breaking: a proposal was opened."},
    },
)
async def publish_version(
    asset_id: uuid.UUID,
    body: VersionCreate,
    principal: WritePrincipal,
    session: SessionDep,
    state: StateDep,
    idempotency_key: str | None = Header(default=None, max_length=255),
) -> Response:
    """Publish a schema (owner team or admin). Checked against the asset's policy:
    compatible -> 201 `published`; identical to the latest -> 200 `unchanged`; breaking
    -> 202 `proposal`, except when no registered consumer is affected: then the proposal
    is approved at once and published, and the answer is 201 `published` with
    `auto_approved: true`, the reason, and the (published) `proposal`. 409 for a version
    that is not increasing or of the wrong kind (breaking needs a major bump; compatible
    must not take one); 422 for a version that is not semver (`invalid_version`) or an
    invalid schema. Without `format`, the format is detected from the document; without
    `guarantees`, the latest version's are kept. Honours `Idempotency-Key`."""
    print_ = None
    if idempotency_key is not None:
        key = idempotency.check_key(idempotency_key)
        sent = body.model_dump(mode="json", by_alias=True)
        if "guarantees" not in body.model_fields_set:
            del sent["guarantees"]  # omitted (carried forward) is not `{}` (removed)
        print_ = idempotency.fingerprint(f"POST /assets/{asset_id}/versions", sent)
        stored = await idempotency.replay(session, principal, key, print_)
        if stored is not None:
            return JSONResponse(stored[1], status_code=stored[0])
    status_code, answer = await _publish_body(session, principal, state, asset_id, body)
    if idempotency_key is not None and print_ is not None:
        await idempotency.remember(
            session, principal, idempotency_key, print_, status_code, json.loads(answer)
        )
    return Response(answer, status_code=status_code, media_type="application/json")


@router.get("/{asset_id}/versions")
async def list_versions(
    asset_id: uuid.UUID,
    principal: ReadPrincipal,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ContractVersionSummary]:
    """An asset's versions in publish order."""
    asset = await asset_service.get(session, principal, asset_id)
    rows = await contract_service.page(
        session, asset.id, after_seq=int_after(cursor), limit=limit + 1
    )
    next_cursor = encode_cursor([rows[limit - 1].seq]) if len(rows) > limit else None
    return Page[ContractVersionSummary](
        items=[ContractVersionSummary.model_validate(v) for v in rows[:limit]],
        next_cursor=next_cursor,
    )


@router.get("/{asset_id}/versions/{version}", response_model=ContractVersion)
async def get_version(
    asset_id: uuid.UUID,
    principal: ReadPrincipal,
    request: Request,
    version: str = Path(..., max_length=64),
) -> Response:
    """One version with its schema and guarantees."""
    # The hot path: kept versions answer without a transaction (contract/bodies.py), so
    # this route opens its own only when it must read.
    state: AppState = request.app.state.accord
    body = state.versions.body((principal.workspace_id, asset_id, version))
    if body is None:
        async with session_scope(state.sessionmaker, write=False) as session:
            body = await contract_service.version_body(
                session, state.versions, principal.workspace_id, asset_id, version
            )
    return Response(body, media_type="application/json")


@router.get("/{asset_id}/diff")
async def diff_versions(
    asset_id: uuid.UUID,
    principal: ReadPrincipal,
    session: SessionDep,
    state: StateDep,
    from_version: str = Query(..., alias="from", max_length=64),
    to_version: str = Query(..., alias="to", max_length=64),
) -> Diff:
    """The engine's changes and witnesses between two versions, under the asset's policy."""
    asset = await asset_service.get(session, principal, asset_id)
    old = await contract_service.get_version(session, asset.id, from_version)
    new = await contract_service.get_version(session, asset.id, to_version)
    args, kwargs = await contract_service.diff_inputs(session, asset, old, new)
    try:
        found = await engine_for(state, principal).near(asset.id)(compare, *args, **kwargs)
    except SchemaError as exc:  # stored versions were validated; keep the API total anyway
        raise ValidationFailedError(str(exc), code="invalid_schema") from None
    return Diff.model_validate(found)


@router.post("/{asset_id}/impact")
@read_only
async def assess_impact(
    asset_id: uuid.UUID,
    body: VersionCreate,
    principal: ReadPrincipal,
    session: SessionDep,
    state: StateDep,
    depth: int = Query(
        DEFAULT_DEPTH, ge=1, le=MAX_DEPTH, description="How far downstream to look."
    ),
) -> Impact:
    """Dry run of a publish (read scope): the verdict, the breaking changes, the
    registrations a proposal would wait on, and every asset downstream of this one
    (transitively, to `depth`) with its owner team and registrations. Nothing is
    written; the same numbering rules apply (409/422 exactly where the publish would
    fail)."""
    decided, report = await flows.assess(
        session, principal, asset_id, body, engine_for(state, principal)
    )
    report["downstream"] = await lineage_service.downstream_impact(
        session, principal.workspace_id, decided.asset.id, depth=depth
    )
    return Impact.model_validate(report)
