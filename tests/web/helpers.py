"""Signing a test client in to the web UI, and reading the CSRF token off a page."""

from __future__ import annotations

import re

import httpx

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "no csrf_token field on the page"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, api_key: str) -> httpx.AsyncClient:
    """Sign ``client`` in through the real form; the session cookie stays in its jar."""
    form = await client.get("/ui/login")
    assert form.status_code == 200, form.text
    r = await client.post(
        "/ui/login", data={"api_key": api_key, "csrf_token": csrf_of(form.text), "next": ""}
    )
    assert r.status_code == 303, r.text
    return client
