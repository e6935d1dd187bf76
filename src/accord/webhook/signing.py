"""Standard Webhooks signing (https://www.standardwebhooks.com), server side.

The secret of a subscription is derived, not stored: HMAC-SHA256(pepper, "webhook:" +
subscription id + ":" + nonce). It is shown once as `whsec_<base64>`; rotating replaces
the nonce. A delivery carries `webhook-id` (the event id: the same on every retry and
replay), `webhook-timestamp` (unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256(secret, id + "." + timestamp + "." + body)>`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

SECRET_PREFIX = "whsec_"


def new_nonce() -> str:
    return secrets.token_hex(16)


def secret_bytes(pepper: str, subscription_id: uuid.UUID, nonce: str) -> bytes:
    message = f"webhook:{subscription_id}:{nonce}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).digest()


def display_secret(raw: bytes) -> str:
    return SECRET_PREFIX + base64.b64encode(raw).decode()


def sign(raw_secret: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(raw_secret, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(raw_secret: bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(raw_secret, msg_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": "Accord-Webhooks/1",
    }
