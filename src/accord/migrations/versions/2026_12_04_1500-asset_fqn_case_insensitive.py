"""asset FQNs unique regardless of case: a unique index on (workspace_id, lower(fqn),
environment) over live assets (issue 17)

Revision ID: aba90c01d896
Revises: 3f8a6c2e9d14
Create Date: 2026-12-04 15:00:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "aba90c01d896"
down_revision: str | Sequence[str] | None = "3f8a6c2e9d14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): a new unique index tightens what the
# previous release may write (it could still create `Warehouse.X` next to `warehouse.x`),
# so this is a contract migration.
accord_additive = False

INDEX = "uq_assets_workspace_lower_fqn_env_live"
LIVE = "deleted_at IS NULL"  # soft-deleted assets never block a name, as before


class CaseCollisionError(RuntimeError):
    """Live assets whose FQNs differ only by case: the index cannot be created."""


def _collisions(conn: sa.Connection) -> list[str]:
    rows = conn.execute(
        sa.text(
            "SELECT a.workspace_id, a.environment, a.fqn FROM assets a JOIN ("
            " SELECT workspace_id, environment, lower(fqn) AS folded FROM assets"
            f" WHERE {LIVE} GROUP BY workspace_id, environment, lower(fqn)"
            " HAVING count(*) > 1"
            ") c ON a.workspace_id = c.workspace_id AND a.environment = c.environment"
            f" AND lower(a.fqn) = c.folded WHERE a.{LIVE}"
            " ORDER BY a.workspace_id, a.environment, lower(a.fqn), a.fqn"
        )
    ).all()
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for workspace_id, environment, fqn in rows:
        groups[(str(workspace_id), environment, fqn.lower())].append(fqn)
    return [
        f"workspace {ws}, environment {env}: {', '.join(fqns)}"
        for (ws, env, _), fqns in groups.items()
    ]


def upgrade() -> None:
    found = _collisions(op.get_bind())
    if found:
        raise CaseCollisionError(
            "cannot make asset FQNs unique regardless of case: these live assets differ "
            "only by case; delete all but one of each group (DELETE /api/v1/assets/{id}), "
            "then run the upgrade again: " + "; ".join(found)
        )
    op.create_index(
        INDEX,
        "assets",
        ["workspace_id", sa.text("lower(fqn)"), "environment"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="assets")
