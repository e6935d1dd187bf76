"""GET /metrics in one process: request series by route template, engine and check
durations, and the scrape itself (content type, not in the OpenAPI document)."""

from __future__ import annotations

import uuid

import httpx

from accord.telemetry.metrics_http import UNMATCHED
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish
from tests.telemetry.scrape import Scrape

REQUESTS = "accord_http_requests_total"
TEAM = "/api/v1/teams/{team_id}"


async def scrape(client: httpx.AsyncClient) -> Scrape:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return Scrape(r.text)


async def test_requests_are_counted_by_route_template(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    before = await scrape(client)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for team_id in ids:
        r = await client.get(f"/api/v1/teams/{team_id}", headers=actors.admin)
        assert r.status_code == 404
    after = await scrape(client)
    labels = {"route": TEAM, "method": "GET", "status": "404"}
    assert after.value(REQUESTS, **labels) - before.value(REQUESTS, **labels) == 3
    duration = "accord_http_request_duration_seconds_count"
    grown = after.value(duration, route=TEAM, method="GET")
    assert grown - before.value(duration, route=TEAM, method="GET") == 3
    assert not any(i in after.text for i in ids), "a raw path leaked into a label"


async def test_unmatched_paths_share_one_label(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    for n in range(4):
        assert (await client.get(f"/wp-admin/{n}.php")).status_code == 404
    after = await scrape(client)
    labels = {"route": UNMATCHED, "method": "GET", "status": "404"}
    assert after.value(REQUESTS, **labels) - before.value(REQUESTS, **labels) == 4
    assert not any("wp-admin" in route for route in after.label_values(REQUESTS, "route"))


async def test_wrong_method_keeps_the_route_and_odd_methods_are_other(
    client: httpx.AsyncClient,
) -> None:
    before = await scrape(client)
    assert (await client.delete("/healthz")).status_code == 405
    assert (await client.request("PROPFIND", "/healthz")).status_code == 405
    after = await scrape(client)
    for method in ("DELETE", "OTHER"):
        labels = {"route": "/healthz", "method": method, "status": "405"}
        assert after.value(REQUESTS, **labels) - before.value(REQUESTS, **labels) == 1
    assert "PROPFIND" not in after.label_values(REQUESTS, "method")


async def test_a_mounted_app_is_labelled_by_its_mount(client: httpx.AsyncClient) -> None:
    assert (await client.get("/ui/static/nothing-here.css")).status_code == 404
    after = await scrape(client)
    assert after.find(REQUESTS, route="/ui/static/{path}", status="404")


async def test_compat_and_data_check_durations(client: httpx.AsyncClient, actors: Actors) -> None:
    before = await scrape(client)
    body = {"old": ORDERS_V1, "new": ORDERS_V1, "mode": "backward"}
    r = await client.post("/api/v1/compat/check", json=body, headers=actors.producer_read)
    assert r.status_code == 200, r.text
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    run = {
        "source": "orders.parquet",
        "seconds": 42.5,
        "checks": [{"id": "not_null:id", "kind": "not_null", "status": "fail"}],
    }
    r = await client.post(
        f"/api/v1/assets/{asset}/validation-runs", json=run, headers=actors.producer_write
    )
    assert r.status_code == 201, r.text
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    compat = "accord_compat_check_duration_seconds_count"
    assert grew(compat, operation="check_history", outcome="ok") == 1
    data = "accord_data_check_duration_seconds"
    assert grew(f"{data}_count", status="failed") == 1
    assert grew(f"{data}_sum", status="failed") == 42.5
    # 42.5 s falls in the 60 s bucket, not the 30 s one.
    assert grew(f"{data}_bucket", status="failed", le="30.0") == 0
    assert grew(f"{data}_bucket", status="failed", le="60.0") == 1


async def test_metrics_is_not_in_the_api_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/metrics" not in paths
    assert (await client.post("/metrics")).status_code == 405
