"""JWT bearer tokens from the company's provider on the API, next to API keys: claims
mapped to workspace, team and role; the person named in the audit ledger; every refusal a
clear 401/403/503."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.app import create_app
from tests.auth.oidc.keyring import Key, Provider, claims, serve
from tests.conftest import Actors, make_settings

pytestmark = pytest.mark.asyncio

AUD = "accord-api"
ROLES = [
    {"group": "accord-admins", "workspace": "acme", "role": "admin"},
    {"group": "orders-team", "workspace": "acme", "team": "orders-producer", "role": "write"},
    {"group": "ghost-team", "workspace": "acme", "team": "no-such-team", "role": "read"},
    {"group": "lost", "workspace": "nowhere", "role": "read"},
]


@dataclass
class Oidc:
    provider: Provider
    key: Key
    client: httpx.AsyncClient

    def token(self, **extra: Any) -> dict[str, str]:
        body = {
            **claims(self.provider.issuer, AUD),
            "name": "Bob Chen",
            "email": "bob@example.com",
            "groups": ["orders-team"],
            **extra,
        }
        return {"Authorization": f"Bearer {self.key.sign(body)}"}


@pytest.fixture
async def oidc(database_url: str, engine: AsyncEngine, actors: Actors) -> AsyncIterator[Oidc]:
    key = Key("k1")
    async with serve(Provider([key])) as provider:
        settings = make_settings(
            database_url,
            oidc_issuer=provider.issuer,
            oidc_client_id="accord-ui",
            oidc_audience=AUD,
            oidc_roles=ROLES,
            oidc_leeway_s=0,
            oidc_jwks_min_refresh_s=0,
        )
        app = create_app(settings, run_startup_checks=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                yield Oidc(provider, key, c)


async def test_a_token_acts_as_its_team(oidc: Oidc, actors: Actors) -> None:
    me = await oidc.client.get("/api/v1/me", headers=oidc.token())
    assert me.status_code == 200, me.text
    assert me.json()["team_id"] == actors.producer_team
    assert me.json()["key_id"] is None
    assert sorted(me.json()["scopes"]) == ["read", "write"]


async def test_the_audit_ledger_names_the_person(oidc: Oidc, actors: Actors) -> None:
    r = await oidc.client.post(
        "/api/v1/assets",
        json={"fqn": "warehouse.orders", "owner_team_id": actors.producer_team},
        headers=oidc.token(),
    )
    assert r.status_code == 201, r.text
    events = await oidc.client.get(
        "/api/v1/audit-events", params={"action": "asset.created"}, headers=actors.admin
    )
    assert events.status_code == 200, events.text
    [event] = events.json()["items"]
    assert event["actor_type"] == "user"
    assert event["actor_detail"] == {
        "issuer": oidc.provider.issuer,
        "subject": "alice",
        "name": "Bob Chen",
        "email": "bob@example.com",
    }
    verified = await oidc.client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verified.json()["ok"] is True


async def test_an_admin_group_is_a_workspace_admin(oidc: Oidc) -> None:
    me = await oidc.client.get("/api/v1/me", headers=oidc.token(groups=["accord-admins"]))
    assert me.json()["is_admin"] is True
    assert me.json()["team_id"] is None


@pytest.mark.parametrize(
    ("extra", "detail"),
    [
        ({"aud": "someone-else"}, "not meant for this audience"),
        ({"exp": int(time.time()) - 1}, "expired"),
        ({"iss": "https://evil.example.com"}, "not issued by"),
    ],
)
async def test_bad_tokens_are_401_with_the_reason(
    oidc: Oidc, extra: dict[str, Any], detail: str
) -> None:
    r = await oidc.client.get("/api/v1/me", headers=oidc.token(**extra))
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_token"
    assert detail in r.json()["detail"]


async def test_a_token_signed_by_another_key_is_401(oidc: Oidc) -> None:
    forged = Key("k1").sign({**claims(oidc.provider.issuer, AUD), "groups": ["accord-admins"]})
    r = await oidc.client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert "signature" in r.json()["detail"]


async def test_a_rotated_key_is_picked_up_without_a_restart(oidc: Oidc) -> None:
    assert (await oidc.client.get("/api/v1/me", headers=oidc.token())).status_code == 200
    oidc.key = Key("k2")
    oidc.provider.keys = [oidc.key]
    r = await oidc.client.get("/api/v1/me", headers=oidc.token())
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("groups", "says"),
    [
        (["marketing"], "none of its groups"),
        (["ghost-team"], "team 'no-such-team'"),
        (["lost"], "workspace 'nowhere'"),
    ],
)
async def test_no_role_is_403_and_says_why(oidc: Oidc, groups: list[str], says: str) -> None:
    r = await oidc.client.get("/api/v1/me", headers=oidc.token(groups=groups))
    assert r.status_code == 403
    assert r.json()["code"] == "no_role"
    assert says in r.json()["detail"]


async def test_a_body_request_is_refused_before_its_body_is_read(oidc: Oidc) -> None:
    r = await oidc.client.post(
        "/api/v1/teams", json={"name": "x"}, headers=oidc.token(aud="someone-else")
    )
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token"


async def test_provider_down_with_an_unknown_key_is_503(oidc: Oidc) -> None:
    await oidc.client.get("/api/v1/me", headers=oidc.token())
    oidc.provider.down = True
    oidc.key = Key("k3")
    r = await oidc.client.get("/api/v1/me", headers=oidc.token())
    assert r.status_code == 503
    assert r.json()["code"] == "identity_provider_unavailable"


async def test_api_keys_still_work_beside_tokens(oidc: Oidc, actors: Actors) -> None:
    r = await oidc.client.get("/api/v1/me", headers=actors.producer_write)
    assert r.status_code == 200
    assert r.json()["key_id"] is not None


async def test_a_person_without_admin_issues_only_expiring_keys(oidc: Oidc, actors: Actors) -> None:
    body = {"name": "ci", "scopes": ["read"], "team_id": actors.producer_team}
    refused = await oidc.client.post("/api/v1/api-keys", json=body, headers=oidc.token())
    assert refused.status_code == 422
    assert refused.json()["code"] == "expiry_required"
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    made = await oidc.client.post(
        "/api/v1/api-keys", json={**body, "expires_at": soon}, headers=oidc.token()
    )
    assert made.status_code == 201, made.text
    key = {"Authorization": f"Bearer {made.json()['key']}"}
    assert (await oidc.client.get("/api/v1/me", headers=key)).status_code == 200


async def test_two_people_do_not_share_idempotency_keys(oidc: Oidc, actors: Actors) -> None:
    async def create(sub: str, name: str) -> httpx.Response:
        return await oidc.client.post(
            "/api/v1/assets",
            json={"fqn": f"warehouse.{name}", "owner_team_id": actors.producer_team},
            headers={**oidc.token(sub=sub), "Idempotency-Key": "same-key-123"},
        )

    first, second = await create("alice", "a"), await create("bob", "b")
    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    assert first.json()["id"] != second.json()["id"]
