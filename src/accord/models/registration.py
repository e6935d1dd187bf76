from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin, JSONType


class Registration(IdMixin, Base):
    """A consumer team reads an asset (not one version): it survives compatible publishes."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index(
            "uq_registrations_asset_team_live",
            "asset_id",
            "team_id",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # A team's live registrations in id order (the list's keyset), PostgreSQL only
        # (migration 5d1e9c3b7a20, issue 21).
        Index(
            "ix_registrations_team_id_id_live",
            "team_id",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ).ddl_if(dialect="postgresql"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assets.id", ondelete="RESTRICT"), index=True
    )
    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    fields: Mapped[list[str] | None] = mapped_column(JSONType, default=None)
    version_range: Mapped[str | None] = mapped_column(String(200), default=None)
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
