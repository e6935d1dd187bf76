"""The inbox: what waits on the signed-in team, and the team's own open proposals."""

from __future__ import annotations

import httpx

from tests.conftest import Actors, new_team
from tests.lifecycle_helpers import ORDERS_V1, ack, make_asset, publish, register, without
from tests.web.helpers import sign_in

BREAKING = without(ORDERS_V1, "email")


def raw(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def open_proposal(
    client: httpx.AsyncClient, actors: Actors, fqn: str = "warehouse.sales.orders"
) -> tuple[str, str]:
    asset = await make_asset(client, actors, fqn)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    assert (await register(client, actors, asset)).status_code == 201
    r = await publish(client, actors.producer_write, asset, BREAKING)
    assert r.status_code == 202, r.text
    return asset, str(r.json()["proposal"]["id"])


async def test_the_consumer_sees_what_waits_on_it(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    page = await client.get("/ui/inbox")
    assert page.status_code == 200
    html = page.text
    assert "Waiting on analytics" in html
    assert f'href="/ui/proposals/{pid}"' in html
    assert f'href="/ui/assets/{asset}"' in html
    assert "warehouse.sales.orders" in html
    assert "/properties/email: property &#39;email&#39; became optional" in html
    assert "Open: waiting for answers" in html
    assert "Nothing is waiting on your team." not in html
    assert "orders-producer" in html  # the owner team
    assert "Opened by a key of orders-producer" in html  # its name is the producer's own


async def test_the_producer_finds_its_own_proposal_below(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.producer_write))
    html = (await client.get("/ui/inbox")).text
    assert "Nothing is waiting on your team." in html
    own = html.split("Your team's proposals", 1)[1]
    assert f'href="/ui/proposals/{pid}"' in own
    assert "(orders-producer)" in html  # the key that opened it, named with its team


async def test_an_approved_proposal_no_longer_waits_on_the_consumer(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    assert (await ack(client, actors, pid, "approve")).status_code == 200
    await sign_in(client, raw(actors.consumer_write))
    html = (await client.get("/ui/inbox")).text
    assert "Nothing is waiting on your team." in html
    assert pid not in html


async def test_the_admin_sees_every_open_proposal(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await sign_in(client, raw(actors.admin))
    assert "Nothing is waiting on anyone." in (await client.get("/ui/inbox")).text
    _, first = await open_proposal(client, actors, "warehouse.sales.orders")
    _, second = await open_proposal(client, actors, "warehouse.sales.refunds")
    assert (await ack(client, actors, second, "block")).status_code == 200
    html = (await client.get("/ui/inbox")).text
    assert "Open proposals in the workspace" in html
    assert html.index(second) < html.index(first), "newest first"
    assert "Blocked" in html


async def test_another_team_sees_nothing_of_it(client: httpx.AsyncClient, actors: Actors) -> None:
    _, pid = await open_proposal(client, actors)
    other = await new_team(client, actors.admin, "finance")
    created = await client.post(
        "/api/v1/api-keys",
        json={"name": "fin", "team_id": other, "scopes": ["read", "write"]},
        headers=actors.admin,
    )
    await sign_in(client, created.json()["key"])
    html = (await client.get("/ui/inbox")).text
    assert "Nothing is waiting on your team." in html
    assert pid not in html


async def test_the_inbox_pages_with_a_more_link(client: httpx.AsyncClient, actors: Actors) -> None:
    from accord.web.pages import inbox

    await sign_in(client, raw(actors.admin))
    ids = [(await open_proposal(client, actors, f"warehouse.t{i}"))[1] for i in range(3)]
    saved = inbox.PAGE
    inbox.PAGE = 2
    try:
        first = (await client.get("/ui/inbox")).text
        assert "More proposals" in first
        assert ids[2] in first  # newest first, on every page
        assert ids[1] in first
        assert ids[0] not in first
        assert first.index(ids[2]) < first.index(ids[1])
        more = first.split('href="/ui/inbox?after=', 1)[1].split('"', 1)[0]
        second = (await client.get(f"/ui/inbox?after={more}")).text
        assert ids[0] in second
        assert ids[2] not in second
        assert "More proposals" not in second
    finally:
        inbox.PAGE = saved


async def test_a_bad_cursor_is_the_first_page(client: httpx.AsyncClient, actors: Actors) -> None:
    await sign_in(client, raw(actors.consumer_write))
    r = await client.get("/ui/inbox?after=<script>")
    assert r.status_code == 200
    assert "<script>" not in r.text.split("<main", 1)[1]
