"""Standard Webhooks signing (https://www.standardwebhooks.com), server side.

The secret of a subscription is derived, not stored: HMAC-SHA256(pepper, "webhook:" +
subscription id + ":" + nonce). It is shown once as `whsec_<base64>`; rotating replaces
the nonce. The subscription records which pepper (`secret_pepper`, a pepper id) its
secret was derived under, and keeps being signed with that one after the issuing pepper
changes (ADR 0035); a NULL id means the last configured pepper.

A delivery carries `webhook-id` (the event id: the same on every retry and
replay), `webhook-timestamp` (unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256(secret, id + "." + timestamp + "." + body)>`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from typing import Protocol

from accord.kit.crypto import pepper_id

SECRET_PREFIX = "whsec_"


def new_nonce() -> str:
    return secrets.token_hex(16)


def secret_bytes(pepper: str, subscription_id: uuid.UUID, nonce: str) -> bytes:
    message = f"webhook:{subscription_id}:{nonce}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).digest()


class SecretUnavailableError(Exception):
    """The pepper a subscription's secret was derived under is no longer configured:
    nothing can sign for it until its secret is rotated (a new one, under the issuing
    pepper). Deliveries to it fail with the error class `secret_unavailable`."""

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__(
            f"the signing secret of webhook {subscription_id} was derived under a key "
            "pepper that is no longer configured; rotate the webhook's secret "
            f"(POST /api/v1/webhooks/{subscription_id}/rotate-secret), then replay its "
            "dead letters"
        )
        self.subscription_id = subscription_id


class Signable(Protocol):
    """What deriving a subscription's secret needs (a `WebhookSubscription`)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def secret_nonce(self) -> str: ...
    @property
    def secret_pepper(self) -> str | None: ...


def pepper_for(sub: Signable, peppers: Sequence[str]) -> str:
    """The configured pepper ``sub``'s secret was derived under (`SecretUnavailableError`
    when it is gone). ``peppers``: every configured one, the issuing one first."""
    if sub.secret_pepper is None:
        return peppers[-1]  # from before pepper ids; start-up stamps these (ADR 0035)
    for pepper in peppers:
        if pepper_id(pepper) == sub.secret_pepper:
            return pepper
    raise SecretUnavailableError(sub.id)


def secret_for_subscription(sub: Signable, peppers: Sequence[str]) -> bytes:
    """The signing secret of ``sub`` under whichever configured pepper it was made with;
    what the worker signs deliveries with."""
    return secret_bytes(pepper_for(sub, peppers), sub.id, sub.secret_nonce)


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
