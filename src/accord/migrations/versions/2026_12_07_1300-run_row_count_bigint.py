"""validation runs: row_count is a 64-bit integer

Revision ID: 7c3f0a9e5b14
Revises: 5d1e9c3b7a20
Create Date: 2026-12-07 13:00:00.000000

A run reported over a warehouse table of more than 2**31 - 1 rows (three billion events
is an ordinary table) could not be stored: `validation_runs.row_count` was a 32-bit
INTEGER, and PostgreSQL refused the insert (the report answered 500). The column becomes
a BIGINT, the width the report's counts are bounded to (`validation.schemas`).

SQLite: nothing. Its INTEGER already stores 64 bits, and rebuilding the table (batch
mode, which reflects every table it references) would buy only a type name.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3f0a9e5b14"
down_revision: str | Sequence[str] | None = "5d1e9c3b7a20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rolling upgrades (docs/operations-upgrades.md): the type is widened, nothing else; code
# at the previous head writes counts below 2**31 and reads them back as before. On
# PostgreSQL the ALTER rewrites `validation_runs` under an exclusive lock: run reports wait
# for it (seconds for a million runs), they do not fail.
accord_additive = True


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgresql():
        op.alter_column(
            "validation_runs", "row_count",
            existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True,
        )  # fmt: skip


def downgrade() -> None:
    # Counts past 2**31 - 1 do not fit the narrower column: PostgreSQL refuses the
    # downgrade while one is stored, rather than losing it.
    if _postgresql():
        op.alter_column(
            "validation_runs", "row_count",
            existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True,
        )  # fmt: skip
