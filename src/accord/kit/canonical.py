"""Canonical JSON (RFC 8785, JCS): one byte string per value, for hashing."""

from __future__ import annotations

from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    result: bytes = rfc8785.dumps(value)
    return result
