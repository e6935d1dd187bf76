from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.clock import utcnow
from accord.models.base import Base, IdMixin


class Workspace(IdMixin, Base):
    """The tenant. Every other row belongs to exactly one workspace."""

    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    # What an asset gets when its creator names no policy; a team key may not create an
    # asset with a looser one (admins may).
    default_compatibility: Mapped[str] = mapped_column(
        String(32), default="forward", server_default="forward"
    )
    default_content_model: Mapped[str] = mapped_column(
        String(16), default="lenient", server_default="lenient"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
