"""dbt import I/O models: the plan (dry run) and the result have the same shape; a
background import reports its progress, then that result, as an `ImportJob`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from accord.kit.schemas import OutputModel

AssetAction = Literal["created", "updated", "unchanged", "skipped"]
VersionOutcome = Literal[
    "published", "unchanged", "proposal", "proposal_pending", "no_schema", "skipped"
]


class ManifestInfo(OutputModel):
    schema_version: int = Field(description="dbt manifest schema version (9-12).")
    dbt_version: str | None
    project_name: str | None
    adapter: str | None
    sha256: str = Field(description="Digest of the manifest bytes as received.")


class VersionStep(OutputModel):
    outcome: VersionOutcome = Field(
        description="`proposal`: breaking, a proposal was opened; `proposal_pending`: the "
        "same change already waits in an open proposal; `no_schema`: no column is known."
    )
    version: str | None = None
    proposal_id: uuid.UUID | None = None
    breaking_changes: list[dict[str, Any]] = Field(default_factory=list)
    downstream_assets: int | None = Field(
        default=None, description="Assets downstream of a proposed change (its blast radius)."
    )


class AssetStep(OutputModel):
    unique_id: str
    fqn: str
    asset_id: uuid.UUID
    action: AssetAction
    owner_team_id: uuid.UUID
    version: VersionStep
    reason: str | None = None


class EdgeStep(OutputModel):
    upstream: str = Field(description="Upstream asset fqn.")
    downstream: str = Field(description="Downstream asset fqn.")
    action: Literal["created", "deleted", "skipped"]
    reason: str | None = None


class RegistrationStep(OutputModel):
    exposure: str
    fqn: str
    team_id: uuid.UUID | None
    action: Literal["created", "unchanged", "skipped"]
    reason: str | None = None


class ImportSummary(OutputModel):
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

    @property
    def changed(self) -> bool:
        return any(
            (
                self.assets_created,
                self.assets_updated,
                self.versions_published,
                self.proposals_opened,
                self.edges_created,
                self.edges_deleted,
                self.registrations_created,
            )
        )


class ImportResult(OutputModel):
    dry_run: bool = Field(description="True: nothing was written; this is the plan.")
    environment: str
    manifest: ManifestInfo
    summary: ImportSummary
    assets: list[AssetStep] = Field(description="Every imported asset, in manifest order.")
    edges: list[EdgeStep] = Field(description="Lineage edges created, deleted or skipped.")
    registrations: list[RegistrationStep]
    warnings: list[str]


# -- background jobs ------------------------------------------------------------------
JobStatus = Literal["queued", "running", "succeeded", "failed"]
JobPhase = Literal["assets", "lineage", "registrations", "versions"]
AssetPart = Literal["asset", "lineage", "version"]


class ImportProgress(OutputModel):
    phase: JobPhase | None = Field(
        description="The phase of the next chunk (`assets`, `lineage`, `registrations`, "
        "`versions`); null once the job has ended."
    )
    chunk_size: int = Field(description="Assets per chunk (one transaction each).")
    chunks_total: int
    chunks_done: int
    assets_total: int
    assets_applied: int = Field(
        description="Assets whose every step (asset, lineage, version) is committed."
    )


class ImportFailure(OutputModel):
    code: str = Field(description="The error's stable code, as a synchronous call would get.")
    detail: str
    status: int = Field(description="The HTTP status the error has elsewhere in the API.")
    phase: JobPhase
    chunk: int = Field(description="The chunk that failed and was rolled back (0-based).")
    unique_id: str | None = Field(description="The dbt node whose step failed, if one did.")
    fqn: str | None


class NotApplied(OutputModel):
    unique_id: str
    fqn: str
    done: list[AssetPart] = Field(
        description="What was committed for it anyway: the asset row, its lineage."
    )
    reason: str


class ImportJob(OutputModel):
    id: uuid.UUID
    kind: Literal["dbt"] = "dbt"
    status: JobStatus = Field(
        description="`queued` (accepted, waiting for a process), `running`, `succeeded`, "
        "`failed` (see `error` and `not_applied`)."
    )
    environment: str
    owner_team: str | None
    manifest: ManifestInfo
    team_id: uuid.UUID | None = Field(description="The team of the key that started it.")
    key_id: uuid.UUID | None = Field(description="The key that started it.")
    attempts: int = Field(description="Times a process took the job up (resumptions count).")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: ImportProgress
    result: ImportResult | None = Field(
        description="Once ended: what the synchronous import returned. On failure, only the "
        "assets whose every step was committed are in `assets`; `summary`, `edges` and "
        "`registrations` count what was written."
    )
    error: ImportFailure | None = None
    not_applied: list[NotApplied] = Field(
        default_factory=list,
        description="On failure: every asset not (completely) applied, and why.",
    )
