from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.config import Settings
from accord.worker.runner import Worker
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish
from tests.receiver import Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


@pytest.fixture
def worker(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Worker:
    return Worker(settings, sessionmaker, {})


async def subscribe(
    client: httpx.AsyncClient, actors: Actors, url: str, **body: object
) -> dict[str, str]:
    r = await client.post(
        "/api/v1/webhooks",
        json={"url": url, "team_id": actors.consumer_team, **body},
        headers=actors.consumer_write,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def asset_with_version(client: httpx.AsyncClient, actors: Actors) -> str:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    return asset
