from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin, JSONType


class WebSession(IdMixin, Base):
    """A signed-in browser (the web UI). The cookie holds a random token; only its hash is
    stored, with the key the person signed in with (never the key itself). ``csrf_token``
    is echoed by every state-changing form. Ended on sign-out, or when ``expires_at``
    passes; the key's own revocation or expiry ends it too (checked on every request)."""

    __tablename__ = "web_sessions"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # Exactly one of the two: the key the person signed in with, or the person (OIDC).
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    # A person's access, as the provider's claims granted it at sign-in (a key's is the
    # key's own, read on every request).
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), default=None
    )
    scopes: Mapped[list[str] | None] = mapped_column(JSONType, default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
