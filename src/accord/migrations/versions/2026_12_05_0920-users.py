"""users: people signed in through OpenID Connect; audit actors name them (issue 19)

Revision ID: 8a4c2d6e0f13
Revises: 6b7c8d9e0f21
Create Date: 2026-12-05 09:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8a4c2d6e0f13"
down_revision: str | Sequence[str] | None = "6b7c8d9e0f21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): a new table, nullable columns, and
# web_sessions.api_key_id loosened to nullable (never tightened). Code at the previous
# head writes api_key_id on every session it opens, and a person's session (api_key_id
# NULL) read by it finds no key and counts as signed out: nothing breaks.
accord_additive = True

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_users_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "workspace_id", "issuer", "subject", name=op.f("uq_users_workspace_id_issuer_subject")
        ),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_workspace_id"), ["workspace_id"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_detail", JSON, nullable=True))
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_ref", JSON, nullable=True))
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.alter_column("api_key_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column("user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("team_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("scopes", JSON, nullable=True))
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_web_sessions_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_web_sessions_team_id_teams"),
            "teams",
            ["team_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    # A person's sessions cannot be kept without a key: they end with the downgrade.
    op.execute(sa.text("DELETE FROM web_sessions WHERE api_key_id IS NULL"))
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_web_sessions_team_id_teams"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_web_sessions_user_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
        batch_op.drop_column("scopes")
        batch_op.drop_column("team_id")
        batch_op.drop_column("user_id")
        batch_op.alter_column("api_key_id", existing_type=sa.Uuid(), nullable=False)
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("user_ref")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("actor_detail")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_workspace_id"))
    op.drop_table("users")
