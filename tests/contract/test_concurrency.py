"""Acceptance 3 of issue 4: concurrent publishes to one asset stay consistent."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register, with_props


async def test_twenty_concurrent_publishes(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)

    def candidate(i: int) -> dict[str, Any]:
        if i % 3 == 0:  # breaking: a type change of id, distinct per i
            props = {**ORDERS_V1["properties"], "id": {"type": "string", "maxLength": 10 + i}}
            return {**ORDERS_V1, "properties": props}
        return with_props(ORDERS_V1, **{f"extra_{i}": {"type": "string"}})

    async def one(i: int) -> httpx.Response:
        return await publish(
            client,
            actors.producer_write,
            asset,
            candidate(i),
            replace_open_proposal=True,
        )

    results = await asyncio.gather(*(one(i) for i in range(20)))
    codes = [r.status_code for r in results]
    assert all(c in (201, 202) for c in codes), [r.text for r in results if r.status_code >= 400]

    versions = (
        await client.get(
            f"/api/v1/assets/{asset}/versions", params={"limit": 100}, headers=actors.admin
        )
    ).json()["items"]
    numbers = [v["version"] for v in versions]
    assert len(numbers) == len(set(numbers)), "duplicate version numbers"
    assert numbers == [f"1.{i}.0" for i in range(len(numbers))], "gap in the version history"
    assert len(numbers) == 1 + codes.count(201)

    proposals = (
        await client.get("/api/v1/proposals", params={"asset_id": asset, "limit": 100},
                         headers=actors.admin)
    ).json()["items"]  # fmt: skip
    still_open = [p for p in proposals if p["status"] in ("open", "approved", "blocked")]
    assert len(still_open) <= 1
    assert len(proposals) == codes.count(202), "a proposal was lost"

    verify = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verify.json()["ok"] is True
