from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, column, func, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Base, IdMixin, JSONType, TimestampMixin


class Asset(IdMixin, TimestampMixin, Base):
    """A named dataset in one environment. Soft-deleted: versions and history stay."""

    __tablename__ = "assets"
    __table_args__ = (
        Index(
            "uq_assets_workspace_fqn_env_live",
            "workspace_id",
            "fqn",
            "environment",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # FQNs are unique regardless of case (migration aba90c01d896)
        Index(
            "uq_assets_workspace_lower_fqn_env_live",
            "workspace_id",
            func.lower(column("fqn")),
            "environment",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    fqn: Mapped[str] = mapped_column(String(255))
    environment: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    owner_team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    compatibility: Mapped[str] = mapped_column(String(32))
    content_model: Mapped[str] = mapped_column(String(16))
    # JSON Schema draft of schemas with no `$schema` (None: inferred from the keywords)
    dialect: Mapped[str | None] = mapped_column(String(16), default=None)
    # `assert` or `annotate`: whether format/content* changes can break (asset.policy)
    annotations: Mapped[str] = mapped_column(String(16), default="assert", server_default="assert")
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
