"""dbt imports: the result (or plan) of an import, and the background job that applies
it. Tolerant like the other models: statuses, phases and outcomes are plain ``str``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from accord.sdk._models import _Model

__all__ = [
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
]

ENDED = frozenset({"succeeded", "failed"})


class ImportManifest(_Model):
    """The manifest imported: dbt schema and version, project, adapter, SHA-256."""

    schema_version: int
    dbt_version: str | None = None
    project_name: str | None = None
    adapter: str | None = None
    sha256: str = ""


class ImportVersion(_Model):
    """What happened to an asset's contract: ``published``, ``unchanged``, ``proposal``
    (breaking), ``proposal_pending``, ``no_schema`` or ``skipped``."""

    outcome: str
    version: str | None = None
    proposal_id: uuid.UUID | None = None
    breaking_changes: list[dict[str, Any]] = Field(default_factory=list)
    downstream_assets: int | None = None


class ImportAsset(_Model):
    """One dbt node: ``action`` is ``created``, ``updated``, ``unchanged`` or ``skipped``."""

    unique_id: str
    fqn: str
    asset_id: uuid.UUID
    action: str
    owner_team_id: uuid.UUID
    version: ImportVersion
    reason: str | None = None


class ImportEdge(_Model):
    """A lineage edge the import ``created``, ``deleted`` or ``skipped``."""

    upstream: str
    downstream: str
    action: str
    reason: str | None = None


class ImportRegistration(_Model):
    """An exposure's registration: ``created``, ``unchanged`` or ``skipped``."""

    exposure: str
    fqn: str
    team_id: uuid.UUID | None = None
    action: str
    reason: str | None = None


class ImportSummary(_Model):
    """Counts of what the import changed."""

    assets_created: int = 0
    assets_updated: int = 0
    assets_unchanged: int = 0
    assets_skipped: int = 0
    versions_published: int = 0
    proposals_opened: int = 0
    edges_created: int = 0
    edges_deleted: int = 0
    edges_unchanged: int = 0
    registrations_created: int = 0


class ImportResult(_Model):
    """What an import did (or, with ``dry_run``, would do), asset by asset."""

    dry_run: bool
    environment: str
    manifest: ImportManifest
    summary: ImportSummary
    assets: list[ImportAsset]
    edges: list[ImportEdge]
    registrations: list[ImportRegistration]
    warnings: list[str] = Field(default_factory=list)


class ImportProgress(_Model):
    """How far a job is: chunks (one transaction each) and assets completely applied."""

    phase: str | None = None
    chunk_size: int
    chunks_total: int
    chunks_done: int
    assets_total: int
    assets_applied: int


class ImportFailure(_Model):
    """Why a job failed: the error's code, detail and HTTP status, and where."""

    code: str
    detail: str
    status: int
    phase: str
    chunk: int
    unique_id: str | None = None
    fqn: str | None = None


class ImportNotApplied(_Model):
    """An asset a failed job did not (completely) apply; ``done`` is what it did."""

    unique_id: str
    fqn: str
    done: list[str] = Field(default_factory=list)
    reason: str


class ImportJob(_Model):
    """A background import. ``status``: ``queued``, ``running``, ``succeeded`` (see
    ``result``) or ``failed`` (see ``error``, ``not_applied``, and ``result`` for what
    was applied)."""

    id: uuid.UUID
    kind: str = "dbt"
    status: str
    environment: str
    owner_team: str | None = None
    manifest: ImportManifest
    team_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    attempts: int = 0
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: ImportProgress
    result: ImportResult | None = None
    error: ImportFailure | None = None
    not_applied: list[ImportNotApplied] = Field(default_factory=list)

    @property
    def ended(self) -> bool:
        """``succeeded`` or ``failed``: it will not change any more."""
        return self.status in ENDED
