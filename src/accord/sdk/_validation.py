"""Validation runs: a check of real data against a contract version, and the pass rate
of each check over time. Tolerant like the other models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from accord.sdk._models import _Model

__all__ = ["CheckTrend", "RunStatus", "ValidationRun", "ValidationRunSummary", "ValidationTrend"]

RunStatus = Literal["passed", "failed"]


class ValidationRunSummary(_Model):
    """A recorded run without its check results (the items of ``list_validation_runs``)."""

    id: uuid.UUID
    asset_id: uuid.UUID
    version: str | None = None
    status: str
    source: str
    pipeline: str = ""
    row_count: int | None = None
    seconds: float | None = None
    summary: dict[str, int] = Field(default_factory=dict)
    reported_by: str | None = None
    reporter_team_id: uuid.UUID | None = None
    consumer_reported: bool = False  # reported by a registered consumer, not the owner
    created_at: datetime


class ValidationRun(ValidationRunSummary):
    """A recorded check of real data against a contract version, with every result."""

    checks: list[dict[str, Any]] = Field(default_factory=list)


class CheckTrend(_Model):
    """One check's record over the runs: ``pass_rate`` is ``passed / runs`` (0..1)."""

    id: str
    kind: str
    runs: int
    passed: int
    failed: int
    errored: int
    skipped: int
    pass_rate: float
    last_status: str
    last_run_at: datetime


class ValidationTrend(_Model):
    """The pass rate of each check over an asset's most recent runs (since ``since``)."""

    asset_id: uuid.UUID
    runs: int
    since: datetime | None = None
    checks: list[CheckTrend] = Field(default_factory=list)
