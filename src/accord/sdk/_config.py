"""Where the server is and which key to send: arguments first, then the environment.

The SDK is a client library, so it reads its own two variables here rather than the
server's ``Settings``: ``ACCORD_URL`` (default ``http://127.0.0.1:8080``, what
``accord serve`` binds) and ``ACCORD_API_KEY``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["DEFAULT_URL", "ENV_API_KEY", "ENV_URL", "resolve_api_key", "resolve_url"]

DEFAULT_URL = "http://127.0.0.1:8080"
ENV_URL = "ACCORD_URL"
ENV_API_KEY = "ACCORD_API_KEY"


def resolve_url(url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The server's base URL: ``url``, else ``$ACCORD_URL``, else the local default."""
    env = os.environ if environ is None else environ
    chosen = (url or env.get(ENV_URL) or DEFAULT_URL).strip()
    return chosen.rstrip("/") or DEFAULT_URL


def resolve_api_key(api_key: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The API key: ``api_key``, else ``$ACCORD_API_KEY``, else empty (unauthenticated)."""
    env = os.environ if environ is None else environ
    return (api_key or env.get(ENV_API_KEY) or "").strip()
