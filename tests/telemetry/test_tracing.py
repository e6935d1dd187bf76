"""Server spans through the real app: a caller's `traceparent` is continued, the span is
named after the route template, the sampler is ParentBased(TraceIdRatio), and the
provider is made once per configuration."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.config import Settings
from accord.db import session_scope
from accord.models import Event
from accord.telemetry import tracing
from tests.conftest import Actors, make_settings
from tests.telemetry.tracing_helpers import captured, hex_ids, named, traceparent


async def test_a_request_continues_the_callers_trace(
    client: httpx.AsyncClient, actors: Actors, settings: Settings
) -> None:
    header, trace_id, caller_span = traceparent()
    with captured(settings) as spans:
        r = await client.post(
            "/api/v1/teams",
            json={"name": "traced"},
            headers={**actors.admin, "traceparent": header},
        )
    assert r.status_code == 201, r.text
    [span] = named(spans, "POST /api/v1/teams")
    assert hex_ids(span)[0] == trace_id
    assert hex_ids(span)[2] == caller_span  # the caller's span is the parent
    assert span.kind is SpanKind.SERVER
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 201
    assert span.attributes["http.route"] == "/api/v1/teams"
    assert span.attributes["accord.request_id"] == r.headers["x-request-id"]


async def test_spans_are_named_by_route_template_and_4xx_is_not_an_error(
    client: httpx.AsyncClient, actors: Actors, settings: Settings
) -> None:
    header, _, _ = traceparent()
    missing = "0190a8a4-0000-7000-8000-000000000000"
    with captured(settings) as spans:
        found = await client.get(
            f"/api/v1/teams/{missing}", headers={**actors.admin, "traceparent": header}
        )
        unrouted = await client.get("/no/such/path/123", headers={"traceparent": header})
    assert (found.status_code, unrouted.status_code) == (404, 404)
    [span] = named(spans, "GET /api/v1/teams/{team_id}")  # never the id itself
    assert span.status.status_code is StatusCode.UNSET  # the caller's mistake
    assert len(named(spans, "GET")) == 1  # no route: the method alone


async def test_a_malformed_traceparent_starts_a_new_trace(
    client: httpx.AsyncClient, actors: Actors, settings: Settings
) -> None:
    with captured(settings) as spans:
        r = await client.get(
            "/api/v1/teams", headers={**actors.admin, "traceparent": "00-zz-not-a-context"}
        )
    assert r.status_code == 200
    # Not continued, so sampled (or not) by the ratio: no parent either way.
    assert all(s.parent is None for s in named(spans, "GET /api/v1/teams"))


@pytest.fixture
async def unsampled_app(database_url: str, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    """An app that records no trace of its own accord (ratio 0)."""
    app = create_app(make_settings(database_url, trace_sample_ratio=0.0), run_startup_checks=False)
    async with app.router.lifespan_context(app):
        yield app


async def test_sampling_follows_the_caller_and_else_the_ratio(
    unsampled_app: FastAPI,
    actors: Actors,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sampled, sampled_trace, _ = traceparent(sampled=True)
    declined, declined_trace, _ = traceparent(sampled=False)
    transport = httpx.ASGITransport(app=unsampled_app)
    with captured(make_settings(database_url, trace_sample_ratio=0.0)) as spans:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for n, header in enumerate((sampled, declined, None)):
                extra = {"traceparent": header} if header else {}
                r = await http.post(
                    "/api/v1/assets",
                    json={"fqn": f"traced.sales.t{n}", "owner_team_id": actors.producer_team},
                    headers={**actors.producer_write, **extra},
                )
                assert r.status_code == 201, r.text
    assert [hex_ids(s)[0] for s in named(spans, "POST /api/v1/assets")] == [sampled_trace]
    # Unrecorded requests still have trace ids: the events they write carry them, with
    # the sampling decision in the flags.
    async with session_scope(sessionmaker) as s:
        stamped = list(
            (
                await s.execute(
                    select(Event.traceparent)
                    .where(Event.type == "asset.created")
                    .order_by(Event.created_at, Event.id)
                )
            ).scalars()
        )
    assert len(stamped) == 3
    parts = [p.split("-") if p else [] for p in stamped]
    assert [(p[1], p[3]) for p in parts[:2]] == [(sampled_trace, "01"), (declined_trace, "00")]
    assert parts[2][1] not in (sampled_trace, declined_trace)
    assert int(parts[2][3], 16) & 1 == 0  # not sampled (bit 2 may say "random trace id")


def test_one_provider_per_configuration(settings: Settings, database_url: str) -> None:
    first, again = tracing.configure(settings), tracing.configure(settings)
    assert first is again
    other = tracing.configure(make_settings(database_url, trace_sample_ratio=1.0))
    assert other is not first
    assert tracing.configure(settings) is first  # back to the first one, not a third
