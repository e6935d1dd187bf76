from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin, JSONType


class ApiKey(IdMixin, Base):
    """A bearer credential. Only its keyed hash is stored; the plaintext is shown once.

    ``parent_id``: the key that minted this one (None for keys an admin or the system
    issued); revoking a parent revokes its children, and a child never outlives it.

    ``pepper_id``: which pepper ``key_hash`` was made under (`kit.crypto.pepper_id`), so
    an operator can tell when an old pepper has nothing left depending on it; NULL only
    for keys of a release before it existed (start-up stamps them: ADR 0035)."""

    __tablename__ = "api_keys"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="RESTRICT"), index=True
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), index=True, default=None
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="RESTRICT"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pepper_id: Mapped[str | None] = mapped_column(String(16), default=None)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
