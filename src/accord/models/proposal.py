from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin, JSONType

OPEN_STATUSES = ("open", "approved", "blocked")


class Proposal(IdMixin, Base):
    """A breaking change waiting for the consumers it affects."""

    __tablename__ = "proposals"
    __table_args__ = (
        # At most one proposal per asset is still open (open, approved or blocked).
        Index(
            "uq_proposals_asset_open",
            "asset_id",
            unique=True,
            sqlite_where=text("status IN ('open', 'approved', 'blocked')"),
            postgresql_where=text("status IN ('open', 'approved', 'blocked')"),
        ),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assets.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    base_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contract_versions.id", ondelete="RESTRICT")
    )
    requested_version: Mapped[str | None] = mapped_column(String(64), default=None)
    format: Mapped[str] = mapped_column(String(16))
    schema_: Mapped[dict[str, Any]] = mapped_column("schema", JSONType)
    guarantees: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    references: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=None)
    verdict: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Transitive downstream impact when it opened (lineage.service.downstream_impact).
    impact: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    close_reason: Mapped[str | None] = mapped_column(Text, default=None)
    superseded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), default=None
    )
    published_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contract_versions.id", ondelete="RESTRICT"), default=None
    )


class Acknowledgment(IdMixin, Base):
    """The current answer of one awaited consumer team (null decision = still pending)."""

    __tablename__ = "acknowledgments"
    __table_args__ = (UniqueConstraint("proposal_id", "team_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    proposal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), index=True
    )
    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    registration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("registrations.id", ondelete="RESTRICT")
    )
    decision: Mapped[str | None] = mapped_column(String(16), default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
