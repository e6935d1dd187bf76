"""schema references: the registered schemas a version's (or a proposal's) remote `$ref`s
resolve through, by asset and version

Revision ID: 3f8a6c2e9d14
Revises: 7d2b9e4f1a63
Create Date: 2026-12-03 20:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3f8a6c2e9d14"
down_revision: str | Sequence[str] | None = "7d2b9e4f1a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): nullable columns only; code at
# 7d2b9e4f1a63 writes none (no references), which is what NULL means.
accord_additive = True


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table in ("contract_versions", "proposals"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("references", _json(), nullable=True))


def downgrade() -> None:
    for table in ("proposals", "contract_versions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("references")
