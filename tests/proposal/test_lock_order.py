"""Issue 15: acting on a proposal locks its asset first (asset → proposal → audit head).

On a52fa47 publishing a proposal locked the proposal and then the asset, while a publish
that replaces an open proposal locks the asset and then the proposal: run together on
PostgreSQL they deadlocked (`DeadlockDetected`, a 500). Here the replacing publish is
played by a connection of the test, which takes the two locks in the documented order.
"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import BACKEND, Actors
from tests.lifecycle_helpers import ORDERS_V1, ack, make_asset, publish, register, without

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="row locks are PostgreSQL's")


async def test_publishing_a_proposal_waits_on_the_asset_before_locking_the_proposal(
    client: httpx.AsyncClient, actors: Actors, database_url: str
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)
    opened = await publish(client, actors.producer_write, asset, without(ORDERS_V1, "email"))
    proposal = opened.json()["proposal"]["id"]
    assert (await ack(client, actors, proposal, "approve")).status_code == 200

    url = make_url(database_url).set(drivername="postgresql")
    other = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        async with other.transaction():
            await other.execute("SET LOCAL lock_timeout = '3s'")
            await other.execute("SELECT 1 FROM assets WHERE id = $1 FOR UPDATE", asset)
            shipping = asyncio.create_task(
                client.post(f"/api/v1/proposals/{proposal}/publish", headers=actors.producer_write)
            )
            await asyncio.sleep(0.5)  # the publish is now waiting on the asset
            # The "replacing publish" takes the proposal next: free, because the API
            # request has not locked it out of order. On a52fa47 this deadlocked.
            await other.execute("SELECT 1 FROM proposals WHERE id = $1 FOR UPDATE", proposal)
        shipped = await asyncio.wait_for(shipping, 10)
    finally:
        await other.close()
    assert shipped.status_code == 200, shipped.text
