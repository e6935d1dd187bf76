from __future__ import annotations

import httpx

from accord.app import create_app
from tests.conftest import Actors, make_settings


async def _hook(client: httpx.AsyncClient, actors: Actors, **body: object) -> httpx.Response:
    return await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "team_id": actors.consumer_team, **body},
        headers=actors.consumer_write,
    )


async def test_secret_is_shown_once_and_rotates(client: httpx.AsyncClient, actors: Actors) -> None:
    r = await _hook(client, actors, event_types=["proposal.*"], payload_format="slack")
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["secret"].startswith("whsec_")
    got = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=actors.consumer_write)
    assert "secret" not in got.json()
    assert got.json()["event_types"] == ["proposal.*"]
    rotated = await client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=actors.consumer_write
    )
    assert rotated.json()["secret"] != hook["secret"]
    events = await client.get(
        "/api/v1/audit-events", params={"entity_type": "webhook"}, headers=actors.admin
    )
    assert all(hook["secret"] not in str(e) for e in events.json()["items"])
    assert {e["action"] for e in events.json()["items"]} == {
        "webhook.created",
        "webhook.secret_rotated",
    }


async def test_workspace_webhook_is_admin_only(client: httpx.AsyncClient, actors: Actors) -> None:
    body = {"url": "http://127.0.0.1:9/all"}
    r = await client.post("/api/v1/webhooks", json=body, headers=actors.producer_write)
    assert r.status_code == 403
    r = await client.post("/api/v1/webhooks", json=body, headers=actors.admin)
    assert r.status_code == 201
    assert r.json()["team_id"] is None


async def test_teams_see_only_their_webhooks(client: httpx.AsyncClient, actors: Actors) -> None:
    mine = (await _hook(client, actors)).json()
    theirs = await client.get("/api/v1/webhooks", headers=actors.producer_write)
    assert theirs.json()["items"] == []
    ours = await client.get("/api/v1/webhooks", headers=actors.consumer_write)
    assert [h["id"] for h in ours.json()["items"]] == [mine["id"]]
    admin = await client.get("/api/v1/webhooks", headers=actors.admin)
    assert [h["id"] for h in admin.json()["items"]] == [mine["id"]]


async def test_update_and_delete(client: httpx.AsyncClient, actors: Actors) -> None:
    hook = (await _hook(client, actors)).json()
    url = f"/api/v1/webhooks/{hook['id']}"
    r = await client.patch(
        url, json={"active": False, "scope": "all"}, headers=actors.consumer_write
    )
    assert r.json()["active"] is False
    assert r.json()["scope"] == "all"
    assert (await client.delete(url, headers=actors.consumer_write)).status_code == 204
    assert (await client.get(url, headers=actors.consumer_write)).status_code == 404


async def test_bad_input(client: httpx.AsyncClient, actors: Actors) -> None:
    for body in (
        {"url": "ftp://127.0.0.1/x"},
        {"url": "not a url"},
        {"event_types": ["no.such.event"]},
        {"payload_format": "xml"},
        {"scope": "everything"},
    ):
        r = await _hook(client, actors, **body)
        assert r.status_code == 422, body


async def test_private_targets_are_refused_by_default(database_url: str, engine: object) -> None:
    from accord.db import create_engine, create_sessionmaker
    from tests.conftest import admin_key_for

    settings = make_settings(database_url, webhook_allow_private=False)
    app = create_app(settings, run_startup_checks=False)
    engine2 = create_engine(settings)
    _, key = await admin_key_for(create_sessionmaker(engine2), "ssrf")
    await engine2.dispose()
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        for url in (
            "http://127.0.0.1/hook",
            "http://localhost:8080/hook",
            "http://10.0.0.5/hook",
            "http://172.16.3.4/hook",
            "http://192.168.1.1/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/hook",
            "http://[fe80::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://[::ffff:10.0.0.1]/hook",
            "http://0.0.0.0/hook",
        ):
            r = await c.post("/api/v1/webhooks", json={"url": url}, headers=headers)
            assert r.status_code == 422, url
            assert r.json()["code"] == "unsafe_webhook_url", url
