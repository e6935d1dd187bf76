"""Issue 14, hole 8: webhooks amplified writes and leaked internal information.

One test per reported problem, through the HTTP API and the real worker against real
receivers on loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.config import Settings
from accord.webhook.ssrf import IPAddress, VettingResolver
from accord.worker.runner import Worker
from tests.conftest import Actors, make_settings
from tests.lifecycle_helpers import make_asset
from tests.receiver import Receiver
from tests.worker.conftest import subscribe

HOOKS = "/api/v1/webhooks"


@asynccontextmanager
async def api(database_url: str, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The API of a server configured with ``overrides`` (same database as ``client``)."""
    app = create_app(make_settings(database_url, **overrides), run_startup_checks=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        yield c


async def _hook(
    c: httpx.AsyncClient, headers: dict[str, str], url: str, **body: object
) -> httpx.Response:
    return await c.post(HOOKS, json={"url": url, **body}, headers=headers)


async def _deliveries(
    client: httpx.AsyncClient, hook_id: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    r = await client.get(f"{HOOKS}/{hook_id}/deliveries", headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_cap_per_team(client: httpx.AsyncClient, actors: Actors, database_url: str) -> None:
    async with api(database_url, webhook_max_per_team=2) as c:
        team, key = actors.consumer_team, actors.consumer_write
        ids = []
        for n in range(2):
            r = await _hook(c, key, f"http://127.0.0.1:9/{n}", team_id=team)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        r = await _hook(c, key, "http://127.0.0.1:9/2", team_id=team)
        assert r.status_code == 409, r.text
        problem = r.json()
        assert problem["code"] == "webhook_limit_reached"
        assert (problem["limit"], problem["setting"]) == (2, "ACCORD_WEBHOOK_MAX_PER_TEAM")
        assert "ACCORD_WEBHOOK_MAX_PER_TEAM" in problem["detail"]
        assert r.headers["content-type"] == "application/problem+json"
        # Another team has a limit of its own; a deleted subscription no longer counts.
        other = await _hook(
            c, actors.producer_write, "http://127.0.0.1:9/p", team_id=actors.producer_team
        )
        assert other.status_code == 201
        assert (await c.delete(f"{HOOKS}/{ids[0]}", headers=key)).status_code == 204
        again = await _hook(c, key, "http://127.0.0.1:9/2", team_id=team)
        assert again.status_code == 201, again.text


async def test_cap_per_workspace(
    client: httpx.AsyncClient, actors: Actors, database_url: str
) -> None:
    async with api(database_url, webhook_max_per_workspace=3) as c:
        for n in range(2):
            r = await _hook(
                c, actors.consumer_write, f"http://127.0.0.1:9/{n}", team_id=actors.consumer_team
            )
            assert r.status_code == 201, r.text
        assert (await _hook(c, actors.admin, "http://127.0.0.1:9/ws")).status_code == 201
        for headers, team in ((actors.producer_write, actors.producer_team), (actors.admin, None)):
            body = {} if team is None else {"team_id": team}
            r = await _hook(c, headers, "http://127.0.0.1:9/more", **body)
            assert r.status_code == 409, r.text
            assert r.json()["code"] == "webhook_limit_reached"
            assert r.json()["setting"] == "ACCORD_WEBHOOK_MAX_PER_WORKSPACE"
            assert r.json()["limit"] == 3
        # Another workspace is not affected.
        assert (await _hook(c, actors.other_admin, "http://127.0.0.1:9/x")).status_code == 201


async def test_duplicate_subscription(client: httpx.AsyncClient, actors: Actors) -> None:
    key, team = actors.consumer_write, actors.consumer_team
    url = "http://127.0.0.1:9/hook"
    first = await _hook(client, key, url, team_id=team, event_types=["proposal.*", "asset.*"])
    assert first.status_code == 201
    same = await _hook(client, key, url, team_id=team, event_types=["asset.*", "proposal.*"])
    assert same.status_code == 409, same.text
    assert same.json()["code"] == "webhook_exists"
    assert same.json()["existing_id"] == first.json()["id"]
    # A different filter, scope, format or owner is another subscription.
    other = await _hook(client, key, url, team_id=team, event_types=["asset.*"])
    assert other.status_code == 201
    assert (await _hook(client, key, url, team_id=team, scope="all")).status_code == 201
    assert (await _hook(client, actors.admin, url)).status_code == 201
    # Updating into a copy is refused too; nothing changed.
    moved = await client.patch(
        f"{HOOKS}/{other.json()['id']}", json={"event_types": ["proposal.*", "asset.*"]},
        headers=key,
    )  # fmt: skip
    assert moved.status_code == 409
    assert moved.json()["existing_id"] == first.json()["id"]
    got = await client.get(f"{HOOKS}/{other.json()['id']}", headers=key)
    assert got.json()["event_types"] == ["asset.*"]
    # Once the first is deleted, the same subscription may be made again.
    await client.delete(f"{HOOKS}/{first.json()['id']}", headers=key)
    again = await _hook(client, key, url, team_id=team, event_types=["proposal.*", "asset.*"])
    assert again.status_code == 201


class ScriptedDNS(AbstractResolver):
    """An attacker's name server: answers in turn, the last one repeating."""

    def __init__(self, name: str, answers: list[str]) -> None:
        self.name, self.answers, self.lookups = name, answers, 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host != self.name:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        return [
            ResolveResult(hostname=host, host=address, port=port, family=socket.AF_INET,
                          proto=0, flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV)
        ]  # fmt: skip

    async def close(self) -> None:
        return None


async def test_dns_pinning_defeats_rebinding(
    client: httpx.AsyncClient, actors: Actors, settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    """The name answers a "public" address to the check, then an internal one: the
    connection must go to the address that was checked. On loopback, 127.0.0.1 plays the
    public internet and 127.0.0.2 (same port) the internal service."""
    vetted = Receiver()
    internal = Receiver(host="127.0.0.2", port=vetted.port)
    dns = ScriptedDNS("hooks.rebind.test", ["127.0.0.1", "127.0.0.2"])
    public = ipaddress.ip_address("127.0.0.1")

    def rule(ip: IPAddress) -> bool:
        return ip == public

    worker = Worker(
        settings, sessionmaker, {},
        vetting=VettingResolver(allow_private=False, base=dns, rule=rule),
    )  # fmt: skip
    async with vetted, internal:
        await subscribe(client, actors, f"http://hooks.rebind.test:{vetted.port}/hook", scope="all")
        await make_asset(client, actors, "rebind.one")
        await make_asset(client, actors, "rebind.two")
        async with worker.http() as http:
            assert await worker.run_once(http) == 2
    assert internal.received == [], "the rebound (internal) address was connected to"
    assert len(vetted.received) == 2
    assert vetted.received[0].headers["host"] == f"hooks.rebind.test:{vetted.port}"
    assert dns.lookups == 1, "the check and the connection must share one resolution"


async def test_name_resolving_to_loopback_is_never_connected(
    client: httpx.AsyncClient, actors: Actors, settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    strict = Worker(settings, sessionmaker, {}, vetting=VettingResolver(allow_private=False))
    async with Receiver() as receiver:
        hook = await subscribe(
            client, actors, f"http://localhost:{receiver.port}/hook", scope="all"
        )
        await make_asset(client, actors, "loopback.name")
        async with strict.http() as http:
            assert await strict.run_once(http) == 1
    assert receiver.received == []
    [team_view] = await _deliveries(client, hook["id"], actors.consumer_write)
    assert (team_view["status"], team_view["last_error_class"]) == ("dead", "unsafe_target")
    [admin_view] = await _deliveries(client, hook["id"], actors.admin)
    assert "127.0.0.1" not in str(admin_view)


async def test_error_body_is_for_admins_only(
    client: httpx.AsyncClient, actors: Actors, settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    leak = b"FATAL db password=hunter2 host=billing.internal:5432 " + b"x" * 5000
    receiver = Receiver(respond=lambda _: (400, {}), reply=lambda _: leak)
    worker = Worker(settings, sessionmaker, {})
    async with receiver:
        hook = await subscribe(client, actors, receiver.url, scope="all")
        await make_asset(client, actors, "leaky.orders")
        async with worker.http() as http:
            assert await worker.run_once(http) == 1
    [team_view] = await _deliveries(client, hook["id"], actors.consumer_write)
    assert team_view["last_status_code"] == 400
    assert team_view["last_error_class"] == "http_4xx"
    assert team_view["last_error"] is None
    [attempt] = team_view["attempt_log"]
    assert (attempt["status_code"], attempt["error_class"], attempt["error"]) == (
        400,
        "http_4xx",
        None,
    )
    dead = await client.get("/api/v1/dead-letters", headers=actors.consumer_write)
    [letter] = dead.json()["items"]
    assert (letter["last_error_class"], letter["last_error"]) == ("http_4xx", None)
    assert "hunter2" not in dead.text
    # Admins get the detail, bounded.
    [admin_view] = await _deliveries(client, hook["id"], actors.admin)
    assert admin_view["last_error"].startswith("FATAL db password=hunter2")
    assert len(admin_view["last_error"]) <= 200
    assert admin_view["attempt_log"][0]["error"] == admin_view["last_error"]
    dead = await client.get("/api/v1/dead-letters", headers=actors.admin)
    assert dead.json()["items"][0]["last_error"] == admin_view["last_error"]


async def test_url_errors_are_generic(
    client: httpx.AsyncClient, actors: Actors, database_url: str
) -> None:
    async with api(database_url, webhook_allow_private=False) as c:
        problems = []
        for url in (
            "http://localhost:8080/hook",
            "http://no-such-host.invalid/hook",
            "http://10.0.0.5/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://user:pw@93.184.216.34/hook",
        ):
            r = await _hook(c, actors.admin, url)
            assert r.status_code == 422, url
            problems.append(r.json())
        hook = await _hook(c, actors.admin, "https://93.184.216.34/hook")
        assert hook.status_code == 201, hook.text
        r = await c.patch(
            f"{HOOKS}/{hook.json()['id']}", json={"url": "http://localhost/x"}, headers=actors.admin
        )
        assert r.status_code == 422
        problems.append(r.json())
    for problem in problems:
        assert problem["code"] == "unsafe_webhook_url"
        assert problem["detail"] == "unsafe or unresolvable URL"
        text = str(problem)
        for leak in ("127.0.0.1", "resolves", "Name or service", "ALLOW_PRIVATE"):
            assert leak not in text


async def test_cross_origin_redirect_is_refused(
    client: httpx.AsyncClient, actors: Actors, settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    elsewhere = Receiver()
    first = Receiver(respond=lambda _: (307, {"location": f"{elsewhere.url}/steal"}))
    worker = Worker(settings, sessionmaker, {})
    async with first, elsewhere:
        hook = await subscribe(client, actors, first.url, scope="all")
        await make_asset(client, actors, "redirected.orders")
        async with worker.http() as http:
            assert await worker.run_once(http) == 1
    assert len(first.received) == 1
    assert elsewhere.received == [], "the signed body went to another origin"
    [d] = await _deliveries(client, hook["id"], actors.consumer_write)
    assert (d["status"], d["last_status_code"], d["last_error_class"]) == (
        "dead",
        307,
        "redirect_refused",
    )


async def test_cap_holds_under_concurrent_creates(
    client: httpx.AsyncClient, actors: Actors, database_url: str
) -> None:
    async with api(database_url, webhook_max_per_team=3) as c:
        replies = await asyncio.gather(
            *(
                _hook(
                    c,
                    actors.consumer_write,
                    f"http://127.0.0.1:9/{n}",
                    team_id=actors.consumer_team,
                )
                for n in range(8)
            )
        )
    assert sorted(r.status_code for r in replies) == [201] * 3 + [409] * 5
    listed = await client.get(HOOKS, headers=actors.consumer_write)
    assert len(listed.json()["items"]) == 3
