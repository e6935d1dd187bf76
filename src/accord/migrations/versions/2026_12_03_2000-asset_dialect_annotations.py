"""asset dialect and annotations: an asset's default JSON Schema draft, and whether
`format` / `contentEncoding` / `contentMediaType` changes can break

Revision ID: 7d2b9e4f1a63
Revises: c4e1f7a93b52
Create Date: 2026-12-03 20:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2b9e4f1a63"
down_revision: str | Sequence[str] | None = "c4e1f7a93b52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): a nullable column and a NOT NULL column
# with a server default; code at c4e1f7a93b52 inserts assets without them and gets the
# defaults, which are what it did anyway (inferred drafts, annotations asserted).
accord_additive = True


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dialect", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("annotations", sa.String(length=16), server_default="assert", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_column("annotations")
        batch_op.drop_column("dialect")
