"""Validation run I/O models. The request body is what `accord validate --json` prints."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from accord.kit.schemas import InputModel, OutputModel

# A count of rows: what a 64-bit database integer holds (no table holds more); a larger
# number is a 422 naming the field, not a 500 from the database.
RowCount = Annotated[int, Field(ge=0, le=2**63 - 1)]


class CheckStatus(StrEnum):
    passed = "pass"
    failed = "fail"
    error = "error"
    # Not run on purpose (e.g. a registry contract's custom SQL without
    # --allow-custom-sql): decides nothing, counts in no pass rate.
    skipped = "skipped"


class Severity(StrEnum):
    error = "error"
    warn = "warn"


class CheckResultIn(InputModel):
    id: Annotated[str, Field(min_length=1, max_length=300, examples=["not_null:order_id"])]
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    severity: Severity = Severity.error
    status: CheckStatus
    message: Annotated[str, Field(max_length=4000)] = ""
    columns: Annotated[list[Annotated[str, Field(max_length=255)]], Field(max_length=100)] = Field(
        default_factory=list
    )
    failed_rows: RowCount | None = None
    total_rows: RowCount | None = None
    observed: Any = None
    samples: Annotated[list[dict[str, Any]], Field(max_length=50)] | None = None

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.error and self.status in (
            CheckStatus.failed,
            CheckStatus.error,
        )


class ValidationRunCreate(InputModel):
    """A run's results. `ok`, `contract` and `summary` may be sent as printed by
    `accord validate --json`; the server recomputes them and rejects a mismatching `ok`."""

    version: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="The contract version the data was checked against."
    )
    source: Annotated[str, Field(min_length=1, max_length=1000)]
    checks: Annotated[list[CheckResultIn], Field(min_length=1, max_length=5000)]
    row_count: RowCount | None = None
    seconds: Annotated[float, Field(ge=0)] | None = None
    pipeline: Annotated[str, Field(max_length=200)] = Field(
        default="", description="Who ran it, e.g. a write-audit-publish job name."
    )
    ok: bool | None = None
    contract: Annotated[str, Field(max_length=300)] | None = None
    summary: dict[str, int] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ValidationRunCreate:
        ids = [c.id for c in self.checks]
        if len(ids) != len(set(ids)):
            raise ValueError("check ids must be unique within a run")
        if self.ok is not None and self.ok != self.passed:
            raise ValueError("`ok` contradicts the checks (an error-level check did not pass)")
        return self

    @property
    def passed(self) -> bool:
        return not any(c.blocking for c in self.checks)


class ValidationRunSummary(OutputModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    version: str | None
    status: str = Field(description="`passed` or `failed` (an error-level check did not pass).")
    source: str
    pipeline: str
    row_count: int | None
    seconds: float | None
    summary: dict[str, int]
    reported_by: str | None
    reporter_team_id: uuid.UUID | None = Field(
        description="The team whose key reported the run; null for an admin key."
    )
    consumer_reported: bool = Field(
        description="Reported by a registered consumer team rather than the owner or an "
        "admin; a failing consumer-reported run notifies the owner team only."
    )
    created_at: datetime


class ValidationRun(ValidationRunSummary):
    checks: list[dict[str, Any]]


class CheckTrend(OutputModel):
    id: str
    kind: str
    runs: int = Field(description="Runs that evaluated the check (skipped ones excluded).")
    passed: int
    failed: int
    errored: int
    skipped: int = Field(description="Runs that reported the check as not run.")
    pass_rate: float = Field(description="passed / runs, 0..1 (0 when it never ran).")
    last_status: str
    last_run_at: datetime


class Trend(OutputModel):
    asset_id: uuid.UUID
    runs: int
    since: datetime | None
    checks: list[CheckTrend]
