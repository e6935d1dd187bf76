"""Small graph builders for lineage tests."""

from __future__ import annotations

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset

EDGES = "/api/v1/lineage/edges"


async def assets(client: httpx.AsyncClient, actors: Actors, *names: str) -> dict[str, str]:
    return {n: await make_asset(client, actors, f"wh.{n}") for n in names}


async def link(
    client: httpx.AsyncClient,
    actors: Actors,
    upstream: str,
    downstream: str,
    kind: str = "transforms",
) -> httpx.Response:
    return await client.post(
        EDGES,
        json={"upstream_asset_id": upstream, "downstream_asset_id": downstream, "kind": kind},
        headers=actors.producer_write,
    )


async def chain(
    client: httpx.AsyncClient, actors: Actors, ids: dict[str, str], *pairs: str
) -> None:
    """`chain(..., "a>b", "b>c")` links a -> b -> c."""
    for pair in pairs:
        up, down = pair.split(">")
        r = await link(client, actors, ids[up], ids[down])
        assert r.status_code == 201, r.text
