"""`on_postgresql` answers for the database the test run uses (SQLite or PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.kit.dialects import on_postgresql
from tests.conftest import BACKEND


async def test_it_names_the_database_the_session_is_bound_to(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        assert on_postgresql(session) is (BACKEND == "postgresql")


def test_an_unbound_session_is_not_postgresql() -> None:
    assert on_postgresql(AsyncSession()) is False
