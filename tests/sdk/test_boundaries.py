"""The SDK stands alone: no server imports, and a public API that only changes on purpose."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import accord.sdk
from tests.test_boundaries import SERVER_LIBS, SRC, imports_of

# httpx is the SDK's transport; everything else the server uses is off limits.
FORBIDDEN = SERVER_LIBS - {"httpx"}
# The one module the SDK shares: format detection, so the CLI, the SDK and the API pick
# a document's format the same way. It is pure (accord.spec and the accord.kit helpers it
# loads are standard library only: tests/test_boundaries.py), never server code.
SHARED = "accord.spec.formats"
PURE = ("accord.sdk", "accord.spec", "accord.kit")


PUBLIC = {
    "DEFAULT_URL",
    # clients
    "AsyncClient",
    "Client",
    # exceptions
    "APIError",
    "AccordError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    # models
    "ApiKey",
    "ApiKeyCreated",
    "Asset",
    "AuditEvent",
    "AuditVerification",
    "Awaited",
    "ChainProblem",
    "Change",
    "ContractVersion",
    "ContractVersionSummary",
    "Diff",
    "Impact",
    "Me",
    "Page",
    "Proposal",
    "ProposalPublished",
    "PublishResult",
    "Registration",
    "Team",
    "ValidationRun",
    "CompatibilityCheck",
    "DownstreamImpact",
    "Edge",
    "Health",
    "LineagePage",
    "ReachedAsset",
    "Readiness",
    "RegistrationRef",
    "TeamRef",
    "Workspace",
    "CheckTrend",
    "ValidationRunSummary",
    "ValidationTrend",
    # webhooks and deliveries
    "Delivery",
    "DeliveryAttempt",
    "DeliveryDetail",
    "ReplayResult",
    "Webhook",
    "WebhookPing",
    "WebhookWithSecret",
    # dbt imports
    "ImportAsset",
    "ImportEdge",
    "ImportFailure",
    "ImportJob",
    "ImportManifest",
    "ImportNotApplied",
    "ImportProgress",
    "ImportRegistration",
    "ImportResult",
    "ImportSummary",
    "ImportVersion",
    # literal aliases for arguments
    "AssetKind",
    "Compatibility",
    "ContentModel",
    "Dialect",
    "AnnotationPolicy",
    "Decision",
    "ProposalStatus",
    "SchemaFormat",
    "Scope",
    "LineageDirection",
    "RunStatus",
    "DeliveryStatus",
    "PayloadFormat",
    "WebhookScope",
}


def test_sdk_imports_no_server_code() -> None:
    for path in (SRC / "sdk").rglob("*.py"):
        for name in imports_of(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN, (path, name)
            if top == "accord":
                ours = name == "accord.sdk" or name.startswith("accord.sdk.")
                assert ours or name == SHARED, (path, name)


def test_importing_the_sdk_loads_no_server_module() -> None:
    probe = (
        "import sys, accord.sdk; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(FORBIDDEN)!r} or (m.startswith('accord.') "
        f"and not m.startswith({PURE!r}))); "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api_is_exactly_all() -> None:
    assert set(accord.sdk.__all__) == PUBLIC
    assert len(accord.sdk.__all__) == len(PUBLIC)
    for name in PUBLIC:
        assert hasattr(accord.sdk, name), name


def test_public_classes_and_methods_are_documented() -> None:
    for name in PUBLIC:
        obj = getattr(accord.sdk, name)
        if not inspect.isclass(obj):
            continue
        assert obj.__module__.startswith("accord.sdk._"), name
        assert inspect.getdoc(obj), name
        if name in {"Client", "AsyncClient"}:
            for attr, member in _own_members(obj).items():
                if not attr.startswith("_") and callable(member):
                    assert inspect.getdoc(member), f"{name}.{attr}"


def _own_members(cls: type) -> dict[str, Any]:
    """What the SDK's classes define on ``cls`` (it and its private bases)."""
    found: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.startswith("accord.sdk"):
            found |= vars(base)
    return found


def test_both_clients_offer_the_same_methods() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in _own_members(cls) if not n.startswith("_")}

    sync = public(accord.sdk.Client)
    assert {"publish", "ping_webhook", "readyz"} <= sync, "the private bases are included"
    assert sync - {"close"} == public(accord.sdk.AsyncClient) - {"aclose"}


def test_both_clients_take_the_same_parameters() -> None:
    sync, aio = accord.sdk.Client, accord.sdk.AsyncClient
    for name in _own_members(sync):
        if name.startswith("_") or name == "close":
            continue
        params = inspect.signature(getattr(sync, name)).parameters
        aparams = inspect.signature(getattr(aio, name)).parameters
        assert list(params) == list(aparams), name
