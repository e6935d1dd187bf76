"""Proposal and acknowledgment I/O models."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from accord.kit.schemas import InputModel, OutputModel
from accord.lineage.schemas import DownstreamImpact


class ProposalStatus(StrEnum):
    open = "open"
    approved = "approved"
    blocked = "blocked"
    published = "published"
    withdrawn = "withdrawn"
    expired = "expired"
    force_published = "force_published"
    superseded = "superseded"


class Decision(StrEnum):
    approve = "approve"
    block = "block"
    migrating = "migrating"


# Stored in place of an answer when the team was deleted: the proposal no longer waits on
# it, and a block it gave no longer holds (never an input, never in `awaiting`).
TEAM_DELETED = "team_deleted"


class AcknowledgmentCreate(InputModel):
    team_id: uuid.UUID = Field(
        description="The acknowledging team: the caller's own team (an admin: a deleted team)."
    )
    decision: Decision = Field(description="`migrating` is not an approval.")
    comment: Annotated[str, Field(max_length=4000)] = ""


class Awaited(OutputModel):
    team_id: uuid.UUID
    registration_id: uuid.UUID
    decision: Decision | None = Field(description="null while the team has not answered.")
    comment: str
    decided_at: datetime | None


class Proposal(OutputModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    status: ProposalStatus
    base_version: str | None
    requested_version: str | None
    format: str
    schema_: dict[str, Any] = Field(serialization_alias="schema")
    guarantees: dict[str, Any]
    references: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The registered schemas its remote `$ref`s resolve through (as on a version).",
    )
    content_hash: str
    breaking_changes: list[dict[str, Any]] = Field(
        description="Each breaking change: path, kind, direction, message."
    )
    witnesses: list[dict[str, Any]] = Field(
        description="Documents valid under one schema and invalid under the other."
    )
    verdict: dict[str, Any] = Field(description="The engine's full verdict and all changes.")
    awaiting: list[Awaited] = Field(
        description="The registrations this proposal waits on (not a deleted team's, unless "
        "an admin answered for it since)."
    )
    created_by: str | None
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    superseded_by_id: uuid.UUID | None
    published_version: str | None
    impact: DownstreamImpact | None = Field(
        default=None,
        description="Downstream assets (transitively) when the proposal opened, with their "
        "owners and consumers: they are notified as well as the awaited teams.",
    )


class ForceRequest(InputModel):
    reason: Annotated[str, Field(min_length=10, max_length=4000)] = Field(
        description="Why the change ships without every consumer's approval (audited)."
    )


class PublishRequest(InputModel):
    version: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="Defaults to the proposal's requested version or next major."
    )


class WithdrawRequest(InputModel):
    reason: Annotated[str, Field(max_length=4000)] = ""
