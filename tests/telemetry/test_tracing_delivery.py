"""A webhook delivery continues the trace of the request that caused it: the request's
context is stored with the outbox event, the worker's delivery is a child span of it and
sends it on as `traceparent` (W3C), to a real receiver on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.config import Settings
from accord.db import session_scope
from accord.models import Event
from accord.webhook.ssrf import VettingResolver
from accord.worker.runner import Worker
from accord.worker.sender import ErrorClass, WebhookClient, new_client, send
from tests.conftest import Actors
from tests.receiver import Receiver, free_port
from tests.telemetry.tracing_helpers import captured, hex_ids, named, traceparent
from tests.worker.conftest import subscribe


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


@pytest.fixture
async def http() -> AsyncIterator[WebhookClient]:
    async with new_client(4, 5.0, VettingResolver(allow_private=True)) as client:
        yield client


def _ids(value: str) -> tuple[str, str, str]:
    version, trace_id, span_id, flags = value.split("-")
    assert version == "00"
    return trace_id, span_id, flags


async def _send(client: WebhookClient, url: str, parent: str | None) -> object:
    return await send(
        client, url, msg_id="evt", body=b"{}", secret=b"s" * 32, timestamp=1, traceparent=parent
    )


async def test_a_delivery_is_a_child_span_sent_as_traceparent(
    http: WebhookClient, receiver: Receiver, settings: Settings
) -> None:
    stored, trace_id, request_span = traceparent()
    with captured(settings) as spans:
        await _send(http, receiver.url, stored)
    [got] = receiver.received
    sent_trace, sent_span, flags = _ids(got.headers["traceparent"])
    [deliver] = named(spans, "deliver")
    assert (sent_trace, flags) == (trace_id, "01")
    assert hex_ids(deliver) == (trace_id, sent_span, request_span)  # its own span, child
    assert deliver.kind is SpanKind.CLIENT
    assert deliver.attributes is not None
    assert deliver.attributes["http.response.status_code"] == 200


async def test_a_failed_delivery_is_an_error_span(http: WebhookClient, settings: Settings) -> None:
    stored, trace_id, _ = traceparent()
    with captured(settings) as spans:
        result = await _send(http, f"http://127.0.0.1:{free_port()}/down", stored)
    assert getattr(result, "error_class", None) is ErrorClass.connection
    [deliver] = named(spans, "deliver")
    assert hex_ids(deliver)[0] == trace_id
    assert deliver.status.status_code is StatusCode.ERROR
    assert deliver.attributes is not None
    assert deliver.attributes["error.type"] == "connection"


async def test_without_a_stored_context_a_delivery_starts_a_trace(
    http: WebhookClient, receiver: Receiver
) -> None:
    for parent in (None, "garbage", "00-" + "0" * 32 + "-" + "0" * 16 + "-01"):
        await _send(http, receiver.url, parent)
    sent = [_ids(r.headers["traceparent"])[0] for r in receiver.received]
    assert len(set(sent)) == 3  # a valid, new trace id each time
    assert "0" * 32 not in sent


async def test_the_request_trace_reaches_the_receiver_through_the_worker(
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    hook = await subscribe(client, actors, receiver.url)
    header, trace_id, _ = traceparent()
    with captured(settings) as spans:
        r = await client.post(
            f"/api/v1/webhooks/{hook['id']}/ping",
            headers={**actors.consumer_write, "traceparent": header},
        )
        assert r.status_code == 202, r.text
        async with session_scope(sessionmaker) as s:
            [stored] = (await s.execute(select(Event.traceparent))).scalars().all()
        worker = Worker(settings, sessionmaker, {})  # a later, separate step
        async with worker.http() as out:
            assert await worker.run_once(out) == 1
    [server] = named(spans, "POST /api/v1/webhooks/{webhook_id}/ping")
    assert stored == f"00-{trace_id}-{hex_ids(server)[1]}-01"  # the request's own span
    [got] = receiver.received
    sent_trace, sent_span, _ = _ids(got.headers["traceparent"])
    [deliver] = named(spans, "deliver")
    assert sent_trace == trace_id
    assert hex_ids(deliver) == (trace_id, sent_span, hex_ids(server)[1])
