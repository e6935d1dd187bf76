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
        # PostgreSQL only (migration 5d1e9c3b7a20, issue 21): what asset lists filter on
        # (asset.repository), matching its expressions: search `q` is lower(...) LIKE
        # '%...%' (trigrams), a tag is `tags @> [tag]`, an owner's list runs in id order.
        *(
            Index(
                f"ix_assets_lower_{name}_trgm",
                func.lower(column(name)).label(name),
                postgresql_using="gin",
                postgresql_ops={name: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for name in ("fqn", "description")
        ),
        Index(
            "ix_assets_tags",
            "tags",
            postgresql_using="gin",
            postgresql_ops={"tags": "jsonb_path_ops"},
        ).ddl_if(dialect="postgresql"),
        Index("ix_assets_owner_team_id_id", "owner_team_id", "id").ddl_if(dialect="postgresql"),
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
