"""What ``publish`` and ``impact`` send: the format detected like the CLI when none is
given, and ``guarantees`` only when the caller gives them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from accord.sdk import AsyncClient, Client
from tests.conftest import Actors

TABLE_V1: dict[str, Any] = {
    "columns": [
        {"name": "order_id", "type": "int64", "nullable": False},
        {"name": "amount", "type": "decimal(10,2)"},
    ],
    "primary_key": ["order_id"],
}
TABLE_V2 = {**TABLE_V1, "columns": [*TABLE_V1["columns"], {"name": "note", "type": "string"}]}
JSON_SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}}


class Recorder:
    """A transport that keeps each request's JSON body and answers a canned publish."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.version = {
            "id": str(uuid.uuid4()),
            "asset_id": str(uuid.uuid4()),
            "version": "1.0.0",
            "format": "table",
            "content_hash": "h",
            "schema": {},
            "created_at": "2026-12-04T00:00:00Z",
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        if request.url.path.endswith("/impact"):
            return httpx.Response(200, json={"outcome": "published", "breaking": False})
        return httpx.Response(201, json={"outcome": "published", "version": self.version})


def test_guarantees_are_sent_only_when_given() -> None:
    recorder = Recorder()
    with Client("http://accord.test", "k", transport=httpx.MockTransport(recorder)) as client:
        client.publish(uuid.uuid4(), JSON_SCHEMA)
        client.publish(uuid.uuid4(), JSON_SCHEMA, guarantees={})
        client.publish(uuid.uuid4(), JSON_SCHEMA, guarantees={"freshness": {"max_age": "1h"}})
        client.impact(uuid.uuid4(), JSON_SCHEMA)
        client.impact(uuid.uuid4(), JSON_SCHEMA, guarantees={})
    first, emptied, kept, impact, impact_emptied = recorder.bodies
    assert "guarantees" not in first, "omitted: the server carries the previous ones forward"
    assert emptied["guarantees"] == {}, "an explicit {} removes them"
    assert kept["guarantees"] == {"freshness": {"max_age": "1h"}}
    assert "guarantees" not in impact
    assert impact_emptied["guarantees"] == {}


@pytest.mark.parametrize(
    ("schema", "given", "sent"),
    [
        (TABLE_V1, None, "table"),
        (JSON_SCHEMA, None, "jsonschema"),
        ({"columns": "not a list"}, None, "jsonschema"),
        (TABLE_V1, "jsonschema", "jsonschema"),  # an explicit format always wins
    ],
)
async def test_format_is_detected_when_not_given(
    schema: dict[str, Any], given: Any, sent: str
) -> None:
    recorder = Recorder()
    transport = httpx.MockTransport(recorder)
    async with AsyncClient("http://accord.test", "k", transport=transport) as client:
        await client.publish(uuid.uuid4(), schema, format=given)
        await client.impact(uuid.uuid4(), schema, format=given)
    assert [b["format"] for b in recorder.bodies] == [sent, sent]


async def test_table_schema_publishes_as_table_without_a_format(
    producer: AsyncClient, actors: Actors
) -> None:
    asset = await producer.create_asset("wh.orders", actors.producer_team)
    first = await producer.publish(asset.id, TABLE_V1)
    assert first.version is not None
    assert (first.outcome, first.version.format) == ("published", "table")
    impact = await producer.impact(asset.id, TABLE_V2)
    assert (impact.outcome, impact.breaking) == ("published", False)
    second = await producer.publish(asset.id, TABLE_V2)
    assert second.outcome == "published", "no format_changed proposal"
    assert second.version is not None
    assert (second.version.version, second.version.format) == ("1.1.0", "table")
