"""Webhooks and their deliveries (dead letters included). Tolerant like the other
models: statuses, scopes and formats are plain ``str``.

Verifying the deliveries a receiver gets is ``accord.sdk.webhooks``, not this module.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from accord.sdk._models import _Model

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "DeliveryDetail",
    "DeliveryStatus",
    "PayloadFormat",
    "ReplayResult",
    "Webhook",
    "WebhookPing",
    "WebhookScope",
    "WebhookWithSecret",
]

WebhookScope = Literal["concerned", "all"]
PayloadFormat = Literal["standard", "slack"]
DeliveryStatus = Literal["pending", "in_flight", "delivered", "dead"]


class Webhook(_Model):
    """A subscription of a URL to events (never its secret). ``team_id`` ``None``: the
    workspace's; ``scope`` ``concerned`` (the events about the team) or ``all``."""

    id: uuid.UUID
    team_id: uuid.UUID | None = None
    url: str
    event_types: list[str] = Field(default_factory=list)
    scope: str
    payload_format: str
    description: str = ""
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(Webhook):
    """A webhook with its signing ``secret`` (``whsec_...``): shown once, store it now."""

    secret: str


class WebhookPing(_Model):
    """A queued ``webhook.ping`` delivery: find it in ``list_webhook_deliveries``."""

    delivery_id: uuid.UUID
    webhook_id: uuid.UUID
    event_type: str


class Delivery(_Model):
    """One event's delivery to one webhook; ``dead`` ones are the dead letters."""

    id: uuid.UUID
    subscription_id: uuid.UUID  # the webhook
    event_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error_class: str | None = None
    last_error: str | None = None  # admins only (it may quote the receiver's answer)
    last_latency_ms: int | None = None
    delivered_at: datetime | None = None
    dead_at: datetime | None = None
    created_at: datetime


class DeliveryAttempt(_Model):
    """One try of a delivery: ``error`` is for admins only."""

    attempt: int
    started_at: datetime
    status_code: int | None = None
    outcome: str
    error_class: str | None = None
    error: str | None = None
    latency_ms: int


class DeliveryDetail(Delivery):
    """A delivery with every attempt."""

    attempt_log: list[DeliveryAttempt] = Field(default_factory=list)


class ReplayResult(_Model):
    """The dead letters a bulk replay queued again (with ``dry_run``: would queue)."""

    replayed: int
    delivery_ids: list[uuid.UUID] = Field(default_factory=list)
    dry_run: bool = False  # set by the SDK: nothing was queued
