"""Gauges read from the database at scrape time: right values, cached, and a scrape that
still answers (quickly) when the database does not."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.db import create_engine, create_sessionmaker
from accord.models import Delivery
from accord.telemetry import metrics_db
from accord.telemetry.metrics_db import DatabaseGauges
from tests.conftest import Actors, make_settings
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register, without
from tests.receiver import Receiver
from tests.telemetry.scrape import Scrape
from tests.worker.conftest import subscribe


def render(gauges: DatabaseGauges) -> Scrape:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(gauges)
    return Scrape(generate_latest(registry).decode())


async def _three_deliveries(client: httpx.AsyncClient, actors: Actors) -> None:
    """Three pending deliveries: the consumer subscribes, then registers on three assets."""
    async with Receiver() as receiver:
        await subscribe(client, actors, receiver.url)
    for n in range(3):
        asset = await make_asset(client, actors, f"warehouse.sales.t{n}")
        assert (await register(client, actors, asset)).status_code == 201


async def test_outbox_and_proposal_gauges(
    client: httpx.AsyncClient,
    actors: Actors,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _three_deliveries(client, actors)
    due_since = datetime.now(UTC) - timedelta(minutes=10)
    async with engine.begin() as conn:
        ids = list((await conn.execute(select(Delivery.id))).scalars())
        assert len(ids) == 3
        await conn.execute(
            update(Delivery).where(Delivery.id == ids[0]).values(status="dead")
        )  # a dead letter
        await conn.execute(  # due for ten minutes: the oldest due one
            update(Delivery).where(Delivery.id == ids[1]).values(next_attempt_at=due_since)
        )
        await conn.execute(  # not due before tomorrow: counted, but not "due"
            update(Delivery)
            .where(Delivery.id == ids[2])
            .values(next_attempt_at=datetime.now(UTC) + timedelta(days=1))
        )
    asset = await make_asset(client, actors, "warehouse.sales.orders")
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    assert (await register(client, actors, asset)).status_code == 201
    breaking = await publish(client, actors.producer_write, asset, without(ORDERS_V1, "email"))
    assert breaking.status_code == 202, breaking.text  # a proposal the consumer must answer

    gauges = DatabaseGauges(sessionmaker)
    await gauges.refresh()
    got = render(gauges)
    assert got.value("accord_metrics_database_up") == 1, got.text
    assert got.value("accord_webhook_dead_letters") == 1, got.text
    # Registering on the last asset and its proposal made two more (pending, due now).
    assert got.value("accord_outbox_backlog_deliveries", status="pending") == 4
    assert got.value("accord_outbox_backlog_deliveries", status="in_flight") == 0
    age = got.value("accord_outbox_oldest_due_age_seconds")
    assert 600 <= age < 660
    assert got.value("accord_proposals_open", status="open") == 1
    assert got.value("accord_proposals_open", status="blocked") == 0
    assert got.label_values("accord_proposals_open", "status") == {"open", "approved", "blocked"}


async def test_reads_are_cached(
    client: httpx.AsyncClient, actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    gauges = DatabaseGauges(sessionmaker)
    await gauges.refresh()
    assert render(gauges).value("accord_outbox_backlog_deliveries", status="pending") == 0
    await _three_deliveries(client, actors)
    await gauges.refresh()  # within TTL_S: the snapshot stands
    assert render(gauges).value("accord_outbox_backlog_deliveries", status="pending") == 0


# The hung database would hold a connect for HUNG_CONNECT_S; the gauges' own bound
# (TIMEOUT_S, shortened to 0.5 s here) must answer long before. BOUNDED leaves room for a
# loaded CI machine (a 2 s bound once took 3.1 s there) while still telling "bounded by
# TIMEOUT_S" from "waited for the connect timeout".
HUNG_CONNECT_S = 30
BOUNDED = 10.0


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung database)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


@pytest.fixture
async def hung_engine(silent_server: int) -> AsyncIterator[AsyncEngine]:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{silent_server}/accord"
    engine = create_engine(make_settings(url, db_connect_timeout_s=HUNG_CONNECT_S))
    yield engine
    await engine.dispose()


async def test_a_hung_database_keeps_the_last_values_then_none(
    hung_engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gauges = DatabaseGauges(sessionmaker)
    await gauges.refresh()
    assert render(gauges).find("accord_webhook_dead_letters")
    gauges.sessionmaker = create_sessionmaker(hung_engine)
    monkeypatch.setattr(metrics_db, "TTL_S", 0.0)  # read again at once
    monkeypatch.setattr(metrics_db, "TIMEOUT_S", 0.5)
    started = time.monotonic()
    await gauges.refresh()
    assert time.monotonic() - started < BOUNDED
    stale = render(gauges)
    assert stale.value("accord_metrics_database_up") == 0
    assert stale.find("accord_webhook_dead_letters"), "recent values stay while reads fail"
    monkeypatch.setattr(metrics_db, "STALE_S", 0.0)
    gone = render(gauges)
    assert gone.value("accord_metrics_database_up") == 0
    assert not gone.find("accord_webhook_dead_letters")
    assert not gone.find("accord_outbox_backlog_deliveries")


async def test_the_scrape_answers_while_the_database_hangs(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics_db, "TIMEOUT_S", 0.5)
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{silent_server}/accord"
    app = create_app(
        make_settings(url, db_connect_timeout_s=HUNG_CONNECT_S), run_startup_checks=False
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            started = time.monotonic()
            r = await asyncio.wait_for(client.get("/metrics"), 2 * BOUNDED)
            assert time.monotonic() - started < BOUNDED
    assert r.status_code == 200
    got = Scrape(r.text)
    assert got.value("accord_metrics_database_up") == 0
    assert got.find("accord_http_requests_total")  # the process's own series still answer
