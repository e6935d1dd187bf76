"""lineage: lineage edges; the transitive impact recorded on proposals

Revision ID: 80cc1f345ea6
Revises: 70d45e8f4b5d
Create Date: 2026-11-23 02:21:58.833037
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "80cc1f345ea6"
down_revision: str | Sequence[str] | None = "70d45e8f4b5d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): code at the previous head keeps
# working on this schema. A new table, its indexes and a nullable column (proposals.impact).
accord_additive = True


def upgrade() -> None:
    op.create_table(
        "lineage_edges",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("upstream_asset_id", sa.Uuid(), nullable=False),
        sa.Column("downstream_asset_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "upstream_asset_id <> downstream_asset_id", name=op.f("ck_lineage_edges_no_self_edge")
        ),
        sa.ForeignKeyConstraint(
            ["downstream_asset_id"],
            ["assets.id"],
            name=op.f("fk_lineage_edges_downstream_asset_id_assets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["upstream_asset_id"],
            ["assets.id"],
            name=op.f("fk_lineage_edges_upstream_asset_id_assets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_lineage_edges_workspace_id_workspaces"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lineage_edges")),
        sa.UniqueConstraint(
            "upstream_asset_id",
            "downstream_asset_id",
            "kind",
            name=op.f("uq_lineage_edges_upstream_asset_id_downstream_asset_id_kind"),
        ),
    )
    with op.batch_alter_table("lineage_edges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lineage_edges_downstream_upstream",
            ["downstream_asset_id", "upstream_asset_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_lineage_edges_workspace_id"), ["workspace_id"], unique=False
        )

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "impact",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_column("impact")

    with op.batch_alter_table("lineage_edges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lineage_edges_workspace_id"))
        batch_op.drop_index("ix_lineage_edges_downstream_upstream")

    op.drop_table("lineage_edges")
