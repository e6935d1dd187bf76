"""End to end against a real OpenID Connect provider (panva's oidc-provider, under node,
on loopback): its JWTs on the API, and the web UI's sign-in through its login page with
plain HTTP (tests/browser/test_oidc.py does the same in chromium)."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.app import create_app
from tests.conftest import Actors, make_settings
from tests.oidc_provider.fixture import OidcProvider, in_ci, node_modules
from tests.oidc_provider.signin import sign_in

pytestmark = pytest.mark.asyncio

BASE = "http://accord.test"
ROLES = [
    {"group": "accord-admins", "workspace": "acme", "role": "admin"},
    {"group": "orders-team", "workspace": "acme", "team": "orders-producer", "role": "write"},
]


@pytest.fixture(scope="module")
def op() -> Iterator[OidcProvider]:
    try:
        node_modules()
    except Exception as exc:  # no node, no npm, or the install failed
        if in_ci():
            pytest.fail(f"the OIDC provider cannot run: {exc}", pytrace=False)
        pytest.skip(f"the OIDC provider cannot run: {exc}")
    with OidcProvider(redirect_uris=[f"{BASE}/ui/oidc/callback"]) as provider:
        yield provider


@dataclass
class Env:
    op: OidcProvider
    client: httpx.AsyncClient


@pytest.fixture
async def env(
    op: OidcProvider, database_url: str, engine: AsyncEngine, actors: Actors
) -> AsyncIterator[Env]:
    settings = make_settings(
        database_url,
        oidc_issuer=op.issuer,
        oidc_client_id=op.ui_client_id,
        oidc_client_secret=op.ui_client_secret,
        oidc_audience=op.audience,
        oidc_scopes="openid profile email groups",
        oidc_roles=ROLES,
        oidc_leeway_s=0,
        oidc_jwks_min_refresh_s=0,
        public_url=BASE,
    )
    app = create_app(settings, run_startup_checks=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield Env(op, client)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_provider_token_works_on_the_api(env: Env, actors: Actors) -> None:
    me = await env.client.get("/api/v1/me", headers=bearer(env.op.token()))
    assert me.status_code == 200, me.text
    assert me.json()["team_id"] == actors.producer_team


async def test_wrong_audience_and_expired_tokens_are_401(env: Env) -> None:
    other = await env.client.get(
        "/api/v1/me", headers=bearer(env.op.token(resource="https://other.example"))
    )
    assert other.status_code == 401
    assert "audience" in other.json()["detail"]
    short = env.op.token(ttl=1)
    time.sleep(2.1)
    expired = await env.client.get("/api/v1/me", headers=bearer(short))
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]


async def test_key_rotation_at_the_provider_is_picked_up_without_a_restart(env: Env) -> None:
    assert (await env.client.get("/api/v1/me", headers=bearer(env.op.token()))).status_code == 200
    old_kid = env.op.jwks()["keys"][0]["kid"]
    env.op.restart(rotate_keys=True)
    assert env.op.jwks()["keys"][0]["kid"] != old_kid
    r = await env.client.get("/api/v1/me", headers=bearer(env.op.token()))
    assert r.status_code == 200, r.text


async def ui_sign_in(env: Env, login: str) -> httpx.Response:
    """Start at Accord's sign-in, log in on the provider's page, come back: the page that
    moves on to the UI (the session cookie set)."""
    start = await env.client.get("/ui/oidc/start", params={"next": "/ui/audit"})
    assert start.status_code == 303, start.text
    with httpx.Client(timeout=10) as browser:
        back = sign_in(browser, env.op, start.headers["location"], login)
    assert str(back).startswith(f"{BASE}/ui/oidc/callback?"), back
    return await env.client.get(str(back).removeprefix(BASE))


async def test_sign_in_act_and_be_named_in_the_audit(env: Env, actors: Actors) -> None:
    landed = await ui_sign_in(env, "alice")
    assert landed.status_code == 200, landed.text
    assert 'http-equiv="refresh" content="0; url=/ui/audit"' in landed.text
    page = await env.client.get("/ui/admin/teams")
    assert page.status_code == 200
    assert "Alice Martin" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    made = await env.client.post(
        "/ui/admin/teams", data={"name": "payments", "csrf_token": csrf.group(1)}
    )
    assert made.status_code in (200, 303), made.text
    events = await env.client.get(
        "/api/v1/audit-events", params={"action": "team.created"}, headers=actors.admin
    )
    by_alice = [e for e in events.json()["items"] if e["after"]["name"] == "payments"]
    assert len(by_alice) == 1
    assert by_alice[0]["actor_type"] == "user"
    assert by_alice[0]["actor_detail"]["name"] == "Alice Martin"
    assert by_alice[0]["actor_detail"]["email"] == "alice@example.com"
    audit = await env.client.get("/ui/audit")
    assert "Alice Martin &lt;alice@example.com&gt;" in audit.text


async def test_a_team_member_signs_in_to_their_team(env: Env) -> None:
    assert (await ui_sign_in(env, "bob")).status_code == 200
    inbox = await env.client.get("/ui/inbox")
    assert "Bob Chen" in inbox.text
    assert "orders-producer" in inbox.text
    admin = await env.client.get("/ui/admin/teams")
    assert admin.status_code == 403


async def test_someone_without_a_role_is_told_so(env: Env) -> None:
    refused = await ui_sign_in(env, "carol")  # analytics-team: no rule
    assert refused.status_code == 403
    assert "none of its groups" in refused.text
    assert (await env.client.get("/ui/inbox", follow_redirects=False)).status_code == 303


async def test_a_forged_or_replayed_callback_is_refused(env: Env) -> None:
    landed = await env.client.get("/ui/oidc/callback", params={"code": "x", "state": "y"})
    assert landed.status_code == 401
    assert "did not start here" in landed.text
