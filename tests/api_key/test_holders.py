"""Naming who acted with a key: the team always, the key's name only to those who may see it."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.api_key import service
from accord.db import session_scope
from accord.kit.clock import utcnow
from tests.conftest import PEPPER, Actors


async def test_holders_name_keys_only_for_admins_and_their_own_team(
    client: httpx.AsyncClient, actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    me = await client.get("/api/v1/me", headers=actors.producer_write)
    producer_key = me.json()["key_id"]
    async with session_scope(sessionmaker, write=False) as s:
        consumer = await service.authenticate(
            s, PEPPER, actors.consumer_write["Authorization"][7:], utcnow()
        )
        producer = await service.authenticate(
            s, PEPPER, actors.producer_write["Authorization"][7:], utcnow()
        )
        admin = await service.authenticate(s, PEPPER, actors.admin["Authorization"][7:], utcnow())
        wanted = [str(producer_key), None, "not-a-uuid", "00000000-0000-0000-0000-000000000000"]
        seen_by_consumer = await service.holders(s, consumer, wanted)
        seen_by_producer = await service.holders(s, producer, wanted)
        seen_by_admin = await service.holders(s, admin, wanted)
    assert list(seen_by_consumer) == [str(producer_key)]  # unknown ids are left out
    assert str(seen_by_consumer[str(producer_key)].team_id) == actors.producer_team
    assert seen_by_consumer[str(producer_key)].name is None
    assert seen_by_producer[str(producer_key)].name is not None
    assert seen_by_admin[str(producer_key)].name == seen_by_producer[str(producer_key)].name
