"""Which database a session is bound to, for the few statements that differ by dialect."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


def on_postgresql(session: AsyncSession) -> bool:
    """True when ``session`` talks to PostgreSQL (else SQLite, the embedded default)."""
    bind = session.bind
    return bind is not None and bind.dialect.name == "postgresql"
