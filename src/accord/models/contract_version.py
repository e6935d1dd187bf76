from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin, JSONType


class ContractVersion(IdMixin, Base):
    """An immutable, semver-numbered contract of an asset: schema + guarantees."""

    __tablename__ = "contract_versions"
    __table_args__ = (
        UniqueConstraint("asset_id", "version"),
        UniqueConstraint("asset_id", "seq"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    asset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assets.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(64))
    major: Mapped[int] = mapped_column(Integer)
    minor: Mapped[int] = mapped_column(Integer)
    patch: Mapped[int] = mapped_column(Integer)
    prerelease: Mapped[str | None] = mapped_column(String(64), default=None)
    format: Mapped[str] = mapped_column(String(16))
    schema_: Mapped[dict[str, Any]] = mapped_column("schema", JSONType)
    guarantees: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    # registered schemas its remote $refs resolve through (contract.references); None: none
    references: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=None)
    # The proposal this version came from, if any. No FK: proposals reference versions
    # (their base), and a cycle of foreign keys would need ALTERs SQLite cannot do.
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    published_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
