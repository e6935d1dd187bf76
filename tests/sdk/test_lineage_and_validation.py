"""Lineage, downstream impact and validation runs through the SDK against the real app."""

from __future__ import annotations

from typing import Any

from accord.sdk import AsyncClient, Edge, LineagePage
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, without

BREAKING = without(ORDERS_V1, "email")


def _run(*statuses: str) -> dict[str, Any]:
    checks = [{"id": f"check_{i}", "kind": "not_null", "status": s} for i, s in enumerate(statuses)]
    return {"source": "s3://lake/orders.parquet", "version": "1.0.0", "checks": checks}


async def test_lineage_edges_closure_and_downstream_impact(
    producer: AsyncClient, consumer: AsyncClient, actors: Actors
) -> None:
    team = actors.producer_team
    orders = await producer.create_asset("wh.orders", team)
    daily = await producer.create_asset("wh.orders_daily", team)
    report = await producer.create_asset("wh.report", team)
    await producer.publish(orders.id, ORDERS_V1)
    first = await producer.create_lineage_edge(orders.id, daily.id)
    assert isinstance(first, Edge)
    assert (first.kind, first.source) == ("reads", "api")
    second = await producer.create_lineage_edge(daily.id, report.id, kind="transforms")
    assert second.kind == "transforms"

    touching = await producer.list_lineage_edges(asset_id=daily.id)
    assert {e.id for e in touching.items} == {first.id, second.id}
    assert [e.id for e in (await producer.list_lineage_edges(kind="transforms")).items] == [
        second.id
    ]

    down = await producer.get_lineage(orders.id, depth=2)
    assert isinstance(down, LineagePage)
    assert (down.total, down.direction) == (2, "downstream")
    assert [(a.fqn, a.distance) for a in down.items] == [("wh.orders_daily", 1), ("wh.report", 2)]
    assert down.items[0].owner_team.id == orders.owner_team_id
    pages = producer.paginate(producer.get_lineage, orders.id, depth=2, limit=1)
    assert [a.fqn async for a in pages] == ["wh.orders_daily", "wh.report"]
    up = await producer.get_lineage(report.id, direction="upstream", depth=3)
    assert [a.fqn for a in up.items] == ["wh.orders_daily", "wh.orders"]

    await consumer.create_registration(orders.id, actors.consumer_team)
    impact = await producer.impact(orders.id, BREAKING, depth=2)
    assert impact.downstream is not None
    assert [a.fqn for a in impact.downstream.assets] == ["wh.orders_daily", "wh.report"]
    opened = await producer.publish(orders.id, BREAKING)
    assert opened.proposal is not None
    assert opened.proposal.impact is not None, "the proposal's impact is read, not dropped"
    assert [a.fqn for a in opened.proposal.impact.assets] == ["wh.orders_daily", "wh.report"]
    fetched = await producer.get_proposal(opened.proposal.id)
    assert fetched.impact == opened.proposal.impact

    await producer.delete_lineage_edge(first.id)
    assert [e.id for e in (await producer.list_lineage_edges()).items] == [second.id]


async def test_validation_runs_history_and_trend(producer: AsyncClient, actors: Actors) -> None:
    asset = await producer.create_asset("wh.orders", actors.producer_team)
    await producer.publish(asset.id, ORDERS_V1)
    passed = await producer.report_validation_run(asset.id, _run("pass", "pass"))
    failed = await producer.report_validation_run(asset.id, _run("pass", "fail"), pipeline="ci")
    assert (passed.status, failed.status) == ("passed", "failed")

    runs = await producer.list_validation_runs(asset.id)
    assert [r.id for r in runs.items] == [failed.id, passed.id], "newest first"
    only_failed = await producer.list_validation_runs(asset.id, status="failed")
    assert [r.id for r in only_failed.items] == [failed.id]
    assert await producer.list_validation_runs(asset.id, version="9.9.9") == runs.model_copy(
        update={"items": []}
    )
    every = [
        r.id async for r in producer.paginate(producer.list_validation_runs, asset.id, limit=1)
    ]
    assert every == [failed.id, passed.id]

    one = await producer.get_validation_run(asset.id, failed.id)
    assert one.pipeline == "ci"
    assert [c["status"] for c in one.checks] == ["pass", "fail"]

    trend = await producer.validation_trend(asset.id)
    assert trend.runs == 2
    rates = {c.id: c.pass_rate for c in trend.checks}
    assert rates == {"check_0": 1.0, "check_1": 0.5}
    assert (await producer.validation_trend(asset.id, version="9.9.9")).runs == 0
