"""Every endpoint the SDK uses, described once as a ``Call`` (path, body, parser).

Both clients build their requests from these functions, so the two can never disagree
about a path or a parameter name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accord.sdk._base import (
    ID,
    Call,
    body_of,
    params_of,
    returns,
    returns_nothing,
    segment,
)
from accord.sdk._hooks import (
    Delivery,
    DeliveryDetail,
    ReplayResult,
    Webhook,
    WebhookPing,
    WebhookWithSecret,
)
from accord.sdk._imports import ImportJob, ImportResult
from accord.sdk._models import (
    ApiKey,
    ApiKeyCreated,
    Asset,
    AuditEvent,
    AuditVerification,
    CompatibilityCheck,
    ContractVersion,
    ContractVersionSummary,
    Diff,
    Edge,
    Health,
    Impact,
    LineagePage,
    Me,
    Page,
    Proposal,
    ProposalPublished,
    PublishResult,
    Readiness,
    Registration,
    Team,
    Workspace,
)
from accord.sdk._validation import ValidationRun, ValidationRunSummary, ValidationTrend
from accord.spec.formats import detect_format

API = "/api/v1"


def me() -> Call[Me]:
    return Call("GET", f"{API}/me", returns(Me))


def list_teams(limit: int | None, cursor: str | None) -> Call[Page[Team]]:
    return Call("GET", f"{API}/teams", returns(Page[Team]), params_of(limit=limit, cursor=cursor))


def create_team(name: str, description: str) -> Call[Team]:
    body = {"name": name, "description": description}
    return Call("POST", f"{API}/teams", returns(Team), json=body)


def get_team(team_id: ID) -> Call[Team]:
    return Call("GET", f"{API}/teams/{segment(team_id)}", returns(Team))


def update_team(team_id: ID, name: str | None, description: str | None) -> Call[Team]:
    body = body_of(name=name, description=description)
    return Call("PATCH", f"{API}/teams/{segment(team_id)}", returns(Team), json=body)


def delete_team(team_id: ID) -> Call[None]:
    return Call("DELETE", f"{API}/teams/{segment(team_id)}", returns_nothing)


def create_api_key(
    name: str, scopes: list[str], team_id: ID | None, expires_at: datetime | None
) -> Call[ApiKeyCreated]:
    body: dict[str, Any] = {"name": name, "scopes": scopes}
    if team_id is not None:
        body["team_id"] = str(team_id)
    if expires_at is not None:
        body["expires_at"] = expires_at.isoformat()
    return Call("POST", f"{API}/api-keys", returns(ApiKeyCreated), json=body)


def list_api_keys(
    include_revoked: bool, limit: int | None, cursor: str | None
) -> Call[Page[ApiKey]]:
    params = params_of(include_revoked=include_revoked or None, limit=limit, cursor=cursor)
    return Call("GET", f"{API}/api-keys", returns(Page[ApiKey]), params)


def revoke_api_key(key_id: ID) -> Call[None]:
    return Call("DELETE", f"{API}/api-keys/{segment(key_id)}", returns_nothing)


def create_asset(
    fqn: str, owner_team_id: ID, environment: str, kind: str, **options: Any
) -> Call[Asset]:
    body = {"fqn": fqn, "owner_team_id": str(owner_team_id), "environment": environment}
    body["kind"] = kind
    body |= {k: v for k, v in options.items() if v is not None}
    return Call("POST", f"{API}/assets", returns(Asset), json=body)


def list_assets(**params: Any) -> Call[Page[Asset]]:
    return Call("GET", f"{API}/assets", returns(Page[Asset]), params_of(**params))


def get_asset(asset_id: ID) -> Call[Asset]:
    return Call("GET", f"{API}/assets/{segment(asset_id)}", returns(Asset))


def update_asset(asset_id: ID, **changes: Any) -> Call[Asset]:
    body = {k: str(v) if k == "owner_team_id" else v for k, v in changes.items() if v is not None}
    return Call("PATCH", f"{API}/assets/{segment(asset_id)}", returns(Asset), json=body)


def delete_asset(asset_id: ID, reason: str | None) -> Call[None]:
    path = f"{API}/assets/{segment(asset_id)}"
    return Call("DELETE", path, returns_nothing, params_of(reason=reason))


def restore_asset(asset_id: ID) -> Call[Asset]:
    return Call("POST", f"{API}/assets/{segment(asset_id)}/restore", returns(Asset))


def version_body(
    schema: dict[str, Any],
    format: str | None,
    version: str | None,
    guarantees: dict[str, Any] | None,
    replace_open_proposal: bool,
    references: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The body of a publish or an impact. With no ``format`` it is detected from the
    document as the CLI does (a top-level ``columns`` list: ``table``). ``guarantees``
    ``None`` sends no key at all (the server keeps the previous version's); ``{}`` is
    sent and removes them."""
    fmt = format if format is not None else detect_format(schema)
    body: dict[str, Any] = {"schema": schema, "format": fmt}
    if references:
        body["references"] = references
    if version is not None:
        body["version"] = version
    if guarantees is not None:
        body["guarantees"] = guarantees
    if replace_open_proposal:
        body["replace_open_proposal"] = True
    return body


def publish(asset_id: ID, body: dict[str, Any], idempotency_key: str | None) -> Call[PublishResult]:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}
    path = f"{API}/assets/{segment(asset_id)}/versions"
    return Call("POST", path, returns(PublishResult), json=body, headers=headers)


def impact(asset_id: ID, body: dict[str, Any], depth: int | None) -> Call[Impact]:
    path = f"{API}/assets/{segment(asset_id)}/impact"
    return Call("POST", path, returns(Impact), params_of(depth=depth), json=body)


def report_validation_run(
    asset_id: ID, report: dict[str, Any], pipeline: str
) -> Call[ValidationRun]:
    body = {**report, **({"pipeline": pipeline} if pipeline else {})}
    path = f"{API}/assets/{segment(asset_id)}/validation-runs"
    return Call("POST", path, returns(ValidationRun), json=body)


def list_validation_runs(asset_id: ID, **params: Any) -> Call[Page[ValidationRunSummary]]:
    path = f"{API}/assets/{segment(asset_id)}/validation-runs"
    return Call("GET", path, returns(Page[ValidationRunSummary]), params_of(**params))


def get_validation_run(asset_id: ID, run_id: ID) -> Call[ValidationRun]:
    path = f"{API}/assets/{segment(asset_id)}/validation-runs/{segment(run_id)}"
    return Call("GET", path, returns(ValidationRun))


def validation_trend(asset_id: ID, **params: Any) -> Call[ValidationTrend]:
    path = f"{API}/assets/{segment(asset_id)}/validation-runs/trend"
    return Call("GET", path, returns(ValidationTrend), params_of(**params))


def list_versions(
    asset_id: ID, limit: int | None, cursor: str | None
) -> Call[Page[ContractVersionSummary]]:
    path = f"{API}/assets/{segment(asset_id)}/versions"
    params = params_of(limit=limit, cursor=cursor)
    return Call("GET", path, returns(Page[ContractVersionSummary]), params)


def get_version(asset_id: ID, version: str) -> Call[ContractVersion]:
    path = f"{API}/assets/{segment(asset_id)}/versions/{segment(version)}"
    return Call("GET", path, returns(ContractVersion))


def diff(asset_id: ID, from_version: str, to_version: str) -> Call[Diff]:
    params = {"from": from_version, "to": to_version}
    return Call("GET", f"{API}/assets/{segment(asset_id)}/diff", returns(Diff), params)


def create_registration(
    asset_id: ID, team_id: ID, fields: list[str] | None, version_range: str | None, note: str
) -> Call[Registration]:
    body: dict[str, Any] = {"asset_id": str(asset_id), "team_id": str(team_id), "note": note}
    if fields is not None:
        body["fields"] = fields
    if version_range is not None:
        body["version_range"] = version_range
    return Call("POST", f"{API}/registrations", returns(Registration), json=body)


def list_registrations(**params: Any) -> Call[Page[Registration]]:
    path = f"{API}/registrations"
    return Call("GET", path, returns(Page[Registration]), params_of(**params))


def delete_registration(registration_id: ID) -> Call[None]:
    return Call("DELETE", f"{API}/registrations/{segment(registration_id)}", returns_nothing)


def list_proposals(**params: Any) -> Call[Page[Proposal]]:
    return Call("GET", f"{API}/proposals", returns(Page[Proposal]), params_of(**params))


def get_proposal(proposal_id: ID) -> Call[Proposal]:
    return Call("GET", f"{API}/proposals/{segment(proposal_id)}", returns(Proposal))


def acknowledge(proposal_id: ID, team_id: ID, decision: str, comment: str) -> Call[Proposal]:
    body = {"team_id": str(team_id), "decision": decision, "comment": comment}
    path = f"{API}/proposals/{segment(proposal_id)}/acknowledgments"
    return Call("POST", path, returns(Proposal), json=body)


def publish_proposal(proposal_id: ID, version: str | None) -> Call[ProposalPublished]:
    path = f"{API}/proposals/{segment(proposal_id)}/publish"
    return Call("POST", path, returns(ProposalPublished), json={"version": version})


def withdraw_proposal(proposal_id: ID, reason: str) -> Call[Proposal]:
    path = f"{API}/proposals/{segment(proposal_id)}/withdraw"
    return Call("POST", path, returns(Proposal), json={"reason": reason})


def force_proposal(proposal_id: ID, reason: str) -> Call[ProposalPublished]:
    path = f"{API}/proposals/{segment(proposal_id)}/force"
    return Call("POST", path, returns(ProposalPublished), json={"reason": reason})


def list_audit_events(**params: Any) -> Call[Page[AuditEvent]]:
    values = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in params.items()}
    path = f"{API}/audit-events"
    return Call("GET", path, returns(Page[AuditEvent]), params_of(**values))


def verify_audit() -> Call[AuditVerification]:
    return Call("GET", f"{API}/audit-events/verify", returns(AuditVerification))


def _dbt_import(
    manifest: bytes, environment: str, owner_team: str | None, dry_run: bool
) -> dict[str, Any]:
    params = params_of(
        environment=environment, owner_team=owner_team, dry_run="true" if dry_run else "false"
    )
    return {
        "params": params,
        "content": manifest,
        "headers": {"Content-Type": "application/json"},
    }


def start_dbt_import(manifest: bytes, environment: str, owner_team: str | None) -> Call[ImportJob]:
    """202: the job (the import runs in the background)."""
    parts = _dbt_import(manifest, environment, owner_team, False)
    return Call("POST", f"{API}/imports/dbt", returns(ImportJob), **parts)


def plan_dbt_import(
    manifest: bytes, environment: str, owner_team: str | None
) -> Call[ImportResult]:
    """200: the dry run's plan."""
    parts = _dbt_import(manifest, environment, owner_team, True)
    return Call("POST", f"{API}/imports/dbt", returns(ImportResult), **parts)


def get_import_job(job_id: ID) -> Call[ImportJob]:
    return Call("GET", f"{API}/imports/jobs/{segment(job_id)}", returns(ImportJob))


# -- lineage ----------------------------------------------------------------------------


def get_lineage(asset_id: ID, **params: Any) -> Call[LineagePage]:
    path = f"{API}/assets/{segment(asset_id)}/lineage"
    return Call("GET", path, returns(LineagePage), params_of(**params))


def list_lineage_edges(**params: Any) -> Call[Page[Edge]]:
    return Call("GET", f"{API}/lineage/edges", returns(Page[Edge]), params_of(**params))


def create_lineage_edge(
    upstream_asset_id: ID, downstream_asset_id: ID, kind: str | None
) -> Call[Edge]:
    body = body_of(
        upstream_asset_id=upstream_asset_id, downstream_asset_id=downstream_asset_id, kind=kind
    )
    return Call("POST", f"{API}/lineage/edges", returns(Edge), json=body)


def delete_lineage_edge(edge_id: ID) -> Call[None]:
    return Call("DELETE", f"{API}/lineage/edges/{segment(edge_id)}", returns_nothing)


# -- compatibility (stateless) ------------------------------------------------------------


def check_compatibility(new: Any, **fields: Any) -> Call[CompatibilityCheck]:
    body = {"new": new, **body_of(**fields)}
    return Call("POST", f"{API}/compat/check", returns(CompatibilityCheck), json=body)


# -- webhooks and dead letters ------------------------------------------------------------


def _webhook(webhook_id: ID) -> str:
    return f"{API}/webhooks/{segment(webhook_id)}"


def list_webhooks(limit: int | None, cursor: str | None) -> Call[Page[Webhook]]:
    params = params_of(limit=limit, cursor=cursor)
    return Call("GET", f"{API}/webhooks", returns(Page[Webhook]), params)


def create_webhook(url: str, **fields: Any) -> Call[WebhookWithSecret]:
    body = {"url": url, **body_of(**fields)}
    return Call("POST", f"{API}/webhooks", returns(WebhookWithSecret), json=body)


def get_webhook(webhook_id: ID) -> Call[Webhook]:
    return Call("GET", _webhook(webhook_id), returns(Webhook))


def update_webhook(webhook_id: ID, **changes: Any) -> Call[Webhook]:
    return Call("PATCH", _webhook(webhook_id), returns(Webhook), json=body_of(**changes))


def delete_webhook(webhook_id: ID) -> Call[None]:
    return Call("DELETE", _webhook(webhook_id), returns_nothing)


def list_webhook_deliveries(webhook_id: ID, **params: Any) -> Call[Page[DeliveryDetail]]:
    path = f"{_webhook(webhook_id)}/deliveries"
    return Call("GET", path, returns(Page[DeliveryDetail]), params_of(**params))


def rotate_webhook_secret(webhook_id: ID) -> Call[WebhookWithSecret]:
    path = f"{_webhook(webhook_id)}/rotate-secret"
    return Call("POST", path, returns(WebhookWithSecret))


def ping_webhook(webhook_id: ID) -> Call[WebhookPing]:
    return Call("POST", f"{_webhook(webhook_id)}/ping", returns(WebhookPing))


def list_dead_letters(limit: int | None, cursor: str | None) -> Call[Page[Delivery]]:
    params = params_of(limit=limit, cursor=cursor)
    return Call("GET", f"{API}/dead-letters", returns(Page[Delivery]), params)


def replay_dead_letter(delivery_id: ID) -> Call[Delivery]:
    path = f"{API}/dead-letters/{segment(delivery_id)}/replay"
    return Call("POST", path, returns(Delivery))


def replay_dead_letters(reason: str, **filters: Any) -> Call[ReplayResult]:
    body = {"reason": reason, **body_of(**filters)}
    return Call("POST", f"{API}/dead-letters/replay", returns(ReplayResult), json=body)


# -- workspace and probes -----------------------------------------------------------------


def get_workspace() -> Call[Workspace]:
    return Call("GET", f"{API}/workspace", returns(Workspace))


def update_workspace(**changes: Any) -> Call[Workspace]:
    return Call("PATCH", f"{API}/workspace", returns(Workspace), json=body_of(**changes))


def healthz() -> Call[Health]:
    return Call("GET", "/healthz", returns(Health))


def readyz() -> Call[Readiness]:
    # 503 is an answer too (not ready, and why): the body is the same shape.
    return Call("GET", "/readyz", returns(Readiness), accept=frozenset({503}))
