"""A publish reads its asset's registrations while an engine process judges the candidate
(issue 21: the read costs the request nothing), and a failed read leaves nothing behind:
no version, no engine call in flight, the next publish as usual."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from accord.events.repository import EventRepository
from accord.kit.offload import Offload
from accord.registration import service as registration_service
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register, with_props


def _in_flight(app: FastAPI) -> int:
    return sum(app.state.accord.offload._busy)


def _engine_waits_for(
    monkeypatch: pytest.MonkeyPatch, read: asyncio.Event, order: list[str]
) -> None:
    """The engine's answer reaches the publish only once ``read`` is set: a publish that
    waited for the verdict before reading would never get it (and fail in 10 s). A race
    between the engine and the read no longer decides the test."""
    real = Offload.run

    async def gated(self: Offload, *args: Any, **kwargs: Any) -> Any:
        answer = await real(self, *args, **kwargs)
        await asyncio.wait_for(read.wait(), 10)
        order.append("verdict")
        return answer

    monkeypatch.setattr(Offload, "run", gated)


async def test_registrations_are_read_while_the_engine_works(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    assert (await register(client, actors, asset)).status_code == 201
    real = registration_service.live_for_asset
    read, order = asyncio.Event(), []

    async def watched(*args: Any, **kwargs: Any) -> Sequence[Any]:
        order.append("read")
        read.set()
        return await real(*args, **kwargs)

    monkeypatch.setattr(registration_service, "live_for_asset", watched)
    _engine_waits_for(monkeypatch, read, order)
    r = await publish(client, actors.producer_write, asset, with_props(ORDERS_V1, n={}))
    assert r.status_code == 201, r.text
    assert order == ["read", "verdict"]
    # and they still decide: dropping a column the consumer reads waits on its team
    narrowed = {**ORDERS_V1, "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    r = await publish(client, actors.producer_write, asset, narrowed, version="2.0.0")
    assert r.status_code == 202, r.text
    assert r.json()["proposal"]["awaiting"], "the consumer's team must answer"


async def test_a_failed_registration_read_leaves_nothing_behind(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    real = registration_service.live_for_asset

    async def failing(*args: Any, **kwargs: Any) -> Sequence[Any]:
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(registration_service, "live_for_asset", failing)
    widened = with_props(ORDERS_V1, note={"type": "string"})
    r = await publish(client, actors.producer_write, asset, widened)
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert _in_flight(app) == 0
    versions = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.producer_read)
    assert [v["version"] for v in versions.json()["items"]] == ["1.0.0"]
    monkeypatch.setattr(registration_service, "live_for_asset", real)
    r = await publish(client, actors.producer_write, asset, widened)
    assert r.status_code == 201, r.text
    assert r.json()["version"]["version"] == "1.1.0"


async def test_the_outbox_subscriptions_are_read_while_the_engine_works(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    hook = await client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/all"}, headers=actors.admin
    )
    assert hook.status_code == 201, hook.text
    real = EventRepository.active_subscriptions
    read, order = asyncio.Event(), []

    async def watched(self: EventRepository, *args: Any) -> Sequence[Any]:
        order.append("read")
        read.set()
        return await real(self, *args)

    monkeypatch.setattr(EventRepository, "active_subscriptions", watched)
    widened = with_props(ORDERS_V1, note={"type": "string"})
    impact = await client.post(
        f"/api/v1/assets/{asset}/impact", json={"schema": widened}, headers=actors.producer_read
    )
    assert impact.status_code == 200, impact.text
    assert order == [], "a dry run emits nothing: it has no subscriptions to read"
    _engine_waits_for(monkeypatch, read, order)
    r = await publish(client, actors.producer_write, asset, widened)
    assert r.status_code == 201, r.text
    assert order == ["read", "verdict"]
    # and the event still reached the subscription
    deliveries = await client.get(
        f"/api/v1/webhooks/{hook.json()['id']}/deliveries", headers=actors.admin
    )
    assert [d["event_type"] for d in deliveries.json()["items"]] == ["version.published"]
