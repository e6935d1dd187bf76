"""Helpers for the limiter's own tests: settings without a database, a free port."""

from __future__ import annotations

import socket
from typing import Any

from accord.config import Settings

PEPPER = "ratelimit-test-pepper-0123456789abcdef"


def limit_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "key_pepper": PEPPER,
        "rate_limit_per_client": "1000/minute",
        "rate_limit_per_key": "1000/minute",
        "rate_limit_expensive": "1000/minute",
        "rate_limit_auth_failures": "1000/minute",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def dead_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
