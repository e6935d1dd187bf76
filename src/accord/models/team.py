from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Base, IdMixin, TimestampMixin


class Team(IdMixin, TimestampMixin, Base):
    """Owns assets and registers on them. Soft-deleted: history keeps pointing at it."""

    __tablename__ = "teams"
    __table_args__ = (
        # A name is unique among the live teams of a workspace; deleted names can be reused.
        Index(
            "uq_teams_workspace_id_name_live",
            "workspace_id",
            "name",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
