"""What the browser tests and the screenshot run share: the browser, signing in through
the real form, and state set up through the HTTP API (never through the UI under test)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
)

from tests.cli.test_client_commands import ORDERS, WITH_NOTE, Server, running_server

CHROMIUM = Path(os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium"))
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
PEPPER = "browser-tests-pepper-0123456789abcdef0123"


def in_ci() -> bool:
    """CI=true: a missing browser or axe-core fails the run instead of skipping."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


async def launch(p: Playwright) -> Browser:
    """Debian's chromium, headless (Playwright cannot download its own browser here)."""
    return await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])


@contextmanager
def ui_server(tmp: Path) -> Iterator[Server]:
    """A real `accord serve` (SQLite, free port) with an admin, producer and consumer key."""
    with running_server(tmp, PEPPER, ACCORD_WEBHOOK_ALLOW_PRIVATE="true") as server:
        yield server


async def new_context(
    browser: Browser, server: Server, *, bypass_csp: bool = False, state: Any = None
) -> BrowserContext:
    """A fresh browser profile at 1280x800. ``bypass_csp`` only for axe runs: the UI's
    CSP (script-src 'self') rightly blocks the injected axe script."""
    return await browser.new_context(
        base_url=server.url,
        viewport=VIEWPORT,
        bypass_csp=bypass_csp,
        storage_state=state,
    )


async def sign_in(page: Page, key: str) -> None:
    """Sign in through the real form, as a person would."""
    await page.goto("/ui/login")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def key_of(server: Server, role: str) -> str:
    """The API key of ``role``: admin, producer (owns the assets) or consumer."""
    keys = {
        "admin": server.admin_key,
        "producer": server.producer_key,
        "consumer": server.consumer_key,
    }
    return keys[role]


async def signed_in_state(browser: Browser, server: Server, role: str) -> Any:
    """Cookies of a browser that signed in as ``role`` through the form, for new contexts."""
    ctx = await new_context(browser, server)
    try:
        await sign_in(await ctx.new_page(), key_of(server, role))
        return await ctx.storage_state()
    finally:
        await ctx.close()


# --- state through the HTTP API ------------------------------------------------------------


def api(server: Server, key: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


@dataclass(frozen=True)
class Proposed:
    """An asset (1.0.0, then a compatible 1.1.0) with a registered consumer, and the open
    proposal a breaking change (dropping ``email``) opened on it."""

    asset_id: str
    fqn: str
    proposal_id: str
    webhook_id: str = ""


def publish(c: httpx.Client, asset_id: str, schema: dict[str, Any]) -> httpx.Response:
    return c.post(
        f"/api/v1/assets/{asset_id}/versions", json={"schema": schema, "format": "jsonschema"}
    )


def propose(server: Server, fqn: str | None = None) -> Proposed:
    fqn = fqn or f"warehouse.sales.orders_{uuid.uuid4().hex[:8]}"
    with api(server, server.producer_key) as producer:
        made = producer.post(
            "/api/v1/assets",
            json={
                "fqn": fqn,
                "owner_team_id": server.producer_team,
                "description": "Orders placed in the web shop, one row per order.",
            },
        )
        assert made.status_code == 201, made.text
        asset_id = str(made.json()["id"])
        for schema in (ORDERS, WITH_NOTE):
            r = publish(producer, asset_id, schema)
            assert r.status_code == 201, r.text
    with api(server, server.consumer_key) as consumer:
        r = consumer.post(
            "/api/v1/registrations", json={"asset_id": asset_id, "team_id": server.consumer_team}
        )
        assert r.status_code == 201, r.text
    with api(server, server.producer_key) as producer:
        r = publish(producer, asset_id, without_email())
        assert r.status_code == 202, r.text
        proposal_id = str(r.json()["proposal"]["id"])
    return Proposed(asset_id=asset_id, fqn=fqn, proposal_id=proposal_id)


def scene(server: Server, fqn: str | None = None) -> Proposed:
    """What the page tests and screenshots look at: an open proposal and a webhook."""
    made = propose(server, fqn)
    return replace(made, webhook_id=make_webhook(server))


def make_webhook(server: Server) -> str:
    """A workspace webhook whose one delivery (a ping) died, then paused: its page, and the
    dead-letters page with a letter to replay, exist. Its target is this server's own 404
    (loopback targets are allowed by `ui_server`); a 4xx answer is final at once."""
    with api(server, server.admin_key) as admin:
        r = admin.post(
            "/api/v1/webhooks",
            json={
                "url": f"{server.url}/hooks/gone",
                "description": "Chat notifications for the data team",
            },
        )
        assert r.status_code == 201, r.text
        hook = str(r.json()["id"])
        assert admin.post(f"/api/v1/webhooks/{hook}/ping").status_code == 202
        deadline = time.monotonic() + 30
        while not _dead_letters(admin, hook):
            assert time.monotonic() < deadline, "the ping never became a dead letter"
            time.sleep(0.2)
        paused = admin.patch(f"/api/v1/webhooks/{hook}", json={"active": False})
        assert paused.status_code == 200, paused.text
        return hook


def _dead_letters(admin: httpx.Client, hook: str) -> list[Any]:
    r = admin.get("/api/v1/dead-letters", params={"limit": 100})
    assert r.status_code == 200, r.text
    return [d for d in r.json()["items"] if d["subscription_id"] == hook]


def without_email() -> dict[str, Any]:
    """1.1.0 without ``email``: breaking for a consumer that reads it."""
    return {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "note": {"type": "string"}},
        "required": ["id"],
    }


def proposal(server: Server, proposal_id: str) -> dict[str, Any]:
    with api(server, server.admin_key) as admin:
        r = admin.get(f"/api/v1/proposals/{proposal_id}")
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found


def versions(server: Server, asset_id: str) -> list[str]:
    with api(server, server.admin_key) as admin:
        r = admin.get(f"/api/v1/assets/{asset_id}/versions", params={"limit": 100})
        assert r.status_code == 200, r.text
        return [str(v["version"]) for v in r.json()["items"]]
