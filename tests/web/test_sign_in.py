"""Signing in to the web UI with an API key: the cookie, CSRF, wrong keys, sign-out."""

from __future__ import annotations

import httpx

from tests.conftest import Actors
from tests.web.helpers import csrf_of, sign_in


def _cookie_header(response: httpx.Response, name: str) -> str:
    for value in response.headers.get_list("set-cookie"):
        if value.startswith(name + "="):
            return value
    raise AssertionError(f"no {name} cookie set")


async def test_the_root_leads_to_the_inbox_and_the_inbox_to_sign_in(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/")
    assert r.status_code == 307
    assert r.headers["location"] == "/ui/inbox"
    r = await client.get("/ui/inbox")
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/login"
    r = await client.get("/ui/assets?q=x")
    assert r.headers["location"] == "/ui/login?next=/ui/assets%3Fq%3Dx"


async def test_sign_in_sets_a_strict_httponly_cookie_that_is_not_the_key(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    key = actors.consumer_write["Authorization"].removeprefix("Bearer ")
    form = await client.get("/ui/login")
    assert 'for="api_key">API key</label>' in form.text
    assert ">Sign in</button>" in form.text
    r = await client.post(
        "/ui/login",
        data={"api_key": key, "csrf_token": csrf_of(form.text), "next": "/ui/assets"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/assets"
    cookie = _cookie_header(r, "accord_session")
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "max-age=" in lowered
    assert "expires=" in lowered
    assert key not in cookie
    page = await client.get("/ui/inbox")
    assert page.status_code == 200
    assert "Sign out" in page.text


async def test_a_wrong_key_shows_an_error_and_no_session(
    client: httpx.AsyncClient,
) -> None:
    form = await client.get("/ui/login")
    r = await client.post(
        "/ui/login", data={"api_key": "acc_wrong", "csrf_token": csrf_of(form.text)}
    )
    assert r.status_code == 401
    assert "That API key was not accepted" in r.text
    assert "accord_session=" not in r.headers.get("set-cookie", "")
    assert (await client.get("/ui/inbox")).status_code == 303


async def test_sign_in_without_its_csrf_token_is_refused(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    key = actors.consumer_write["Authorization"].removeprefix("Bearer ")
    await client.get("/ui/login")
    r = await client.post("/ui/login", data={"api_key": key})
    assert r.status_code == 403
    assert "text/html" in r.headers["content-type"]
    assert "accord_session=" not in r.headers.get("set-cookie", "")


async def test_only_local_ui_paths_are_followed_after_sign_in(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    key = actors.consumer_write["Authorization"].removeprefix("Bearer ")
    for target in ("https://evil.example/", "//evil.example/ui/", "/api/v1/teams", "/ui/login"):
        form = await client.get("/ui/login")
        r = await client.post(
            "/ui/login",
            data={"api_key": key, "csrf_token": csrf_of(form.text), "next": target},
        )
        assert r.headers["location"] == "/ui/inbox", target
        client.cookies.clear()


async def test_sign_out_ends_the_session_and_needs_the_csrf_token(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    key = actors.consumer_write["Authorization"].removeprefix("Bearer ")
    await sign_in(client, key)
    token = client.cookies.get("accord_session")
    page = await client.get("/ui/inbox")
    assert (await client.post("/ui/logout", data={})).status_code == 403
    r = await client.post("/ui/logout", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/login"
    client.cookies.set("accord_session", token or "", path="/ui")
    assert (await client.get("/ui/inbox")).status_code == 303  # the old cookie is dead


async def test_revoking_the_key_signs_its_browsers_out(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    created = await client.post(
        "/api/v1/api-keys",
        json={"name": "browser", "team_id": actors.consumer_team, "scopes": ["write"]},
        headers=actors.admin,
    )
    assert created.status_code == 201, created.text
    await sign_in(client, created.json()["key"])
    assert (await client.get("/ui/inbox")).status_code == 200
    r = await client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=actors.admin)
    assert r.status_code == 204, r.text
    assert (await client.get("/ui/inbox")).status_code == 303


async def test_pages_carry_a_strict_content_security_policy(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/ui/login")
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"
    static = await client.get("/ui/static/accord.css")
    assert static.status_code == 200
    assert "max-age" in static.headers["cache-control"]


async def test_an_unknown_ui_page_is_an_html_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/ui/nowhere")
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]
    api = await client.get("/api/v1/nowhere")
    assert api.headers["content-type"].startswith("application/problem+json")


async def test_pages_are_gzipped_for_browsers_that_ask(client: httpx.AsyncClient) -> None:
    page = await client.get("/ui/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    assert "Sign in" in page.text  # httpx decodes it
    api = await client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in api.headers
