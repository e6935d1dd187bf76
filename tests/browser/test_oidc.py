"""Sign in through the company's OpenID Connect provider in chromium, act in the UI, and
find the person's name in the audit ledger; the provider's JWTs on the same server's API,
including a key rotation at the provider picked up without a restart (issue 19)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import unavailable
from tests.browser.scenario import PEPPER, new_context
from tests.cli.test_client_commands import Server, running_server
from tests.cli.test_server_commands import free_port
from tests.oidc_provider.fixture import OidcProvider, node_modules

ROLES = [
    {"group": "accord-admins", "workspace": "default", "role": "admin"},
    {"group": "orders-team", "workspace": "default", "team": "orders-producer", "role": "write"},
]


@dataclass
class World:
    op: OidcProvider
    server: Server


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[World]:
    try:
        node_modules()
    except Exception as exc:  # no node, no npm, or the install failed
        unavailable(f"the OIDC provider cannot run: {exc}")
    port = free_port()
    with OidcProvider(redirect_uris=[f"http://127.0.0.1:{port}/ui/oidc/callback"]) as op:
        env = {
            "ACCORD_OIDC_ISSUER": op.issuer,
            "ACCORD_OIDC_CLIENT_ID": op.ui_client_id,
            "ACCORD_OIDC_CLIENT_SECRET": op.ui_client_secret or "",
            "ACCORD_OIDC_AUDIENCE": op.audience,
            "ACCORD_OIDC_SCOPES": "openid profile email groups",
            "ACCORD_OIDC_ROLES": json.dumps(ROLES),
            "ACCORD_OIDC_LEEWAY_S": "0",
            "ACCORD_OIDC_JWKS_MIN_REFRESH_S": "0",
        }
        with running_server(tmp_path_factory.mktemp("oidc"), PEPPER, port=port, **env) as server:
            yield World(op, server)


def me(world: World, token: str) -> httpx.Response:
    return httpx.get(
        f"{world.server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


async def test_sign_in_act_and_find_the_name_in_the_audit(browser: Browser, world: World) -> None:
    ctx = await new_context(browser, world.server)
    try:
        page = await ctx.new_page()
        await page.goto("/ui/login")
        await page.get_by_role("link", name="Sign in with your company account").click()
        await page.fill("input[name=login]", "alice")
        await page.fill("input[name=password]", "any")
        await page.get_by_role("button", name="Sign-in").click()
        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        await expect(page.locator(".who")).to_contain_text("Alice Martin")
        await page.goto("/ui/admin/teams")
        await page.get_by_label("Name", exact=True).fill("payments")
        await page.get_by_role("button", name="Create team").click()
        await expect(page.get_by_text("payments").first).to_be_visible()
        await page.goto("/ui/audit")
        await expect(page.get_by_text("Alice Martin <alice@example.com>").first).to_be_visible()
    finally:
        await ctx.close()
    admin = {"Authorization": f"Bearer {world.server.admin_key}"}
    events = httpx.get(
        f"{world.server.url}/api/v1/audit-events",
        params={"action": "team.created"},
        headers=admin,
        timeout=10,
    ).json()["items"]
    [made] = [e for e in events if e["after"]["name"] == "payments"]
    assert made["actor_type"] == "user"
    assert made["actor_detail"]["name"] == "Alice Martin"


async def test_provider_tokens_on_the_api(world: World) -> None:
    good = me(world, world.op.token())
    assert good.status_code == 200, good.text
    assert good.json()["team_id"] == world.server.producer_team
    wrong = me(world, world.op.token(resource="https://other.example"))
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_token"
    short = world.op.token(ttl=1)
    time.sleep(2.1)
    expired = me(world, short)
    assert expired.status_code == 401
    assert re.search("expired", expired.json()["detail"])


async def test_a_key_rotation_at_the_provider_needs_no_restart(world: World) -> None:
    assert me(world, world.op.token()).status_code == 200
    world.op.restart(rotate_keys=True)
    rotated = me(world, world.op.token())
    assert rotated.status_code == 200, rotated.text
