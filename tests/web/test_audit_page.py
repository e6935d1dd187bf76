"""The audit page: events newest first, filters, paging by cursor, the chain's status
(admins), what other keys and other workspaces see."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.web.pages.audit import summary
from tests.conftest import Actors
from tests.web.helpers import sign_in

_SEQ = re.compile(r'<td class="mono">(\d+)</td>')
_ACTION = re.compile(r'<td class="mono">([a-z_]+\.[a-z_.]+)</td>')


def raw(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def api_events(
    client: httpx.AsyncClient, actors: Actors, **params: str
) -> list[dict[str, Any]]:
    r = await client.get(
        "/api/v1/audit-events", params={"limit": "500", **params}, headers=actors.admin
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_admin_sees_events_newest_first_and_a_verified_chain(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await sign_in(client, raw(actors.admin))  # signing in is itself an audited event
    events = await api_events(client, actors)
    r = await client.get("/ui/audit")
    assert r.status_code == 200
    assert 'aria-current="page">Audit</a>' in r.text
    # The status box loads the chain page with htmx; without JavaScript it is a link.
    assert 'hx-get="/ui/audit/chain"' in r.text
    assert '<a href="/ui/audit/chain">Verify the chain now</a>' in r.text
    chain = await client.get("/ui/audit/chain")
    assert chain.status_code == 200
    assert 'id="chain"' in chain.text
    assert f"Chain verified: {len(events)} events, intact." in chain.text
    seqs = [int(s) for s in _SEQ.findall(r.text)]
    assert seqs == [e["seq"] for e in events]  # same events, newest first
    assert "team.created" in r.text
    assert "<details>" in r.text
    assert "Recorded: name orders-producer" in r.text
    assert "key test-admin" in r.text  # actors named by their key's name
    for label in ("Action", "Entity type", "Entity id", "From (UTC)", "Until (UTC)"):
        assert f">{label}</label>" in r.text
    assert "<caption>Audit events, newest first</caption>" in r.text


async def test_filters_narrow_the_list(client: httpx.AsyncClient, actors: Actors) -> None:
    await sign_in(client, raw(actors.admin))
    r = await client.get("/ui/audit", params={"action": "team.created"})
    assert set(_ACTION.findall(r.text)) == {"team.created"}
    assert len(_SEQ.findall(r.text)) == 2
    assert "(filtered)" in r.text
    assert 'value="team.created"' in r.text
    one = await client.get(
        "/ui/audit", params={"entity_type": "team", "entity_id": actors.consumer_team}
    )
    assert len(_SEQ.findall(one.text)) == 1
    assert "analytics" in one.text
    [key_event] = await api_events(
        client, actors, action="team.created", entity_id=actors.producer_team
    )
    actor = await client.get("/ui/audit", params={"actor_id": key_event["actor_id"]})
    assert len(_SEQ.findall(actor.text)) == len(
        await api_events(client, actors, actor_id=key_event["actor_id"])
    )
    future = await client.get("/ui/audit", params={"since": "2999-01-01T00:00"})
    assert future.status_code == 200
    assert "No events match these filters." in future.text
    past = await client.get("/ui/audit", params={"until": "2000-01-01T00:00"})
    assert "No events match these filters." in past.text
    window = await client.get(
        "/ui/audit", params={"since": "2000-01-01T00:00", "until": "2999-01-01T00:00Z"}
    )
    assert len(_SEQ.findall(window.text)) == len(await api_events(client, actors))


async def test_bad_filters_are_clear_422_pages(client: httpx.AsyncClient, actors: Actors) -> None:
    await sign_in(client, raw(actors.admin))
    r = await client.get("/ui/audit", params={"since": "yesterday"})
    assert r.status_code == 422
    assert "text/html" in r.headers["content-type"]
    assert "“From” is not a date and time" in r.text
    bad = await client.get("/ui/audit", params={"cursor": "!!"})
    assert bad.status_code == 422
    assert "“Older” link is not valid" in bad.text
    long = await client.get("/ui/audit", params={"action": "x" * 200})
    assert long.status_code == 422
    assert "text/html" in long.headers["content-type"]


async def test_older_link_pages_by_cursor(client: httpx.AsyncClient, actors: Actors) -> None:
    for i in range(50):
        r = await client.post("/api/v1/teams", json={"name": f"team-{i}"}, headers=actors.admin)
        assert r.status_code == 201
    await sign_in(client, raw(actors.admin))
    total = len(await api_events(client, actors))
    assert total > 50
    first = await client.get("/ui/audit")
    seqs = [int(s) for s in _SEQ.findall(first.text)]
    assert len(seqs) == 50
    older = re.search(r'<a href="(/ui/audit\?cursor=[^"]+)">Older events</a>', first.text)
    assert older is not None
    second = await client.get(older.group(1).replace("&amp;", "&"))
    more = [int(s) for s in _SEQ.findall(second.text)]
    assert more
    assert max(more) < min(seqs)
    assert len(seqs) + len(more) == total
    assert "Older events" not in second.text
    assert "Newest events" in second.text
    filtered = await client.get("/ui/audit", params={"action": "team.created"})
    link = re.search(r'<a href="(/ui/audit\?[^"]+)">Older events</a>', filtered.text)
    assert link is not None
    assert "action=team.created" in link.group(1)
    rest = await client.get(link.group(1).replace("&amp;", "&"))
    assert set(_ACTION.findall(rest.text)) == {"team.created"}


async def test_team_keys_see_events_but_cannot_verify(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await sign_in(client, raw(actors.consumer_write))
    r = await client.get("/ui/audit")
    assert r.status_code == 200
    assert "Only admin keys can verify the chain." in r.text
    assert "/ui/audit/chain" not in r.text
    chain = await client.get("/ui/audit/chain")
    assert chain.status_code == 403
    assert "Only admin keys can verify the audit chain." in chain.text
    assert len(_SEQ.findall(r.text)) == len(await api_events(client, actors))


async def test_a_tampered_chain_is_reported(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE audit_events SET action = 'team.renamed'"
                " WHERE seq = 2 AND workspace_id = :w"
            ),
            {
                "w": str(actors.workspace_id)
                if engine.dialect.name == "postgresql"
                else actors.workspace_id.hex
            },
        )
    await sign_in(client, raw(actors.admin))
    r = await client.get("/ui/audit/chain")
    assert r.status_code == 200
    assert "Chain broken at event #2" in r.text
    assert "no longer matches its hash" in r.text
    assert 'class="badge bad"' in r.text


async def test_another_workspace_sees_none_of_these_events(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await sign_in(client, raw(actors.other_admin))
    r = await client.get("/ui/audit")
    assert r.status_code == 200
    for word in ("orders-producer", "analytics", actors.producer_team, ">team.created<"):
        assert word not in r.text
    chain = await client.get("/ui/audit/chain")
    own = await client.get("/api/v1/audit-events/verify", headers=actors.other_admin)
    assert f"Chain verified: {own.json()['checked']} events, intact." in chain.text
    narrowed = await client.get("/ui/audit", params={"entity_id": actors.consumer_team})
    assert "No events match these filters." in narrowed.text


async def test_the_audit_page_needs_a_session(client: httpx.AsyncClient) -> None:
    r = await client.get("/ui/audit")
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/login?next=/ui/audit"


def test_summary_says_what_changed() -> None:
    assert summary(None, None) == "No details recorded."
    assert summary({"a": 1}, None) == "Removed."
    assert summary({"a": 1, "b": 2}, {"a": 1, "b": 3}) == "Changed b: 2 → 3"
    assert (
        summary(None, {"id": "x", "fqn": "a.b", "kind": "table"}) == "Recorded: fqn a.b; kind table"
    )
    assert summary({"updated_at": 1, "name": "a"}, {"updated_at": 2, "name": "b"}) == (
        "Changed name: a → b"
    )
    assert summary({"a": 1}, {"a": 1}) == "No field changed."
    long = summary({}, dict.fromkeys("abcde", "x" * 60))
    assert long.startswith("Changed a: none → ")
    assert "(and 2 more)" in long
    assert "…" in long
