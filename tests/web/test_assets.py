"""The asset list and the asset page, through the real HTTP interface."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset, publish, register
from tests.web.helpers import sign_in

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "description": "The order number"},
        "email": {"type": ["string", "null"], "format": "email"},
        "customer": {
            "type": "object",
            "properties": {"country": {"type": "string", "description": "ISO code"}},
            "required": ["country"],
        },
    },
    "required": ["id", "customer"],
}


def _key(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def _seeded(client: httpx.AsyncClient, actors: Actors) -> dict[str, str]:
    orders = await make_asset(client, actors, description="Every order placed")
    r = await publish(
        client, actors.producer_write, orders, SCHEMA,
        guarantees={"columns": {"id": {"not_null": True, "unique": True}}},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    wider = {**SCHEMA, "properties": {**SCHEMA["properties"], "note": {"type": "string"}}}
    assert (await publish(client, actors.producer_write, orders, wider)).status_code == 201
    r = await register(client, actors, orders, fields=["id", "customer.country"])
    assert r.status_code == 201, r.text
    revenue = await make_asset(client, actors, "mart.finance.revenue", kind="model")
    r = await client.post(
        "/api/v1/lineage/edges",
        json={"upstream_asset_id": orders, "downstream_asset_id": revenue},
        headers=actors.producer_write,
    )
    assert r.status_code == 201, r.text
    return {"orders": orders, "revenue": revenue}


async def test_the_asset_page_shows_contract_versions_consumers_and_lineage(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ids = await _seeded(client, actors)
    await sign_in(client, _key(actors.consumer_write))
    r = await client.get(f"/ui/assets/{ids['orders']}")
    assert r.status_code == 200, r.text
    page = r.text
    assert "<h1>warehouse.sales.orders" in page
    # the contract table: dotted paths, type, required or not, guarantees, description
    assert '<td class="mono">customer.country</td>' in page
    assert "The order number" in page
    assert "ISO code" in page
    assert "optional, may be null" in page  # email
    assert "never null; unique" in page  # id's guarantees
    assert "format email" in page
    # versions, newest first, with the diff link to the previous one
    assert page.index(">1.1.0<") < page.index(">1.0.0<")
    assert f"/ui/assets/{ids['orders']}/diff?from=1.0.0&amp;to=1.1.0" in page
    assert "first version" in page
    assert "compatible" in page
    # the consumer and the fields it reads
    assert "customer.country, id" in page
    # lineage: the SVG links to the neighbour's page
    assert 'role="group"' in page
    assert f'href="/ui/assets/{ids["revenue"]}"' in page
    assert "mart.finance.revenue" in page
    assert "No validation run has been reported" in page
    assert "style=" not in page


async def test_a_reported_run_shows_in_the_chart_and_the_failures(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ids = await _seeded(client, actors)
    for status in ("pass", "fail"):
        r = await client.post(
            f"/api/v1/assets/{ids['orders']}/validation-runs",
            json={
                "source": "s3://bucket/orders.parquet",
                "version": "1.1.0",
                "checks": [
                    {"id": "not_null:id", "kind": "not_null", "status": "pass"},
                    {"id": "unique:id", "kind": "unique", "status": status,
                     "failed_rows": 3, "message": "3 duplicate ids"},
                ],
            },
            headers=actors.producer_write,
        )  # fmt: skip
        assert r.status_code == 201, r.text
    await sign_in(client, _key(actors.producer_read))
    page = (await client.get(f"/ui/assets/{ids['orders']}")).text
    assert 'role="img"' in page
    assert "Validation pass rate of warehouse.sales.orders" in page
    assert "2 runs from" in page
    assert "1 failed" in page
    assert "Latest failures" in page
    assert "3 duplicate ids" in page
    assert "50%" in page
    assert "100%" in page


async def test_search_and_filters_narrow_the_list(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ids = await _seeded(client, actors)
    staging = await make_asset(client, actors, "warehouse.sales.refunds", environment="staging")
    await sign_in(client, _key(actors.consumer_write))
    every = (await client.get("/ui/assets")).text
    for asset_id in (*ids.values(), staging):
        assert f"/ui/assets/{asset_id}" in every
    for label in ("q", "team", "environment", "kind"):
        assert f'<label for="{label}">' in every
    found = (await client.get("/ui/assets", params={"q": "REVENUE"})).text
    assert f"/ui/assets/{ids['revenue']}" in found
    assert f"/ui/assets/{ids['orders']}" not in found
    found = (await client.get("/ui/assets", params={"environment": "staging", "kind": ""})).text
    assert f"/ui/assets/{staging}" in found
    assert f"/ui/assets/{ids['orders']}" not in found
    found = (await client.get("/ui/assets", params={"kind": "model"})).text
    assert f"/ui/assets/{ids['revenue']}" in found
    assert f"/ui/assets/{staging}" not in found
    found = (await client.get("/ui/assets", params={"team": actors.consumer_team})).text
    assert "No asset matches these filters." in found
    both = await client.get("/ui/assets", params={"q": "orders", "team": actors.producer_team})
    assert f"/ui/assets/{ids['orders']}" in both.text
    odd = await client.get("/ui/assets", params={"kind": "<nope>", "team": "x"})
    assert odd.status_code == 200
    assert "&lt;nope&gt;" not in odd.text
    assert "That team filter is not valid" in odd.text


async def test_the_list_pages(client: httpx.AsyncClient, actors: Actors) -> None:
    for i in range(52):
        await make_asset(client, actors, f"warehouse.bulk.t{i:02}")
    await sign_in(client, _key(actors.producer_read))
    first = (await client.get("/ui/assets", params={"q": "bulk"})).text
    assert first.count('<td><a href="/ui/assets/') == 50
    assert "Next page" in first
    next_url = first.split('<a href="/ui/assets?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = (await client.get("/ui/assets?" + next_url)).text
    assert second.count('<td><a href="/ui/assets/') == 2
    assert "First page" in second


async def test_another_workspace_sees_a_404_and_strangers_sign_in(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ids = await _seeded(client, actors)
    r = await client.get(f"/ui/assets/{ids['orders']}")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/ui/login")
    await sign_in(client, _key(actors.other_admin))
    for path in (f"/ui/assets/{ids['orders']}", f"/ui/assets/{ids['orders']}/diff"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert "text/html" in r.headers["content-type"]
    listing = (await client.get("/ui/assets")).text
    assert ids["orders"] not in listing
    assert "no assets in this workspace" in listing


async def test_an_asset_without_versions_or_neighbours_reads_plainly(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    bare = await make_asset(client, actors, "warehouse.empty.thing")
    await sign_in(client, _key(actors.admin))
    page = (await client.get(f"/ui/assets/{bare}")).text
    assert "has not published a contract yet" in page
    assert "No lineage is recorded" in page
    assert "No team has registered" in page
    assert "<svg" not in page


async def test_the_version_timeline_pages_back_to_the_first_version(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    props: dict[str, Any] = {"id": {"type": "integer"}}
    for n in range(14):
        props[f"f{n}"] = {"type": "string"}
        schema = {"type": "object", "properties": dict(props)}
        assert (await publish(client, actors.producer_write, asset, schema)).status_code == 201
    await sign_in(client, _key(actors.consumer_write))
    latest = (await client.get(f"/ui/assets/{asset}")).text
    assert ">1.13.0<" in latest
    assert ">1.0.0<" not in latest
    assert "Changes from 1.3.0 to 1.4.0" in latest  # the oldest shown still links back
    assert f'href="/ui/assets/{asset}?before=5#versions-title"' in latest
    older = (await client.get(f"/ui/assets/{asset}?before=5")).text
    assert ">1.3.0<" in older
    assert ">1.0.0<" in older
    assert ">1.4.0<" not in older
    assert "Older versions" not in older
    assert "first version" in older


async def test_the_asset_page_shows_its_open_proposal_and_the_answers(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    from tests.lifecycle_helpers import ORDERS_V1, without

    asset = await make_asset(client, actors, "warehouse.sales.blocked")
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)
    opened = await publish(client, actors.producer_write, asset, without(ORDERS_V1, "email"))
    pid = opened.json()["proposal"]["id"]
    r = await client.post(
        f"/api/v1/proposals/{pid}/acknowledgments",
        json={"team_id": actors.consumer_team, "decision": "block", "comment": "BI reads <email>"},
        headers=actors.consumer_write,
    )
    assert r.status_code == 200, r.text
    await sign_in(client, _key(actors.producer_write))
    html = (await client.get(f"/ui/assets/{asset}")).text
    section = html.split('id="proposal-title"', 1)[1].split("</section>", 1)[0]
    assert f'href="/ui/proposals/{pid}"' in section
    assert "Blocked" in section
    assert "analytics" in section
    assert "BI reads &lt;email&gt;" in section  # escaped
    other = await make_asset(client, actors, "warehouse.sales.quiet")
    quiet = (await client.get(f"/ui/assets/{other}")).text
    assert "No proposal is open for this asset." in quiet
