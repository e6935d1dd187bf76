"""The API's responses as typed, immutable models, defined here and not shared with the
server, so the SDK can be released and installed on its own.

Parsing is tolerant on purpose: unknown fields are ignored and open-ended sets (statuses,
kinds, policies) are plain ``str``, so an older SDK keeps working against a newer server.
The ``Literal`` aliases below are for the values a caller sends.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ApiKey",
    "ApiKeyCreated",
    "Asset",
    "AssetKind",
    "AuditEvent",
    "AuditVerification",
    "Awaited",
    "ChainProblem",
    "Change",
    "Compatibility",
    "CompatibilityCheck",
    "ContentModel",
    "ContractVersion",
    "ContractVersionSummary",
    "Decision",
    "Diff",
    "DownstreamImpact",
    "Edge",
    "Health",
    "Impact",
    "LineageDirection",
    "LineagePage",
    "Me",
    "Page",
    "Proposal",
    "ProposalPublished",
    "ProposalStatus",
    "PublishResult",
    "ReachedAsset",
    "Readiness",
    "Registration",
    "RegistrationRef",
    "SchemaFormat",
    "Scope",
    "Team",
    "TeamRef",
    "Workspace",
]

T = TypeVar("T")

AssetKind = Literal["table", "view", "model", "topic", "file", "api"]
Compatibility = Literal[
    "backward",
    "forward",
    "full",
    "backward_transitive",
    "forward_transitive",
    "full_transitive",
    "none",
]
ContentModel = Literal["strict", "lenient"]
Dialect = Literal["draft-04", "draft-06", "draft-07", "2019-09", "2020-12"]
AnnotationPolicy = Literal["assert", "annotate"]
Decision = Literal["approve", "block", "migrating"]
ProposalStatus = Literal[
    "open",
    "approved",
    "blocked",
    "published",
    "withdrawn",
    "expired",
    "force_published",
    "superseded",
]
SchemaFormat = Literal["jsonschema", "table"]
Scope = Literal["read", "write", "admin"]
LineageDirection = Literal["upstream", "downstream"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Page(_Model, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` (``None`` on the last)."""

    items: list[T]
    next_cursor: str | None = None


class Me(_Model):
    """Who the key is: workspace, team (``None`` for a workspace-admin key), scopes."""

    workspace_id: uuid.UUID
    key_id: uuid.UUID | None
    team_id: uuid.UUID | None
    scopes: list[str]
    is_admin: bool


class Team(_Model):
    """A team: owns assets as a producer, registers on assets as a consumer."""

    id: uuid.UUID
    name: str
    description: str = ""
    created_at: datetime
    updated_at: datetime


class ApiKey(_Model):
    """An API key's metadata (never the secret)."""

    id: uuid.UUID
    name: str
    team_id: uuid.UUID | None
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    parent_id: uuid.UUID | None = None  # the team key that minted it (dies with it)


class ApiKeyCreated(ApiKey):
    """A new key with its secret ``key``: shown once, store it now."""

    key: str


class Asset(_Model):
    """A dataset identified by ``fqn`` and ``environment``, owned by one team."""

    id: uuid.UUID
    fqn: str
    environment: str
    kind: str
    owner_team_id: uuid.UUID
    compatibility: str
    content_model: str
    dialect: str | None = None
    annotations: str = "assert"
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


class ContractVersionSummary(_Model):
    """A version in an asset's history, without its schema."""

    id: uuid.UUID
    version: str
    format: str
    content_hash: str
    proposal_id: uuid.UUID | None = None
    created_at: datetime


class ContractVersion(ContractVersionSummary):
    """An immutable published version: schema (``schema_``, ``"schema"`` on the wire)
    and guarantees."""

    asset_id: uuid.UUID
    schema_: dict[str, Any] = Field(alias="schema")
    guarantees: dict[str, Any] = Field(default_factory=dict)
    references: list[dict[str, Any]] = Field(default_factory=list)
    published_by: str | None = None


class Change(_Model):
    """One difference found by the compatibility engine (extra engine fields are kept)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    path: str
    kind: str
    direction: str = ""
    message: str = ""
    breaking: bool = False


class Awaited(_Model):
    """A registration a proposal waits on, with the team's answer so far."""

    team_id: uuid.UUID
    registration_id: uuid.UUID
    decision: str | None = None
    comment: str = ""
    decided_at: datetime | None = None


class TeamRef(_Model):
    """A team named in a lineage walk."""

    id: uuid.UUID
    name: str


class RegistrationRef(_Model):
    """A consumer registration met in a lineage walk (``fields`` ``None``: every field)."""

    id: uuid.UUID
    team: TeamRef
    fields: list[str] | None = None


class ReachedAsset(_Model):
    """An asset reached by a lineage walk, at its shortest ``distance`` in edges."""

    asset_id: uuid.UUID
    fqn: str
    environment: str
    kind: str
    distance: int
    owner_team: TeamRef
    registrations: list[RegistrationRef] = Field(default_factory=list)


class DownstreamImpact(_Model):
    """The assets downstream of a changed one (to ``depth`` edges) and the teams to tell:
    they may break too, though they do not read the asset directly."""

    depth: int
    total: int
    truncated: bool  # more than ``assets`` lists: page ``get_lineage``
    assets: list[ReachedAsset] = Field(default_factory=list)
    notify_team_ids: list[uuid.UUID] = Field(default_factory=list)


class LineagePage(Page[ReachedAsset]):
    """One page of the assets reachable from ``asset_id`` (``total`` over all pages)."""

    asset_id: uuid.UUID
    direction: str
    depth: int
    total: int


class Edge(_Model):
    """A lineage edge: ``downstream_asset_id`` reads ``upstream_asset_id``. ``source`` is
    ``api`` (declared) or ``dbt`` (kept in sync by dbt imports)."""

    id: uuid.UUID
    upstream_asset_id: uuid.UUID
    downstream_asset_id: uuid.UUID
    kind: str
    source: str
    created_by: str | None = None
    created_at: datetime


class Proposal(_Model):
    """A breaking change waiting for the consumers registered when it was opened."""

    id: uuid.UUID
    asset_id: uuid.UUID
    status: str
    base_version: str | None = None
    requested_version: str | None = None
    format: str
    schema_: dict[str, Any] = Field(alias="schema")
    guarantees: dict[str, Any] = Field(default_factory=dict)
    references: list[dict[str, Any]] = Field(default_factory=list)
    content_hash: str
    breaking_changes: list[Change] = Field(default_factory=list)
    witnesses: list[dict[str, Any]] = Field(default_factory=list)
    verdict: dict[str, Any] = Field(default_factory=dict)
    awaiting: list[Awaited] = Field(default_factory=list)
    created_by: str | None = None
    created_at: datetime
    expires_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    superseded_by_id: uuid.UUID | None = None
    published_version: str | None = None
    impact: DownstreamImpact | None = None  # the downstream assets when it was opened


class PublishResult(_Model):
    """What a publish did: ``published`` or ``unchanged`` (``version`` is set) or
    ``proposal`` (the change is breaking; ``proposal`` is set and nothing is live yet).
    ``auto_approved``: breaking, but no registered consumer is affected, so it was
    published at once; ``proposal`` is then the already-published proposal recording it."""

    outcome: Literal["published", "unchanged", "proposal"]
    version: ContractVersion | None = None
    proposal: Proposal | None = None
    auto_approved: bool = False
    auto_approval_reason: str | None = None


class ProposalPublished(_Model):
    """A proposal published (or force-published) together with the version it became."""

    proposal: Proposal
    version: ContractVersion


class Registration(_Model):
    """A consumer team's declaration that it reads an asset (optionally some fields)."""

    id: uuid.UUID
    asset_id: uuid.UUID
    team_id: uuid.UUID
    fields: list[str] | None = None
    version_range: str | None = None
    note: str = ""
    created_at: datetime


class Diff(_Model):
    """The engine's changes and witnesses between two versions under the asset's policy."""

    from_version: str
    to_version: str
    compatibility: str
    compatible: bool
    verdicts: dict[str, Any] = Field(default_factory=dict)
    changes: list[Change] = Field(default_factory=list)
    witnesses: list[dict[str, Any]] = Field(default_factory=list)
    guarantee_changes: list[Change] = Field(default_factory=list)


class Impact(_Model):
    """A dry-run publish: the outcome it would have, its breaking changes and the
    registrations a proposal would wait on. Nothing is written."""

    outcome: Literal["published", "unchanged", "proposal"]
    version: str | None = None
    base_version: str | None = None
    breaking: bool
    breaking_changes: list[Change] = Field(default_factory=list)
    evaluation: dict[str, Any] | None = None
    affected_registrations: list[Registration] = Field(default_factory=list)
    unaffected_registrations: list[Registration] = Field(default_factory=list)
    downstream: DownstreamImpact | None = None
    auto_approved: bool = False  # breaking, but nobody affected: it would publish at once
    auto_approval_reason: str | None = None


class AuditEvent(_Model):
    """One link of the workspace's hash-chained audit ledger."""

    id: uuid.UUID
    seq: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None = None
    # A person (actor_type "user"): issuer, subject, and the name and email the provider gave.
    actor_detail: dict[str, str] | None = None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    request_id: str | None = None
    prev_hash: str
    hash: str


class ChainProblem(_Model):
    """The first position where the audit chain does not verify."""

    position: int
    event_id: str | None = None
    reason: str
    detail: str


class AuditVerification(_Model):
    """The result of recomputing the audit chain server-side."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None = None


class Workspace(_Model):
    """The caller's workspace and the default policy new assets get."""

    id: uuid.UUID
    name: str
    default_compatibility: str
    default_content_model: str
    created_at: datetime


class CompatibilityCheck(_Model):
    """A stateless compatibility check: ``compatible`` under the requested ``mode``, every
    mode's outcome in ``verdicts``, the changes, and a witness per incompatibility."""

    compatible: bool
    mode: str
    content_model: str
    format: str
    verdicts: dict[str, Any] = Field(default_factory=dict)
    changes: list[dict[str, Any]] = Field(default_factory=list)
    witnesses: list[dict[str, Any]] = Field(default_factory=list)


class Health(_Model):
    """The liveness probe's answer: the process is up."""

    model_config = ConfigDict(extra="allow", frozen=True)

    status: str


class Readiness(_Model):
    """The readiness probe's answer, ready or not: ``ready`` is ``status == "ok"``;
    ``database`` says why not; ``worker`` is the in-process worker's heartbeat."""

    model_config = ConfigDict(extra="allow", frozen=True)

    status: str
    database: str | None = None
    schema_: list[str] = Field(default_factory=list, alias="schema")
    schema_note: str | None = None
    worker: dict[str, Any] | None = None

    @property
    def ready(self) -> bool:
        """Whether the server is ready to serve."""
        return self.status == "ok"
