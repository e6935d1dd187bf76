"""The blocking Client against the real app (run in a worker thread, see conftest)."""

from __future__ import annotations

import asyncio

import pytest

from accord.sdk import Client, ConflictError, NotFoundError
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, without
from tests.sdk.conftest import SyncFactory


def _workflow(producer: Client, consumer: Client, actors: Actors) -> None:
    assert producer.me().team_id is not None
    asset = producer.create_asset("warehouse.sales.orders", actors.producer_team)
    assert producer.get_asset_by_fqn("warehouse.sales.orders").id == asset.id
    assert producer.publish(asset.id, ORDERS_V1).outcome == "published"
    reg = consumer.create_registration(asset.id, actors.consumer_team)
    impact = producer.impact(asset.id, without(ORDERS_V1, "email"))
    assert [r.id for r in impact.affected_registrations] == [reg.id]
    result = producer.publish(asset.id, without(ORDERS_V1, "email"))
    assert result.proposal is not None
    pid = result.proposal.id
    assert [p.id for p in producer.paginate(producer.list_proposals, asset_id=asset.id)] == [pid]
    with pytest.raises(ConflictError):
        producer.publish_proposal(pid)
    consumer.acknowledge(pid, actors.consumer_team, "approve")
    assert producer.publish_proposal(pid).version.version == "2.0.0"
    assert [v.version for v in producer.list_versions(asset.id).items] == ["1.0.0", "2.0.0"]
    assert producer.get_version(asset.id, "2.0.0").schema_ == without(ORDERS_V1, "email")
    assert not producer.diff(asset.id, "1.0.0", "2.0.0").compatible
    with pytest.raises(NotFoundError):
        producer.get_asset_by_fqn("warehouse.nothing")


async def test_sync_client_workflow(sync_sdk: SyncFactory, actors: Actors) -> None:
    producer, consumer = sync_sdk(actors.producer_write), sync_sdk(actors.consumer_write)
    await asyncio.to_thread(_workflow, producer, consumer, actors)


def _admin_calls(admin: Client) -> None:
    team = admin.create_team("ops")
    assert admin.get_team(team.id).name == "ops"
    assert "ops" in [t.name for t in admin.paginate(admin.list_teams)]
    key = admin.create_api_key("ops-ci", ["read", "write"], team_id=team.id)
    assert key.id in [k.id for k in admin.list_api_keys().items]
    admin.revoke_api_key(key.id)
    asset = admin.create_asset("lake.events", team.id, kind="topic", compatibility="full")
    assert admin.update_asset(asset.id, compatibility="full_transitive").compatibility == (
        "full_transitive"
    )
    assert admin.list_assets(kind="topic").items[0].id == asset.id
    reg = admin.create_registration(asset.id, team.id, fields=["a"])
    assert admin.list_registrations(team_id=team.id).items[0].id == reg.id
    admin.delete_registration(reg.id)
    admin.delete_asset(asset.id)
    assert admin.verify_audit().ok
    assert admin.list_audit_events(action="team.created").items


async def test_sync_client_admin_calls(sync_sdk: SyncFactory, actors: Actors) -> None:
    with sync_sdk(actors.admin) as admin:
        await asyncio.to_thread(_admin_calls, admin)
