"""Webhook subscription, delivery and dead-letter I/O models."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, field_validator

from accord.events.catalog import is_known_pattern
from accord.kit.schemas import InputModel, Moment, OutputModel

EventPattern = Annotated[str, Field(min_length=1, max_length=64, examples=["proposal.*"])]


class Scope(StrEnum):
    concerned = "concerned"
    all = "all"


class PayloadFormat(StrEnum):
    standard = "standard"
    slack = "slack"


def _patterns(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    unknown = [p for p in value if not is_known_pattern(p)]
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)}")
    return sorted(set(value))


class WebhookCreate(InputModel):
    url: AnyHttpUrl = Field(description="http(s) endpoint; private addresses are refused.")
    team_id: uuid.UUID | None = Field(
        default=None, description="Owning team; omit (admin only) for a workspace webhook."
    )
    event_types: Annotated[list[EventPattern], Field(max_length=50)] = Field(
        default_factory=list, description="Types or `prefix.*` patterns; empty = every type."
    )
    scope: Scope = Field(
        default=Scope.concerned,
        description="`concerned`: only events about the team's assets, registrations and "
        "proposals it must answer; `all`: every event of the workspace.",
    )
    payload_format: PayloadFormat = PayloadFormat.standard
    active: bool = True
    description: Annotated[str, Field(max_length=1000)] = ""

    _types = field_validator("event_types")(_patterns)


class WebhookUpdate(InputModel):
    url: AnyHttpUrl | None = None
    event_types: Annotated[list[EventPattern], Field(max_length=50)] | None = None
    scope: Scope | None = None
    payload_format: PayloadFormat | None = None
    active: bool | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None

    _types = field_validator("event_types")(_patterns)


class Webhook(OutputModel):
    id: uuid.UUID
    team_id: uuid.UUID | None
    url: str
    event_types: list[str]
    scope: Scope
    payload_format: PayloadFormat
    active: bool
    description: str
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(Webhook):
    secret: str = Field(description="`whsec_…` signing secret. Shown once: store it now.")


class DeliveryOut(OutputModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    subscription_id: uuid.UUID
    status: str = Field(description="pending, in_flight, delivered or dead.")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error_class: str | None = Field(
        description="Why the last attempt failed: http_3xx, http_4xx, http_5xx, timeout, "
        "connection, tls, dns, unsafe_target, redirect_refused, too_many_redirects, "
        "subscription_inactive; null when it succeeded."
    )
    last_error: str | None = Field(
        description="Detail of the last failure (the start of the receiver's answer, at "
        "most 200 bytes): admins only, null for other callers."
    )
    last_latency_ms: int | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None


class AttemptOut(OutputModel):
    attempt: int
    started_at: datetime
    status_code: int | None
    outcome: str
    error_class: str | None = Field(description="As `last_error_class` of the delivery.")
    error: str | None = Field(description="Detail of the failure: admins only, else null.")
    latency_ms: int


class DeliveryDetail(DeliveryOut):
    attempt_log: list[AttemptOut]


class BulkReplay(InputModel):
    reason: Annotated[str, Field(min_length=3, max_length=1000)]
    subscription_id: uuid.UUID | None = None
    event_type: Annotated[str, Field(max_length=64)] | None = None
    since: Moment | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class ReplayResult(OutputModel):
    replayed: int
    delivery_ids: list[uuid.UUID]


PING = "webhook.ping"


class WebhookPing(OutputModel):
    """A test delivery queued for one webhook: find it in the webhook's deliveries."""

    delivery_id: uuid.UUID = Field(description="The queued delivery.")
    webhook_id: uuid.UUID
    event_type: Literal["webhook.ping"]
