"""Verify Accord webhook deliveries (Standard Webhooks signatures) in your receiver.

    from accord.sdk.webhooks import WebhookVerificationError, verify_webhook

    SECRET = os.environ["ACCORD_WEBHOOK_SECRET"]   # the whsec_... shown at creation

    def handle(request):                           # any framework: raw body + headers
        try:
            event = verify_webhook(request.body, request.headers, secret=SECRET)
        except WebhookVerificationError:
            return 400
        if already_processed(event["id"]):     # deliveries are at-least-once:
            return 200                         # deduplicate on the event id
        process(event)
        return 200

Checks, in order: the three headers are present; the timestamp is within `tolerance`
seconds of now (replays of old captures fail); one of the `v1,` signatures equals
HMAC-SHA256(secret, webhook-id + "." + webhook-timestamp + "." + body), compared in
constant time. Only then is the body parsed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["WebhookVerificationError", "sign_webhook", "verify_webhook"]

_PREFIX = "whsec_"


class WebhookVerificationError(ValueError):
    """The delivery is not authentic, or too old: reject it (HTTP 400)."""


def _secret_bytes(secret: str) -> bytes:
    raw = secret.removeprefix(_PREFIX)
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError("the signing secret is not valid base64") from exc


def sign_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value Accord sends (useful for testing receivers)."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: int = 300,
    now: float | None = None,
) -> dict[str, Any]:
    """Return the parsed event if the delivery is authentic and fresh; raise otherwise."""
    msg_id = _header(headers, "webhook-id")
    stamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
    expected = sign_webhook(secret, msg_id, timestamp, body)
    offered = [s for s in signatures.split() if s.startswith("v1,")]
    if not any(hmac.compare_digest(expected, s) for s in offered):
        raise WebhookVerificationError("no valid signature")
    try:
        event: dict[str, Any] = json.loads(body)
    except ValueError:
        raise WebhookVerificationError("the body is not JSON") from None
    return event
