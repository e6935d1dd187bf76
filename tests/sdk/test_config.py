"""ACCORD_URL / ACCORD_API_KEY resolution: arguments first, then the environment."""

from __future__ import annotations

import httpx
import pytest

from accord.sdk import DEFAULT_URL, Client
from accord.sdk._config import resolve_api_key, resolve_url


def test_resolution_order() -> None:
    env = {"ACCORD_URL": "http://env:1/", "ACCORD_API_KEY": "acd_env"}
    assert resolve_url("http://arg:2", env) == "http://arg:2"
    assert resolve_url(None, env) == "http://env:1"
    assert resolve_url(None, {}) == DEFAULT_URL == "http://127.0.0.1:8080"
    assert resolve_api_key("acd_arg", env) == "acd_arg"
    assert resolve_api_key(None, env) == "acd_env"
    assert resolve_api_key(None, {}) == ""


def test_client_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_URL", "http://from-env:9")
    monkeypatch.setenv("ACCORD_API_KEY", "acd_from_env")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    with Client(transport=httpx.MockTransport(handler)) as c:
        assert c.base_url == "http://from-env:9"
        c._http.get("/x")
    assert str(seen[0].url) == "http://from-env:9/x"
    assert seen[0].headers["authorization"] == "Bearer acd_from_env"


def test_no_key_sends_no_authorization(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCORD_API_KEY", raising=False)
    with Client("http://x", transport=httpx.MockTransport(lambda r: httpx.Response(200))) as c:
        assert "authorization" not in c._http.headers
