"""The authorization-code flow's secrets, pure: PKCE (RFC 7636, S256), and the cookie that
carries state, nonce and verifier across the provider's pages, signed so it cannot be
forged or altered (HMAC-SHA256 under a key derived from the issuing pepper)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import orjson

MAX_AGE_S = 600  # ten minutes to get through the provider's sign-in


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def challenge(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True, slots=True)
class Pending:
    """One sign-in in progress."""

    state: str
    nonce: str
    verifier: str
    next_path: str
    started: int

    @classmethod
    def start(cls, next_path: str) -> Pending:
        return cls(
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(48),  # 64 characters: within RFC 7636's 43..128
            next_path,
            int(time.time()),
        )


def _key(pepper: str) -> bytes:
    return hashlib.sha256(b"accord:oidc-pending\x00" + pepper.encode("utf-8")).digest()


def seal(pending: Pending, pepper: str) -> str:
    body = _b64(
        orjson.dumps(
            [pending.state, pending.nonce, pending.verifier, pending.next_path, pending.started]
        )
    )
    mac = _b64(hmac.new(_key(pepper), body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}"


def unseal(cookie: str, pepper: str, now: float | None = None) -> Pending | None:
    """The pending sign-in, or None if the cookie is missing, forged, altered or stale."""
    body, _, mac = cookie.partition(".")
    if not body or not mac or len(cookie) > 4096:
        return None
    expected = _b64(hmac.new(_key(pepper), body.encode("ascii"), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        state, nonce, verifier, next_path, started = orjson.loads(
            base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        )
    except (ValueError, TypeError):
        return None
    if (now if now is not None else time.time()) - started > MAX_AGE_S:
        return None
    return Pending(state, nonce, verifier, next_path, started)
