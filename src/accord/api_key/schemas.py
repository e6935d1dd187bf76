"""API key I/O models. The plaintext key appears only in `ApiKeyCreated`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from accord.auth.principal import Scope
from accord.kit.schemas import InputModel, Moment, OutputModel


class ApiKeyCreate(InputModel):
    name: Annotated[str, Field(min_length=1, max_length=100, examples=["producer-ci"])]
    team_id: uuid.UUID | None = Field(
        default=None,
        description="The team the key acts for; omit for a workspace-admin key.",
    )
    scopes: list[Scope] = Field(
        min_length=1, max_length=3, examples=[["read", "write"]], description="read, write, admin."
    )
    expires_at: Moment | None = Field(
        default=None,
        description="Optional expiry, with a timezone (2027-01-01T00:00:00Z). A team key "
        "cannot issue a key that outlives it: omitted, it defaults to the creating key's "
        "expiry; later than that is refused.",
    )


class ApiKey(OutputModel):
    id: uuid.UUID
    name: str
    team_id: uuid.UUID | None
    parent_id: uuid.UUID | None = Field(
        description="The team key that issued this one; it dies with it (revoked or "
        "expired). null for keys an admin key or the system issued."
    )
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The secret. Shown once, never again: store it now.")
