"""A multi-host database URL during a failover: no host accepts writes yet. The request
gets 503 `database_unavailable` (retry), not a 500 (docs/runbooks/postgres-ha.md)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.db import create_engine, create_sessionmaker, session_scope
from accord.exceptions import DatabaseTroubleError
from tests.conftest import BACKEND, make_settings

pytestmark = pytest.mark.asyncio


@pytest.mark.skipif(BACKEND != "postgresql", reason="multi-host URLs are PostgreSQL's")
async def test_no_host_matching_the_target_is_the_database_unavailable(
    database_url: str, engine: AsyncEngine
) -> None:
    # The only host is a primary; asking for a standby is what a failover looks like
    # from the other side (asking for read-write while every host is still a standby).
    url = f"{database_url}?target_session_attrs=standby"
    standby_only = create_engine(make_settings(url))
    try:
        with pytest.raises(DatabaseTroubleError) as raised:
            async with session_scope(create_sessionmaker(standby_only)):
                pass
        assert raised.value.instance_code == "database_unavailable"
    finally:
        await standby_only.dispose()
