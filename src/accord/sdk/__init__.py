"""Accord's Python SDK: typed sync and async clients over httpx.

    from accord.sdk import Client, ConflictError

    with Client("http://127.0.0.1:8080", api_key="acd_...") as accord:
        asset = accord.get_asset_by_fqn("warehouse.sales.orders")
        result = accord.publish(asset.id, schema)
        if result.outcome == "proposal":
            print("waiting on", [a.team_id for a in result.proposal.awaiting])

Everything public is listed in ``__all__``; the underscored modules are private.
The SDK imports nothing from the Accord server.
"""

from accord.sdk._async_client import AsyncClient
from accord.sdk._client import Client
from accord.sdk._config import DEFAULT_URL
from accord.sdk._exceptions import (
    AccordError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from accord.sdk._imports import (
    ImportAsset,
    ImportEdge,
    ImportFailure,
    ImportJob,
    ImportManifest,
    ImportNotApplied,
    ImportProgress,
    ImportRegistration,
    ImportResult,
    ImportSummary,
    ImportVersion,
)
from accord.sdk._models import (
    ApiKey,
    ApiKeyCreated,
    Asset,
    AssetKind,
    AuditEvent,
    AuditVerification,
    Awaited,
    ChainProblem,
    Change,
    Compatibility,
    ContentModel,
    ContractVersion,
    ContractVersionSummary,
    Decision,
    Diff,
    Impact,
    Me,
    Page,
    Proposal,
    ProposalPublished,
    ProposalStatus,
    PublishResult,
    Registration,
    SchemaFormat,
    Scope,
    Team,
    ValidationRun,
)

__all__ = [
    "DEFAULT_URL",
    "APIError",
    "AccordError",
    "ApiKey",
    "ApiKeyCreated",
    "Asset",
    "AssetKind",
    "AsyncClient",
    "AuditEvent",
    "AuditVerification",
    "AuthenticationError",
    "Awaited",
    "BadRequestError",
    "ChainProblem",
    "Change",
    "Client",
    "Compatibility",
    "ConflictError",
    "ContentModel",
    "ContractVersion",
    "ContractVersionSummary",
    "Decision",
    "Diff",
    "Impact",
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
    "Me",
    "NotFoundError",
    "Page",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "Proposal",
    "ProposalPublished",
    "ProposalStatus",
    "PublishResult",
    "RateLimitError",
    "Registration",
    "RequestTimeoutError",
    "SchemaFormat",
    "Scope",
    "ServerError",
    "Team",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "ValidationRun",
]
