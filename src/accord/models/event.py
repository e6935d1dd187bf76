from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin, JSONType
from accord.telemetry.trace_context import current_traceparent


class Event(IdMixin, Base):
    """The transactional outbox: written in the same transaction as the change it reports."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_workspace_created", "workspace_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT")
    )
    type: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    team_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    # The W3C trace context current when it was written (the request's server span): its
    # deliveries continue that trace in whichever worker sends them. A default rather
    # than an argument, so every writer of events (emit, ping, ...) stamps it.
    traceparent: Mapped[str | None] = mapped_column(String(55), default=current_traceparent)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
