from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin, JSONType, TimestampMixin


class WebhookSubscription(IdMixin, TimestampMixin, Base):
    """Where a team (or, for admins, the workspace) wants events delivered.

    The signing secret is never stored: it is derived from the server pepper and
    `secret_nonce`, so a database dump alone cannot forge deliveries. Rotating the
    secret replaces the nonce. ``secret_pepper`` names the pepper the secret was derived
    under (`kit.crypto.pepper_id`), so the secret survives a pepper rotation (ADR 0035).
    """

    __tablename__ = "webhook_subscriptions"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), index=True, default=None
    )
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    scope: Mapped[str] = mapped_column(String(16), default="concerned")
    payload_format: Mapped[str] = mapped_column(String(16), default="standard")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    secret_nonce: Mapped[str] = mapped_column(String(64))
    secret_pepper: Mapped[str | None] = mapped_column(String(16), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class Delivery(IdMixin, Base):
    """One event for one subscription: the job the worker claims, retries, or gives up on."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_subscription", "subscription_id", "created_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="RESTRICT"), index=True
    )
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="RESTRICT")
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(36), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # A stable class (http_4xx, timeout, unsafe_target, ...) anyone managing the
    # subscription may read; `last_error` holds the detail, shown to admins only.
    last_error_class: Mapped[str | None] = mapped_column(String(32), default=None)
    last_latency_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    dead_at: Mapped[datetime | None] = mapped_column(default=None)


class DeliveryAttempt(IdMixin, Base):
    """The log of every HTTP attempt, for operators."""

    __tablename__ = "delivery_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("deliveries.id", ondelete="RESTRICT"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text, default=None)
    error_class: Mapped[str | None] = mapped_column(String(32), default=None)
    latency_ms: Mapped[int] = mapped_column(Integer)


class ScheduledTask(Base):
    """Periodic work (proposal expiry, ...) claimed with a lease like deliveries."""

    __tablename__ = "scheduled_tasks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(36), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
