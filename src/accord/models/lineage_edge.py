from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin


class LineageEdge(IdMixin, Base):
    """The downstream asset reads (is derived from) the upstream asset.

    Both indexes lead with the asset the closure walks from, so each recursive step of
    `lineage.repository` is an index range scan: (upstream, downstream) for downstream
    walks, (downstream, upstream) for upstream walks.
    """

    __tablename__ = "lineage_edges"
    __table_args__ = (
        UniqueConstraint("upstream_asset_id", "downstream_asset_id", "kind"),
        Index("ix_lineage_edges_downstream_upstream", "downstream_asset_id", "upstream_asset_id"),
        CheckConstraint("upstream_asset_id <> downstream_asset_id", name="no_self_edge"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    upstream_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assets.id", ondelete="RESTRICT")
    )
    downstream_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assets.id", ondelete="RESTRICT")
    )
    kind: Mapped[str] = mapped_column(String(32))
    # Who maintains the edge: "api" (declared) or "dbt" (an import re-syncs its own edges).
    source: Mapped[str] = mapped_column(String(16), default="api")
    created_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
