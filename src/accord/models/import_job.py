from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Base, IdMixin, JSONType, TimestampMixin


class ImportJob(IdMixin, TimestampMixin, Base):
    """A dbt import applied in the background, one transaction per chunk of assets.

    Everything needed to apply it later is here: the manifest (zlib), the options, and
    the caller (workspace, key, team, scopes) the chunks act as. `next_chunk` and
    `progress` move in the same transaction as the chunk they record, so a crash loses
    nothing; `lease_token` / `lease_expires_at` say which process applies it now (a job
    whose lease expired is picked up again, see `accord.imports.runner`).
    """

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_status_lease", "status", "lease_expires_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="dbt")
    # queued -> running -> succeeded | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # The caller, as it was when the import was accepted (no foreign keys: a job's
    # history outlives the key and the team).
    key_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    team_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # A person's import: the user as it was (id, issuer, subject, name, email).
    user_ref: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    environment: Mapped[str] = mapped_column(String(32))
    owner_team: Mapped[str | None] = mapped_column(String(100), default=None)
    # The manifest as received, compressed; dropped when the job ends. Loaded only when
    # asked for (a runner starting the job), not by every poll or chunk.
    manifest_gz: Mapped[bytes | None] = mapped_column(
        LargeBinary, default=None, deferred=True, deferred_raiseload=True
    )
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    # schema_version, dbt_version, project_name, adapter, warnings
    manifest_info: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # [[unique_id, fqn], ...] in manifest order: what the chunks cover.
    plan: Mapped[list[list[str]]] = mapped_column(JSONType, default=list)
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunks_total: Mapped[int] = mapped_column(Integer)
    next_chunk: Mapped[int] = mapped_column(Integer, default=0)
    # What the committed chunks did: steps by unique id, edges, registrations, summary.
    progress: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims, resumptions included
    lease_token: Mapped[str | None] = mapped_column(String(36), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
