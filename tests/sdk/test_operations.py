"""Every operation of ``openapi.json`` has an SDK method on both clients, which sends that
request, takes the operation's parameters under their names, and returns a model with
every property of the response schema.

A new endpoint without an SDK method, or a response field the models drop, fails here.
"""

from __future__ import annotations

import inspect
import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import accord.sdk as sdk
from accord.sdk import AsyncClient, Client

OPENAPI = json.loads((Path(__file__).resolve().parents[2] / "openapi.json").read_text())
ID = str(uuid.uuid4())
SCHEMA = {"type": "object"}

# "METHOD path" -> the SDK calls that send it: (method, positional args, keyword args).
OPERATIONS: dict[str, list[tuple[str, tuple[Any, ...], dict[str, Any]]]] = {
    "GET /api/v1/me": [("me", (), {})],
    "GET /api/v1/teams": [("list_teams", (), {})],
    "POST /api/v1/teams": [("create_team", ("ops",), {})],
    "GET /api/v1/teams/{team_id}": [("get_team", (ID,), {})],
    "PATCH /api/v1/teams/{team_id}": [("update_team", (ID,), {"name": "ops"})],
    "DELETE /api/v1/teams/{team_id}": [("delete_team", (ID,), {})],
    "GET /api/v1/api-keys": [("list_api_keys", (), {})],
    "POST /api/v1/api-keys": [("create_api_key", ("ci", ["read"]), {})],
    "DELETE /api/v1/api-keys/{key_id}": [("revoke_api_key", (ID,), {})],
    "GET /api/v1/assets": [("list_assets", (), {})],
    "POST /api/v1/assets": [("create_asset", ("a.b", ID), {})],
    "GET /api/v1/assets/{asset_id}": [("get_asset", (ID,), {})],
    "PATCH /api/v1/assets/{asset_id}": [("update_asset", (ID,), {"description": "d"})],
    "DELETE /api/v1/assets/{asset_id}": [("delete_asset", (ID,), {"reason": "r"})],
    "POST /api/v1/assets/{asset_id}/restore": [("restore_asset", (ID,), {})],
    "GET /api/v1/assets/{asset_id}/diff": [("diff", (ID, "1.0.0", "2.0.0"), {})],
    "POST /api/v1/assets/{asset_id}/impact": [("impact", (ID, SCHEMA), {"depth": 2})],
    "GET /api/v1/assets/{asset_id}/lineage": [("get_lineage", (ID,), {"depth": 2})],
    "GET /api/v1/assets/{asset_id}/validation-runs": [("list_validation_runs", (ID,), {})],
    "POST /api/v1/assets/{asset_id}/validation-runs": [
        ("report_validation_run", (ID, {"source": "s", "checks": []}), {})
    ],
    "GET /api/v1/assets/{asset_id}/validation-runs/trend": [("validation_trend", (ID,), {})],
    "GET /api/v1/assets/{asset_id}/validation-runs/{run_id}": [
        ("get_validation_run", (ID, ID), {})
    ],
    "GET /api/v1/assets/{asset_id}/versions": [("list_versions", (ID,), {})],
    "POST /api/v1/assets/{asset_id}/versions": [("publish", (ID, SCHEMA), {})],
    "GET /api/v1/assets/{asset_id}/versions/{version}": [("get_version", (ID, "1.0.0"), {})],
    "GET /api/v1/audit-events": [("list_audit_events", (), {})],
    "GET /api/v1/audit-events/verify": [("verify_audit", (), {})],
    "POST /api/v1/compat/check": [("check_compatibility", (), {"old": SCHEMA, "new": SCHEMA})],
    "GET /api/v1/dead-letters": [("list_dead_letters", (), {})],
    "POST /api/v1/dead-letters/replay": [("replay_dead_letters", ("r",), {})],
    "POST /api/v1/dead-letters/{delivery_id}/replay": [("replay_dead_letter", (ID,), {})],
    "POST /api/v1/imports/dbt": [
        ("import_dbt", (b"{}",), {"wait": False}),
        ("plan_dbt_import", (b"{}",), {}),
    ],
    "GET /api/v1/imports/jobs/{job_id}": [("get_import_job", (ID,), {})],
    "GET /api/v1/lineage/edges": [("list_lineage_edges", (), {})],
    "POST /api/v1/lineage/edges": [("create_lineage_edge", (ID, ID), {})],
    "DELETE /api/v1/lineage/edges/{edge_id}": [("delete_lineage_edge", (ID,), {})],
    "GET /api/v1/proposals": [("list_proposals", (), {})],
    "GET /api/v1/proposals/{proposal_id}": [("get_proposal", (ID,), {})],
    "POST /api/v1/proposals/{proposal_id}/acknowledgments": [
        ("acknowledge", (ID, ID, "approve"), {})
    ],
    "POST /api/v1/proposals/{proposal_id}/force": [("force_publish_proposal", (ID, "r"), {})],
    "POST /api/v1/proposals/{proposal_id}/publish": [("publish_proposal", (ID,), {})],
    "POST /api/v1/proposals/{proposal_id}/withdraw": [("withdraw_proposal", (ID,), {})],
    "GET /api/v1/registrations": [("list_registrations", (), {})],
    "POST /api/v1/registrations": [("create_registration", (ID, ID), {})],
    "DELETE /api/v1/registrations/{registration_id}": [("delete_registration", (ID,), {})],
    "GET /api/v1/webhooks": [("list_webhooks", (), {})],
    "POST /api/v1/webhooks": [("create_webhook", ("https://example.com/hook",), {})],
    "GET /api/v1/webhooks/{webhook_id}": [("get_webhook", (ID,), {})],
    "PATCH /api/v1/webhooks/{webhook_id}": [("update_webhook", (ID,), {"active": False})],
    "DELETE /api/v1/webhooks/{webhook_id}": [("delete_webhook", (ID,), {})],
    "GET /api/v1/webhooks/{webhook_id}/deliveries": [("list_webhook_deliveries", (ID,), {})],
    "POST /api/v1/webhooks/{webhook_id}/rotate-secret": [("rotate_webhook_secret", (ID,), {})],
    "POST /api/v1/webhooks/{webhook_id}/ping": [("ping_webhook", (ID,), {})],
    "GET /api/v1/workspace": [("get_workspace", (), {})],
    "PATCH /api/v1/workspace": [("update_workspace", (), {"default_content_model": "strict"})],
    "GET /healthz": [("healthz", (), {})],
    "GET /readyz": [("readyz", (), {})],
}
# In the table before the endpoint is in openapi.json (being added in parallel).
NOT_YET_IN_OPENAPI: set[str] = set()  # operations the SDK calls before the server has them

# A parameter or body field the SDK method spells differently, or expresses otherwise.
RENAMED = {
    ("GET /api/v1/assets/{asset_id}/diff", "from"): "from_version",
    ("GET /api/v1/assets/{asset_id}/diff", "to"): "to_version",
    ("POST /api/v1/assets/{asset_id}/versions", "idempotency-key"): "idempotency_key",
    ("POST /api/v1/imports/dbt", "dry_run"): None,  # import_dbt vs plan_dbt_import
    ("POST /api/v1/assets/{asset_id}/impact", "replace_open_proposal"): None,  # no publish
}
# Operations whose body is one document the caller builds (not one argument per field).
WHOLE_BODY = {"POST /api/v1/assets/{asset_id}/validation-runs", "POST /api/v1/imports/dbt"}

# Response schema -> the SDK model that reads it.
MODELS: dict[str, type[BaseModel]] = {
    "ApiKey": sdk.ApiKey,
    "ApiKeyCreated": sdk.ApiKeyCreated,
    "Asset": sdk.Asset,
    "AssetStep": sdk.ImportAsset,
    "AttemptOut": sdk.DeliveryAttempt,
    "AuditEventOut": sdk.AuditEvent,
    "Awaited": sdk.Awaited,
    "ChainProblem": sdk.ChainProblem,
    "ChangeOut": sdk.Change,
    "CheckResponse": sdk.CompatibilityCheck,
    "CheckTrend": sdk.CheckTrend,
    "ContractVersion": sdk.ContractVersion,
    "ContractVersionSummary": sdk.ContractVersionSummary,
    "DeliveryDetail": sdk.DeliveryDetail,
    "DeliveryOut": sdk.Delivery,
    "Diff": sdk.Diff,
    "DownstreamImpact": sdk.DownstreamImpact,
    "Edge": sdk.Edge,
    "EdgeStep": sdk.ImportEdge,
    "Impact": sdk.Impact,
    "ImportFailure": sdk.ImportFailure,
    "ImportJob": sdk.ImportJob,
    "ImportProgress": sdk.ImportProgress,
    "ImportResult": sdk.ImportResult,
    "ImportSummary": sdk.ImportSummary,
    "LineagePage": sdk.LineagePage,
    "ManifestInfo": sdk.ImportManifest,
    "Me": sdk.Me,
    "NotApplied": sdk.ImportNotApplied,
    "Proposal": sdk.Proposal,
    "ProposalOutcome": sdk.PublishResult,
    "ProposalPublished": sdk.ProposalPublished,
    "PublishedOutcome": sdk.PublishResult,
    "ReachedAsset": sdk.ReachedAsset,
    "Registration": sdk.Registration,
    "RegistrationRef": sdk.RegistrationRef,
    "RegistrationStep": sdk.ImportRegistration,
    "ReplayResult": sdk.ReplayResult,
    "Team": sdk.Team,
    "TeamRef": sdk.TeamRef,
    "Trend": sdk.ValidationTrend,
    "ValidationRun": sdk.ValidationRun,
    "ValidationRunSummary": sdk.ValidationRunSummary,
    "VerifyResult": sdk.AuditVerification,
    "VersionStep": sdk.ImportVersion,
    "Webhook": sdk.Webhook,
    "WebhookPing": sdk.WebhookPing,
    "WebhookWithSecret": sdk.WebhookWithSecret,
    "Workspace": sdk.Workspace,
}


def _operations() -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": op
        for path, item in OPENAPI["paths"].items()
        for method, op in item.items()
    }


def _schema(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    found: dict[str, Any] = OPENAPI["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return found


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"].rsplit("/", 1)[1]} if "$ref" in node else set()
        return own.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _response_schemas() -> set[str]:
    """Every schema a 2xx response can contain, nested ones included (pages unwrapped)."""
    todo = {
        name
        for op in _operations().values()
        for status, response in op["responses"].items()
        if status.startswith("2")
        for name in _refs(response.get("content", {}))
    }
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= _refs(OPENAPI["components"]["schemas"][name]) - seen
    return {n for n in seen if "properties" in _schema({"$ref": f"/{n}"})}


def test_every_operation_is_in_the_table() -> None:
    in_file = set(_operations())
    assert in_file - set(OPERATIONS) == set(), "operations without an SDK method"
    assert set(OPERATIONS) - in_file <= NOT_YET_IN_OPENAPI, "stale entries in OPERATIONS"


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_both_clients_have_the_methods(operation: str) -> None:
    for name, _, _ in OPERATIONS[operation]:
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name, None)), name
        sync = getattr(Client, name, None)
        assert callable(sync), name
        assert not inspect.iscoroutinefunction(sync), name


class _Sent(Exception):
    def __init__(self, request: httpx.Request) -> None:
        self.request = request


def _stop(request: httpx.Request) -> httpx.Response:
    raise _Sent(request)


def _matches(operation: str, request: httpx.Request) -> bool:
    method, template = operation.split(" ", 1)
    pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
    return request.method == method and re.fullmatch(pattern, request.url.path) is not None


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_sync_method_sends_the_operation(operation: str) -> None:
    with Client("http://accord.test", "k", transport=httpx.MockTransport(_stop)) as client:
        for name, args, kwargs in OPERATIONS[operation]:
            with pytest.raises(_Sent) as sent:
                getattr(client, name)(*args, **kwargs)
            assert _matches(operation, sent.value.request), (name, sent.value.request.url)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_async_method_sends_the_operation(operation: str) -> None:
    transport = httpx.MockTransport(_stop)
    async with AsyncClient("http://accord.test", "k", transport=transport) as client:
        for name, args, kwargs in OPERATIONS[operation]:
            with pytest.raises(_Sent) as sent:
                await getattr(client, name)(*args, **kwargs)
            assert _matches(operation, sent.value.request), (name, sent.value.request.url)


def _inputs(operation: str, op: dict[str, Any]) -> set[str]:
    names = {p["name"] for p in op.get("parameters", []) if p["in"] in {"query", "header"}}
    if operation not in WHOLE_BODY:
        for content in op.get("requestBody", {}).get("content", {}).values():
            schema = content["schema"]
            for branch in schema.get("anyOf", [schema]):
                names |= set(_schema(branch).get("properties", {}))
    return names


@pytest.mark.parametrize("operation", sorted(set(OPERATIONS) & set(_operations())))
def test_methods_take_the_operation_parameters(operation: str) -> None:
    """Query, header and body fields are arguments of the method, under the same name."""
    wanted = {
        RENAMED.get((operation, name), name)
        for name in _inputs(operation, _operations()[operation])
    } - {None}
    taken: set[str] = set()
    for name, _, _ in OPERATIONS[operation]:
        taken |= set(inspect.signature(getattr(Client, name)).parameters)
    assert wanted - taken == set(), operation


def test_every_response_schema_has_a_model() -> None:
    pages = {name for name in _response_schemas() if name.startswith("Page_")}
    assert _response_schemas() - pages - set(MODELS) == set()


@pytest.mark.parametrize("schema", sorted(_response_schemas()))
def test_models_read_every_response_property(schema: str) -> None:
    model = sdk.Page if schema.startswith("Page_") else MODELS[schema]
    read = {field.alias or name for name, field in model.model_fields.items()}
    properties = set(_schema({"$ref": f"/{schema}"})["properties"])
    assert properties - read == set(), f"{model.__name__} drops fields of {schema}"
