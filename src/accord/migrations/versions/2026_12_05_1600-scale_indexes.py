"""scale indexes (PostgreSQL only): trigram search on assets, tags, owner and consumer
lists by team (issue 21)

Revision ID: 5d1e9c3b7a20
Revises: 8a4c2d6e0f13
Create Date: 2026-12-05 16:00:00.000000

At 10,000 assets, asset search (`q`: `lower(fqn)` or `lower(description)` LIKE
'%...%') read every asset of the workspace; a tag filter (`tags @> '["x"]'`) and the
lists of a team's assets or registrations walked the primary key and filtered thousands
of rows away (bench/scale.py). Each index below matches the expression its query uses
(`asset.repository`, `registration.repository`), so the planner can use it.

SQLite: nothing (no trigram or GIN indexes; its lists were not the problem). The models
declare the same indexes for PostgreSQL only (`ddl_if`), so autogenerate agrees on both.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e9c3b7a20"
down_revision: str | Sequence[str] | None = "8a4c2d6e0f13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): indexes only, none unique; code at the
# previous head reads and writes as before.
accord_additive = True

LIVE = "deleted_at IS NULL"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): a role that may create objects in
    # the database may install it. It stays on downgrade: something else may use it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in (
        ("ix_assets_lower_fqn_trgm", "fqn"),
        ("ix_assets_lower_description_trgm", "description"),
    ):
        op.create_index(
            name,
            "assets",
            [sa.text(f"lower({column}) gin_trgm_ops")],
            postgresql_using="gin",
        )
    op.create_index(
        "ix_assets_tags",
        "assets",
        ["tags"],
        postgresql_using="gin",
        postgresql_ops={"tags": "jsonb_path_ops"},
    )
    op.create_index("ix_assets_owner_team_id_id", "assets", ["owner_team_id", "id"])
    op.create_index(
        "ix_registrations_team_id_id_live",
        "registrations",
        ["team_id", "id"],
        postgresql_where=sa.text(LIVE),
    )
    # Statistics of the indexed expressions (lower(fqn), lower(description)) are only
    # gathered by ANALYZE; until then the planner guesses how many names match.
    op.execute("ANALYZE assets")


def downgrade() -> None:
    if not _postgresql():
        return
    op.drop_index("ix_registrations_team_id_id_live", table_name="registrations")
    op.drop_index("ix_assets_owner_team_id_id", table_name="assets")
    op.drop_index("ix_assets_tags", table_name="assets")
    op.drop_index("ix_assets_lower_description_trgm", table_name="assets")
    op.drop_index("ix_assets_lower_fqn_trgm", table_name="assets")
