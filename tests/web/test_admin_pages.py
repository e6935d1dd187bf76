"""The admin pages: teams, keys (shown once), webhooks and pings, dead letters, the
workspace policy. Admin keys only; every form needs its CSRF token; state is set up and
checked through the API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.config import Settings
from accord.worker.runner import Worker
from tests.conftest import Actors, bearer
from tests.receiver import Receiver
from tests.web.helpers import csrf_of, sign_in

ADMIN_PAGES = (
    "/ui/admin",
    "/ui/admin/teams",
    "/ui/admin/keys",
    "/ui/admin/webhooks",
    "/ui/admin/dead-letters",
    "/ui/admin/workspace",
)
_SECRET = re.compile(r'<p class="secret mono"[^>]*>([^<]+)</p>')


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


@pytest.fixture
def worker(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Worker:
    return Worker(settings, sessionmaker, {})


def raw(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def admin_ui(client: httpx.AsyncClient, actors: Actors) -> str:
    """Sign the client in as the workspace admin; the CSRF token its forms carry."""
    await sign_in(client, raw(actors.admin))
    page = await client.get("/ui/admin")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def api_items(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Any:
    r = await client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def key_rows(
    client: httpx.AsyncClient, actors: Actors, path: str = "/api/v1/api-keys"
) -> list[dict[str, Any]]:
    """The key listing without `last_used_at`, which the app's usage loop writes on its own
    clock (every `key_last_used_flush_s`), whatever a form did in between."""
    items = await api_items(client, path, actors.admin)
    return [{k: v for k, v in item.items() if k != "last_used_at"} for item in items]


async def make_hook(client: httpx.AsyncClient, actors: Actors, url: str) -> str:
    r = await client.post(
        "/api/v1/webhooks",
        json={"url": url, "team_id": actors.consumer_team, "scope": "all"},
        headers=actors.admin,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_every_admin_page_renders_for_an_admin(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await admin_ui(client, actors)
    for path in ADMIN_PAGES:
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert r.text.count("<h1") == 1
        assert 'aria-current="page">Admin</a>' in r.text
    overview = (await client.get("/ui/admin")).text
    assert "2 live teams." in overview
    assert 'href="/ui/admin/keys"' in overview
    assert "acme" in overview


async def test_team_keys_get_a_403_page_on_every_admin_page(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await sign_in(client, raw(actors.producer_write))
    inbox = await client.get("/ui/audit")
    assert 'href="/ui/admin"' not in inbox.text  # no menu entry either
    for path in ADMIN_PAGES:
        r = await client.get(path)
        assert r.status_code == 403, path
        assert "text/html" in r.headers["content-type"]
        assert "The admin pages are for workspace admin keys." in r.text


async def test_team_key_posts_are_refused_and_change_nothing(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    key = await client.post(
        "/api/v1/api-keys",
        json={"name": "victim", "team_id": actors.consumer_team, "scopes": ["read"]},
        headers=actors.admin,
    )
    key_id = key.json()["id"]
    hook = await make_hook(client, actors, "http://127.0.0.1:9/hook")
    teams = await api_items(client, "/api/v1/teams", actors.admin)
    keys = await key_rows(client, actors, "/api/v1/api-keys?include_revoked=true")
    await sign_in(client, raw(actors.producer_write))
    token = csrf_of((await client.get("/ui/audit")).text)
    posts: list[tuple[str, dict[str, Any]]] = [
        ("/ui/admin/teams", {"name": "sneaky"}),
        (
            "/ui/admin/keys",
            {"name": "sneaky", "team_id": actors.consumer_team, "scopes": ["write"]},
        ),
        ("/ui/admin/keys", {"name": "sneaky", "team_id": actors.producer_team, "scopes": ["read"]}),
        (f"/ui/admin/keys/{key_id}/revoke", {}),
        ("/ui/admin/webhooks", {"url": "http://127.0.0.1:9/x", "team_id": actors.consumer_team}),
        (f"/ui/admin/webhooks/{hook}/ping", {}),
        ("/ui/admin/dead-letters/replay", {"reason": "because"}),
        ("/ui/admin/workspace", {"default_compatibility": "none"}),
    ]
    for path, data in posts:
        r = await client.post(path, data={**data, "csrf_token": token})
        assert r.status_code == 403, path
        assert "The admin pages are for workspace admin keys." in r.text
    assert await api_items(client, "/api/v1/teams", actors.admin) == teams
    assert await key_rows(client, actors, "/api/v1/api-keys?include_revoked=true") == keys
    deliveries = await api_items(client, f"/api/v1/webhooks/{hook}/deliveries", actors.admin)
    assert deliveries == []
    assert len(await api_items(client, "/api/v1/webhooks", actors.admin)) == 1
    ws = await client.get("/api/v1/workspace", headers=actors.admin)
    assert ws.json()["default_compatibility"] == "forward"


async def test_every_post_without_its_csrf_token_is_refused(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    key = await client.post(
        "/api/v1/api-keys",
        json={"name": "kept", "team_id": actors.consumer_team, "scopes": ["read"]},
        headers=actors.admin,
    )
    hook = await make_hook(client, actors, "http://127.0.0.1:9/hook")
    await admin_ui(client, actors)
    posts: list[tuple[str, dict[str, Any]]] = [
        ("/ui/admin/teams", {"name": "no-token"}),
        ("/ui/admin/keys", {"name": "no-token", "scopes": ["admin"]}),
        (f"/ui/admin/keys/{key.json()['id']}/revoke", {}),
        ("/ui/admin/webhooks", {"url": "http://127.0.0.1:9/y"}),
        (f"/ui/admin/webhooks/{hook}/ping", {}),
        (f"/ui/admin/dead-letters/{hook}/replay", {"reason": "because"}),
        ("/ui/admin/dead-letters/replay", {"reason": "because"}),
        ("/ui/admin/workspace", {"default_compatibility": "none"}),
    ]
    for path, data in posts:
        r = await client.post(path, data=data)
        assert r.status_code == 403, path
        assert "security token" in r.text
        forged = await client.post(path, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 403, path
    names = [t["name"] for t in await api_items(client, "/api/v1/teams", actors.admin)]
    assert "no-token" not in names
    keys = await api_items(client, "/api/v1/api-keys", actors.admin)
    assert "no-token" not in [k["name"] for k in keys]
    assert "kept" in [k["name"] for k in keys]
    assert len(await api_items(client, "/api/v1/webhooks", actors.admin)) == 1
    assert await api_items(client, f"/api/v1/webhooks/{hook}/deliveries", actors.admin) == []
    ws = await client.get("/api/v1/workspace", headers=actors.admin)
    assert ws.json()["default_compatibility"] == "forward"


async def test_admin_creates_a_key_and_sees_it_once(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    token = await admin_ui(client, actors)
    r = await client.post(
        "/ui/admin/keys",
        data={
            "csrf_token": token,
            "name": "ui-made",
            "team_id": actors.consumer_team,
            "scopes": ["read", "write"],
            "expires_at": "2099-01-01T00:00",
        },
    )
    assert r.status_code == 201, r.text
    found = _SECRET.search(r.text)
    assert found is not None
    key = found.group(1)
    assert "It will not be shown again" in r.text
    assert "analytics" in r.text
    assert "2099-01-01 00:00 UTC" in r.text
    assert "location" not in r.headers
    for cookie in r.headers.get_list("set-cookie"):
        assert key not in cookie
    assert r.headers["cache-control"] == "no-store"
    me = await client.get("/api/v1/api-keys", headers=bearer(key))
    assert me.status_code == 200
    [made] = [k for k in me.json()["items"] if k["name"] == "ui-made"]
    assert made["team_id"] == actors.consumer_team
    assert made["scopes"] == ["read", "write"]
    assert made["expires_at"].startswith("2099-01-01T00:00:00")
    again = await client.get("/ui/admin/keys")
    assert "ui-made" in again.text
    assert key not in again.text
    assert made["prefix"] in again.text


async def test_bad_key_forms_are_422_pages_with_a_reason(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    token = await admin_ui(client, actors)
    before = await key_rows(client, actors)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"name": "x", "team_id": actors.consumer_team}, 422, "Scopes:"),
        ({"name": "", "scopes": ["admin"]}, 422, "Name:"),
        ({"name": "x", "team_id": "not-a-team", "scopes": ["read"]}, 422, "Team:"),
        ({"name": "x", "scopes": ["read"], "expires_at": "soon"}, 422, "Expiry:"),
        (
            {
                "name": "x",
                "scopes": ["read"],
                "team_id": actors.consumer_team,
                "expires_at": "2001-01-01T00:00",
            },
            422,
            "Expires_at is in the past.",
        ),
        (
            {"name": "x", "scopes": ["admin"], "team_id": actors.consumer_team},
            422,
            "Team keys cannot hold the admin scope",
        ),
        ({"name": "x", "scopes": ["read"]}, 422, "workspace-admin key and needs the admin scope"),
        ({"name": "x", "scopes": ["read"], "team_id": actors.other_workspace_id}, 404, "not found"),
    ]
    for data, status, words in cases:
        r = await client.post("/ui/admin/keys", data={**data, "csrf_token": token})
        assert r.status_code == status, (data, r.text)
        assert 'role="alert"' in r.text, data
        assert words in r.text, data
        assert _SECRET.search(r.text) is None
    assert await key_rows(client, actors) == before


async def test_revoke_a_key(client: httpx.AsyncClient, actors: Actors) -> None:
    made = await client.post(
        "/api/v1/api-keys",
        json={"name": "doomed", "team_id": actors.consumer_team, "scopes": ["read"]},
        headers=actors.admin,
    )
    key_id, key = made.json()["id"], made.json()["key"]
    token = await admin_ui(client, actors)
    page = await client.get("/ui/admin/keys")
    assert f'action="/ui/admin/keys/{key_id}/revoke"' in page.text
    assert ">Revoke key doomed</button>" in page.text
    r = await client.post(f"/ui/admin/keys/{key_id}/revoke", data={"csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/admin/keys?done=key_revoked"
    after = await client.get(r.headers["location"])
    assert "The key was revoked" in after.text
    assert f'action="/ui/admin/keys/{key_id}/revoke"' not in after.text
    assert (await client.get("/api/v1/teams", headers=bearer(key))).status_code == 401
    listed = await api_items(client, "/api/v1/api-keys?include_revoked=true", actors.admin)
    assert [k["revoked_at"] is not None for k in listed if k["id"] == key_id] == [True]
    unknown = "01900000-0000-7000-8000-000000000000"
    missing = await client.post(f"/ui/admin/keys/{unknown}/revoke", data={"csrf_token": token})
    assert missing.status_code == 404
    assert 'role="alert"' in missing.text


async def test_create_a_team(client: httpx.AsyncClient, actors: Actors) -> None:
    token = await admin_ui(client, actors)
    r = await client.post(
        "/ui/admin/teams", data={"csrf_token": token, "name": "billing", "description": "money"}
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/admin/teams?done=team_created"
    page = await client.get(r.headers["location"])
    assert "The team was created." in page.text
    assert "billing" in page.text
    names = [t["name"] for t in await api_items(client, "/api/v1/teams", actors.admin)]
    assert "billing" in names
    bad = await client.post("/ui/admin/teams", data={"csrf_token": token, "name": "!!"})
    assert bad.status_code == 422
    assert "Name: use letters, digits" in bad.text
    assert 'value="!!"' in bad.text  # what was typed stays in the form
    dup = await client.post("/ui/admin/teams", data={"csrf_token": token, "name": "billing"})
    assert dup.status_code == 409
    assert 'role="alert"' in dup.text
    names = [t["name"] for t in await api_items(client, "/api/v1/teams", actors.admin)]
    assert names.count("billing") == 1
    assert "!!" not in names
    echo = await client.get("/ui/admin/teams?done=<script>alert(1)</script>")
    assert "<script>alert" not in echo.text
    assert 'role="status"' not in echo.text


async def test_create_a_webhook_and_ping_it(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker
) -> None:
    token = await admin_ui(client, actors)
    r = await client.post(
        "/ui/admin/webhooks",
        data={
            "csrf_token": token,
            "url": receiver.url,
            "team_id": actors.consumer_team,
            "event_types": ["proposal.*", "version.published"],
            "scope": "concerned",
            "payload_format": "standard",
        },
    )
    assert r.status_code == 201, r.text
    secret = _SECRET.search(r.text)
    assert secret is not None
    assert secret.group(1).startswith("whsec_")
    assert "location" not in r.headers
    [hook] = await api_items(client, "/api/v1/webhooks", actors.admin)
    assert hook["url"] == receiver.url
    assert hook["team_id"] == actors.consumer_team
    assert hook["event_types"] == ["proposal.*", "version.published"]
    listing = await client.get("/ui/admin/webhooks")
    assert f'href="/ui/admin/webhooks/{hook["id"]}"' in listing.text
    assert secret.group(1) not in listing.text
    detail = await client.get(f"/ui/admin/webhooks/{hook['id']}")
    assert detail.status_code == 200
    assert "No deliveries yet" in detail.text
    ping = await client.post(f"/ui/admin/webhooks/{hook['id']}/ping", data={"csrf_token": token})
    assert ping.status_code == 303
    assert ping.headers["location"] == f"/ui/admin/webhooks/{hook['id']}?done=ping_sent"
    pending = await client.get(ping.headers["location"])
    assert "A test ping was queued" in pending.text
    assert "webhook.ping" in pending.text
    assert "Pending" in pending.text
    async with worker.http() as http:
        assert await worker.run_once(http) == 1
    delivered = await client.get(f"/ui/admin/webhooks/{hook['id']}")
    assert "Delivered" in delivered.text
    assert "HTTP 200" in delivered.text
    [d] = await api_items(client, f"/api/v1/webhooks/{hook['id']}/deliveries", actors.admin)
    assert d["event_type"] == "webhook.ping"
    assert d["status"] == "delivered"
    assert len(receiver.received) == 1


async def test_bad_webhook_forms_are_clear_errors(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    token = await admin_ui(client, actors)
    for data, words in (
        ({"url": "not a url"}, "URL:"),
        ({"url": "http://127.0.0.1:9/h", "event_types": ["nope.*"]}, "unknown event types"),
        ({"url": "http://127.0.0.1:9/h", "scope": "everything"}, "Which events:"),
    ):
        r = await client.post("/ui/admin/webhooks", data={**data, "csrf_token": token})
        assert r.status_code == 422, r.text
        assert words in r.text
    assert await api_items(client, "/api/v1/webhooks", actors.admin) == []
    missing = await client.get("/ui/admin/webhooks/01900000-0000-7000-8000-000000000000")
    assert missing.status_code == 404


async def test_replay_a_dead_letter_with_a_reason(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker
) -> None:
    receiver.respond = lambda _: (410, {})
    hook = await make_hook(client, actors, receiver.url)
    for _ in range(2):
        ping = await client.post(f"/api/v1/webhooks/{hook}/ping", headers=actors.admin)
        assert ping.status_code == 202, ping.text
    async with worker.http() as http:
        assert await worker.run_once(http) == 2
    dead = await api_items(client, "/api/v1/dead-letters", actors.admin)
    assert len(dead) == 2
    token = await admin_ui(client, actors)
    page = await client.get("/ui/admin/dead-letters")
    assert page.status_code == 200
    assert "HTTP 410" in page.text
    assert receiver.url in page.text
    first = dead[0]["id"]
    assert f'action="/ui/admin/dead-letters/{first}/replay"' in page.text
    assert f'<label for="reason-{first}">Reason</label>' in page.text
    no_reason = await client.post(
        f"/ui/admin/dead-letters/{first}/replay", data={"csrf_token": token, "reason": " "}
    )
    assert no_reason.status_code == 422
    assert "Give a reason" in no_reason.text
    assert len(await api_items(client, "/api/v1/dead-letters", actors.admin)) == 2
    r = await client.post(
        f"/ui/admin/dead-letters/{first}/replay",
        data={"csrf_token": token, "reason": "receiver fixed"},
    )
    assert r.status_code == 303
    assert r.headers["location"].endswith("?done=replayed")
    assert "queued again" in (await client.get(r.headers["location"])).text
    left = await api_items(client, "/api/v1/dead-letters", actors.admin)
    assert [d["id"] for d in left] == [dead[1]["id"]]
    audit = await api_items(
        client, "/api/v1/audit-events?action=dead_letter.replayed", actors.admin
    )
    assert [e["entity_id"] for e in audit] == [first]
    assert audit[0]["after"]["reason"] == "receiver fixed"  # the reason is kept
    again = await client.post(
        f"/ui/admin/dead-letters/{first}/replay", data={"csrf_token": token, "reason": "twice"}
    )
    assert again.status_code == 404
    assert 'role="alert"' in again.text
    short = await client.post(
        "/ui/admin/dead-letters/replay", data={"csrf_token": token, "reason": "x"}
    )
    assert short.status_code == 422
    assert "Reason:" in short.text
    bulk = await client.post(
        "/ui/admin/dead-letters/replay",
        data={"csrf_token": token, "reason": "all fixed", "subscription_id": hook, "limit": "10"},
    )
    assert bulk.status_code == 303
    assert bulk.headers["location"].endswith("?done=bulk_replayed")
    assert await api_items(client, "/api/v1/dead-letters", actors.admin) == []
    [event] = await api_items(
        client, "/api/v1/audit-events?action=dead_letter.bulk_replayed", actors.admin
    )
    assert event["after"]["reason"] == "all fixed"
    assert event["after"]["count"] == 1


async def test_change_the_workspace_policy(client: httpx.AsyncClient, actors: Actors) -> None:
    token = await admin_ui(client, actors)
    page = await client.get("/ui/admin/workspace")
    assert '<option value="forward" selected>' in page.text
    r = await client.post(
        "/ui/admin/workspace",
        data={"csrf_token": token, "default_compatibility": "none",
              "default_content_model": "strict"},
    )  # fmt: skip
    assert r.status_code == 303
    assert r.headers["location"].endswith("?done=workspace_saved")
    saved = await client.get(r.headers["location"])
    assert "defaults were saved" in saved.text
    assert '<option value="none" selected>' in saved.text
    ws = (await client.get("/api/v1/workspace", headers=actors.admin)).json()
    assert ws["default_compatibility"] == "none"
    assert ws["default_content_model"] == "strict"
    [event] = await api_items(
        client, "/api/v1/audit-events?action=workspace.policy_loosened", actors.admin
    )
    assert event["after"]["default_compatibility"] == "none"
    bad = await client.post(
        "/ui/admin/workspace", data={"csrf_token": token, "default_compatibility": "anything"}
    )
    assert bad.status_code == 422
    assert "Default compatibility:" in bad.text
    ws = (await client.get("/api/v1/workspace", headers=actors.admin)).json()
    assert ws["default_compatibility"] == "none"


async def test_another_workspace_admin_sees_nothing_of_this_one(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    hook = await make_hook(client, actors, "http://127.0.0.1:9/hook")
    await sign_in(client, raw(actors.other_admin))
    teams = await client.get("/ui/admin/teams")
    assert "orders-producer" not in teams.text
    assert "analytics" not in teams.text
    assert (await client.get(f"/ui/admin/webhooks/{hook}")).status_code == 404
    token = csrf_of(teams.text)
    r = await client.post(f"/ui/admin/webhooks/{hook}/ping", data={"csrf_token": token})
    assert r.status_code == 404
    assert await api_items(client, f"/api/v1/webhooks/{hook}/deliveries", actors.admin) == []
