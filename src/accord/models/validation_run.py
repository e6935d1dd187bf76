from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin, JSONType


class ValidationRun(IdMixin, Base):
    """The result of checking real data against a contract version, as reported."""

    __tablename__ = "validation_runs"
    __table_args__ = (Index("ix_validation_runs_asset_created", "asset_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    asset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assets.id", ondelete="RESTRICT"))
    version: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    # 64 bits: a warehouse table holds more than 2**31 rows (the report bounds it so).
    # SQLite's INTEGER is 64 bits already; its databases keep the type they were made with.
    row_count: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), default=None
    )
    seconds: Mapped[float | None] = mapped_column(Float, default=None)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    reported_by: Mapped[str | None] = mapped_column(String(64), default=None)
    pipeline: Mapped[str] = mapped_column(String(200), default="")
    # The team whose key reported the run (None: an admin key); a registered consumer's
    # report is marked and notifies the owner only.
    reporter_team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), default=None
    )
    consumer_reported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
