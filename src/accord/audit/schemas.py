"""Audit ledger I/O models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seq: int = Field(description="Position in the workspace's chain, from 1.")
    occurred_at: datetime
    actor_type: str = Field(
        description="`api_key`, `user` (a person signed in through OIDC) or `system`."
    )
    actor_id: str | None = Field(description="The key's id, or the user's id.")
    actor_detail: dict[str, str] | None = Field(
        default=None,
        description="For a user: issuer, subject, and the name and email the provider gave.",
    )
    action: str = Field(examples=["team.created"])
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    prev_hash: str
    hash: str


class ChainProblem(BaseModel):
    position: int = Field(description="The first chain position (seq) that does not verify.")
    event_id: str | None
    reason: str = Field(description="sequence_gap, broken_link, hash_mismatch or head_mismatch.")
    detail: str


class VerifyResult(BaseModel):
    ok: bool
    checked: int = Field(description="Events verified before the first problem (or all).")
    head_seq: int
    head_hash: str
    problem: ChainProblem | None = None
