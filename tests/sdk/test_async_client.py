"""The AsyncClient against the real app: every covered endpoint, typed results."""

from __future__ import annotations

import uuid

import pytest

from accord.sdk import (
    AsyncClient,
    ConflictError,
    ContractVersion,
    NotFoundError,
    Proposal,
    PublishResult,
    ValidationError,
)
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, with_props, without
from tests.sdk.conftest import AsyncFactory

BREAKING = without(ORDERS_V1, "email")


async def test_me_teams_and_keys(admin: AsyncClient, sdk: AsyncFactory, actors: Actors) -> None:
    me = await admin.me()
    assert me.is_admin
    assert me.team_id is None
    assert me.workspace_id == actors.workspace_id
    team = await admin.create_team("billing", description="invoices")
    assert (await admin.get_team(team.id)).name == "billing"
    names = [t.name async for t in admin.paginate(admin.list_teams, limit=1)]
    assert names == ["orders-producer", "analytics", "billing"]

    created = await admin.create_api_key("ci", ["read"], team_id=team.id)
    assert created.key.startswith("acd_")
    as_team = await sdk({"Authorization": f"Bearer {created.key}"}).me()
    assert as_team.team_id == team.id
    assert as_team.scopes == ["read"]
    listed = [k.id for k in (await admin.list_api_keys(limit=500)).items]
    assert created.id in listed
    await admin.revoke_api_key(created.id)
    revoked = await admin.list_api_keys(include_revoked=True, limit=500)
    assert any(k.id == created.id and k.revoked_at is not None for k in revoked.items)


async def test_assets_crud_and_lookup_by_fqn(producer: AsyncClient, actors: Actors) -> None:
    team = actors.producer_team
    orders = await producer.create_asset("warehouse.sales.orders", team, tags=["sales"])
    # A substring match and another environment must not be taken for the asset.
    await producer.create_asset("warehouse.sales.orders_archive", team)
    staging = await producer.create_asset("warehouse.sales.orders", team, environment="staging")
    assert (await producer.get_asset_by_fqn("warehouse.sales.orders")).id == orders.id
    found = await producer.get_asset_by_fqn("warehouse.sales.orders", "staging")
    assert found.id == staging.id
    with pytest.raises(NotFoundError) as info:
        await producer.get_asset_by_fqn("warehouse.sales")
    assert info.value.code == "asset_not_found"

    assert orders.compatibility == "forward"
    assert orders.tags == ["sales"]
    updated = await producer.update_asset(orders.id, description="all orders", tags=["a", "b"])
    assert updated.description == "all orders"
    assert updated.tags == ["a", "b"]
    assert updated.compatibility == "forward", "fields not given are unchanged"
    page = await producer.list_assets(q="orders", environment="prod")
    assert {a.fqn for a in page.items} == {
        "warehouse.sales.orders",
        "warehouse.sales.orders_archive",
    }
    await producer.delete_asset(orders.id)
    with pytest.raises(NotFoundError):
        await producer.get_asset(orders.id)


async def test_publish_outcomes_versions_and_diff(producer: AsyncClient, actors: Actors) -> None:
    asset = await producer.create_asset("warehouse.sales.orders", actors.producer_team)
    first = await producer.publish(asset.id, ORDERS_V1, version="1.0.0")
    assert isinstance(first, PublishResult)
    assert first.outcome == "published"
    assert isinstance(first.version, ContractVersion)
    assert first.version.schema_ == ORDERS_V1
    same = await producer.publish(asset.id, ORDERS_V1)
    assert same.outcome == "unchanged"
    assert same.version is not None
    assert same.version.id == first.version.id

    compatible = with_props(ORDERS_V1, note={"type": "string"})
    second = await producer.publish(asset.id, compatible)
    assert second.version is not None
    assert second.version.version == "1.1.0"
    versions = [v.version async for v in producer.paginate(producer.list_versions, asset.id)]
    assert versions == ["1.0.0", "1.1.0"]
    assert (await producer.get_version(asset.id, "1.1.0")).schema_ == compatible
    diff = await producer.diff(asset.id, "1.0.0", "1.1.0")
    assert diff.compatible
    assert any(c.path.endswith("/note") for c in diff.changes)
    with pytest.raises(ConflictError):
        await producer.publish(
            asset.id, with_props(compatible, x={"type": "string"}), version="1.0.5"
        )


async def test_publish_idempotency_key_replays(producer: AsyncClient, actors: Actors) -> None:
    asset = await producer.create_asset("warehouse.sales.orders", actors.producer_team)
    key = f"ci-{uuid.uuid4()}"
    one = await producer.publish(asset.id, ORDERS_V1, idempotency_key=key)
    two = await producer.publish(asset.id, ORDERS_V1, idempotency_key=key)
    assert one == two
    assert one.outcome == two.outcome == "published", "a replay repeats the first response"
    with pytest.raises(ValidationError) as info:
        await producer.publish(asset.id, BREAKING, idempotency_key=key)
    assert info.value.code == "idempotency_key_reused"


async def test_impact_registrations_and_proposal_flow(
    producer: AsyncClient, consumer: AsyncClient, admin: AsyncClient, actors: Actors
) -> None:
    asset = await producer.create_asset("warehouse.sales.orders", actors.producer_team)
    await producer.publish(asset.id, ORDERS_V1)
    reg = await consumer.create_registration(
        asset.id, actors.consumer_team, fields=["email"], version_range="^1.0.0", note="bi"
    )
    assert reg.fields == ["email"]
    regs = await consumer.list_registrations(asset_id=asset.id)
    assert [r.id for r in regs.items] == [reg.id]

    impact = await producer.impact(asset.id, BREAKING)
    assert impact.outcome == "proposal"
    assert impact.breaking
    assert impact.version == "2.0.0"
    assert [r.id for r in impact.affected_registrations] == [reg.id]
    assert all(c.path and c.kind for c in impact.breaking_changes)
    safe = await producer.impact(asset.id, with_props(ORDERS_V1, n={"type": "number"}))
    assert (safe.outcome, safe.breaking) == ("published", False)

    opened = await producer.publish(asset.id, BREAKING)
    assert opened.outcome == "proposal"
    assert isinstance(opened.proposal, Proposal)
    pid = opened.proposal.id
    assert [a.team_id for a in opened.proposal.awaiting] == [uuid.UUID(actors.consumer_team)]
    waiting = await consumer.list_proposals(team_to_act=actors.consumer_team)
    assert [p.id for p in waiting.items] == [pid]

    blocked = await consumer.acknowledge(pid, actors.consumer_team, "block", comment="no")
    assert blocked.status == "blocked"
    with pytest.raises(ConflictError) as info:
        await producer.publish_proposal(pid)
    assert info.value.code == "proposal_not_approved"
    approved = await consumer.acknowledge(pid, actors.consumer_team, "approve")
    assert approved.status == "approved"
    done = await producer.publish_proposal(pid)
    assert done.version.version == "2.0.0"
    assert done.proposal.status == "published"
    assert (await producer.get_proposal(pid)).published_version == "2.0.0"

    await consumer.delete_registration(reg.id)
    assert (await consumer.list_registrations(asset_id=asset.id)).items == []

    events = [e.action async for e in admin.paginate(admin.list_audit_events, limit=5)]
    assert "proposal.published" in events
    verified = await admin.verify_audit()
    assert verified.ok
    assert verified.problem is None
    filtered = await admin.list_audit_events(entity_type="proposal", entity_id=str(pid))
    assert {e.entity_id for e in filtered.items} == {str(pid)}


async def test_withdraw_and_force(
    producer: AsyncClient, consumer: AsyncClient, admin: AsyncClient, actors: Actors
) -> None:
    asset = await producer.create_asset("warehouse.sales.orders", actors.producer_team)
    await producer.publish(asset.id, ORDERS_V1)
    await consumer.create_registration(asset.id, actors.consumer_team)
    first = await producer.publish(asset.id, BREAKING)
    assert first.proposal is not None
    withdrawn = await producer.withdraw_proposal(first.proposal.id, reason="not yet")
    assert withdrawn.status == "withdrawn"
    second = await producer.publish(asset.id, BREAKING)
    assert second.proposal is not None
    forced = await admin.force_publish_proposal(second.proposal.id, "incident 42: ship it now")
    assert forced.proposal.status == "force_published"
    assert forced.version.version == "2.0.0"
