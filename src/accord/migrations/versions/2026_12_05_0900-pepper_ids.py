"""pepper ids: which pepper each key hash and webhook secret was made under (issue 19)

Revision ID: 5e1f0a9c3b27
Revises: 7d2b9e4c1a60
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1f0a9c3b27"
down_revision: str | Sequence[str] | None = "7d2b9e4c1a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): two nullable columns; code at
# 7d2b9e4c1a60 never reads them. Existing rows stay NULL here (SQL cannot compute a
# pepper's id); the first start-up of the new code stamps them (startup.py, ADR 0035).
accord_additive = True


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pepper_id", sa.String(length=16), nullable=True))
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret_pepper", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("secret_pepper")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("pepper_id")
