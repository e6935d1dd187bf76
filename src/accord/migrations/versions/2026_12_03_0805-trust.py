"""trust: key lineage, consumer-reported runs, delivery error classes, workspace policy defaults

Revision ID: 5a7e3c1d9b20
Revises: 89858bba125f
Create Date: 2026-12-03 08:05:40.278858
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a7e3c1d9b20"
down_revision: str | Sequence[str] | None = "89858bba125f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): code at the previous head keeps
# working on this schema. Nullable columns, NOT NULL columns with a server default (code
# at 89858bba125f inserts without them and gets the default), an index, and foreign keys
# on the new nullable columns only.
accord_additive = True


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_keys_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_api_keys_parent_id_api_keys"),
            "api_keys",
            ["parent_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_error_class", sa.String(length=32), nullable=True))

    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_class", sa.String(length=32), nullable=True))

    with op.batch_alter_table("validation_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reporter_team_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("consumer_reported", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_validation_runs_reporter_team_id_teams"),
            "teams",
            ["reporter_team_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_compatibility",
                sa.String(length=32),
                server_default="forward",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "default_content_model",
                sa.String(length=16),
                server_default="lenient",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("default_content_model")
        batch_op.drop_column("default_compatibility")

    with op.batch_alter_table("validation_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_validation_runs_reporter_team_id_teams"), type_="foreignkey"
        )
        batch_op.drop_column("consumer_reported")
        batch_op.drop_column("reporter_team_id")

    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_column("error_class")

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("last_error_class")

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_keys_parent_id_api_keys"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_keys_parent_id"))
        batch_op.drop_column("parent_id")
