"""The receiver-side verifier: authentic, fresh deliveries only (issue 6, acceptance 4)."""

from __future__ import annotations

import base64
import json
import time

import pytest

from accord.sdk.webhooks import WebhookVerificationError, sign_webhook, verify_webhook
from accord.webhook import signing

SECRET_BYTES = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
BODY = json.dumps({"id": "evt_1", "type": "proposal.opened", "data": {}}).encode()


def _headers(body: bytes = BODY, stamp: int | None = None, msg_id: str = "evt_1") -> dict[str, str]:
    ts = int(time.time()) if stamp is None else stamp
    # Signed the way the worker signs, so the two implementations are held together.
    return signing.headers(SECRET_BYTES, msg_id, ts, body)


def test_authentic_delivery_is_accepted() -> None:
    event = verify_webhook(BODY, _headers(), SECRET)
    assert event["type"] == "proposal.opened"
    assert sign_webhook(SECRET, "evt_1", 5, BODY) == signing.sign(SECRET_BYTES, "evt_1", 5, BODY)


def test_tampered_body_is_rejected() -> None:
    headers = _headers()
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify_webhook(BODY.replace(b"opened", b"closed"), headers, SECRET)


def test_tampered_timestamp_is_rejected() -> None:
    headers = _headers()
    headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) + 1)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify_webhook(BODY, headers, SECRET)


def test_stale_timestamp_is_rejected_even_with_a_valid_signature() -> None:
    old = int(time.time()) - 3600
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_webhook(BODY, _headers(stamp=old), SECRET)
    future = int(time.time()) + 3600
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_webhook(BODY, _headers(stamp=future), SECRET)
    assert verify_webhook(BODY, _headers(stamp=old), SECRET, tolerance=7200)["id"] == "evt_1"


def test_wrong_secret_and_replayed_id_are_rejected() -> None:
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, _headers(), other)
    headers = _headers()
    headers["webhook-id"] = "evt_2"
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, headers, SECRET)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers(missing: str) -> None:
    headers = {k: v for k, v in _headers().items() if k != missing}
    with pytest.raises(WebhookVerificationError, match=missing):
        verify_webhook(BODY, headers, SECRET)


def test_malformed_inputs() -> None:
    headers = _headers()
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, {**headers, "webhook-timestamp": "soon"}, SECRET)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, headers, "whsec_not base64!")
    not_json = b"not json"
    with pytest.raises(WebhookVerificationError, match="JSON"):
        verify_webhook(not_json, _headers(not_json), SECRET)
    # Several signatures (during secret rotation): one valid one is enough.
    multi = {**headers, "webhook-signature": "v1,AAAA " + headers["webhook-signature"]}
    assert verify_webhook(BODY, multi, SECRET)["id"] == "evt_1"
