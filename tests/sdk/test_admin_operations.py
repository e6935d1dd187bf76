"""Teams, asset restore, the workspace, the stateless compat check and the probes through
the SDK against the real app; the blocking client included."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from accord.sdk import AsyncClient, Client, ConflictError, NotFoundError, Readiness
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, with_props, without
from tests.sdk.conftest import SyncFactory


async def test_update_and_delete_team(admin: AsyncClient) -> None:
    team = await admin.create_team("ops", description="on call")
    renamed = await admin.update_team(team.id, name="sre")
    assert (renamed.name, renamed.description) == ("sre", "on call"), "only what is given"
    described = await admin.update_team(team.id, description="pager")
    assert (described.name, described.description) == ("sre", "pager")
    await admin.delete_team(team.id)
    with pytest.raises(NotFoundError):
        await admin.get_team(team.id)


async def test_delete_with_reason_and_restore_asset(
    producer: AsyncClient, consumer: AsyncClient, admin: AsyncClient, actors: Actors
) -> None:
    asset = await producer.create_asset("wh.orders", actors.producer_team)
    await consumer.create_registration(asset.id, actors.consumer_team)
    with pytest.raises(ConflictError) as info:
        await producer.delete_asset(asset.id)
    assert info.value.code == "asset_in_use"
    await admin.delete_asset(asset.id, reason="decommissioned: the lake replaces it")
    with pytest.raises(NotFoundError):
        await producer.get_asset(asset.id)
    restored = await admin.restore_asset(asset.id)
    assert restored.id == asset.id
    assert (await producer.get_asset(asset.id)).fqn == "wh.orders"


async def test_workspace_defaults(admin: AsyncClient, actors: Actors) -> None:
    workspace = await admin.get_workspace()
    assert workspace.id == actors.workspace_id
    assert workspace.default_compatibility == "forward"
    changed = await admin.update_workspace(default_compatibility="full")
    assert (changed.default_compatibility, changed.default_content_model) == (
        "full",
        workspace.default_content_model,
    )
    assert (await admin.get_workspace()).default_compatibility == "full"


async def test_check_compatibility(producer: AsyncClient) -> None:
    breaking = await producer.check_compatibility(old=ORDERS_V1, new=without(ORDERS_V1, "email"))
    assert (breaking.compatible, breaking.mode) == (False, "forward")
    assert breaking.witnesses
    added = with_props(ORDERS_V1, note={"type": "string"})
    history = [ORDERS_V1, ORDERS_V1]
    fine = await producer.check_compatibility(new=added, history=history, mode="full")
    assert (fine.compatible, fine.mode) == (True, "full")
    assert set(fine.verdicts) >= {"backward", "forward"}


async def test_probes(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with AsyncClient("http://accord.test", transport=transport) as anonymous:
        assert (await anonymous.healthz()).status == "ok"
        ready = await anonymous.readyz()
    assert ready.ready
    assert (ready.status, ready.database) == ("ok", "ok")
    assert ready.schema_, "the migration heads the database is at"


def test_readyz_answers_when_not_ready() -> None:
    body = {"status": "unavailable", "database": "unreachable: OSError"}
    transport = httpx.MockTransport(lambda request: httpx.Response(503, json=body))
    with Client("http://accord.test", transport=transport) as client:
        ready = client.readyz()
    assert isinstance(ready, Readiness)
    assert not ready.ready
    assert ready.database == "unreachable: OSError"


def _blocking_calls(admin: Client, actors: Actors) -> None:
    team = admin.update_team(actors.consumer_team, description="reads orders")
    assert team.description == "reads orders"
    asset = admin.create_asset("wh.orders", actors.producer_team)
    other = admin.create_asset("wh.daily", actors.producer_team)
    edge = admin.create_lineage_edge(asset.id, other.id)
    assert [a.fqn for a in admin.get_lineage(asset.id).items] == ["wh.daily"]
    assert [e.id for e in admin.paginate(admin.list_lineage_edges)] == [edge.id]
    admin.delete_lineage_edge(edge.id)
    admin.delete_asset(other.id)
    assert admin.restore_asset(other.id).id == other.id
    assert admin.get_workspace().id == actors.workspace_id
    assert admin.check_compatibility(old=ORDERS_V1, new=ORDERS_V1).compatible
    assert admin.list_dead_letters().items == []
    assert admin.replay_dead_letters("nothing to replay", dry_run=True).delivery_ids == []
    assert admin.healthz().status == "ok"


async def test_blocking_client_new_operations(sync_sdk: SyncFactory, actors: Actors) -> None:
    with sync_sdk(actors.admin) as admin:
        await asyncio.to_thread(_blocking_calls, admin, actors)
