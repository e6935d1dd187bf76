"""event trace context: the traceparent of the request that wrote an outbox event, so
its webhook deliveries continue that trace (issue 19)

Revision ID: 6b7c8d9e0f21
Revises: 5e1f0a9c3b27
Create Date: 2026-12-05 09:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6b7c8d9e0f21"
down_revision: str | Sequence[str] | None = "5e1f0a9c3b27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): one nullable column; code at
# 5e1f0a9c3b27 inserts events without it (NULL: their deliveries start a trace of their
# own) and never reads it.
accord_additive = True


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("traceparent", sa.String(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("traceparent")
