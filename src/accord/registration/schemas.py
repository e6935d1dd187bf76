"""Registration I/O models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator

from accord.kit.schemas import InputModel, OutputModel
from accord.kit.semver import InvalidVersionError, VersionRange

FieldPath = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=r"^[^.\s\u0000][^\s\u0000]*$",
        examples=["customer.email"],
    ),
]


class RegistrationCreate(InputModel):
    asset_id: uuid.UUID
    team_id: uuid.UUID = Field(description="The consumer team (a team key: its own team).")
    fields: Annotated[list[FieldPath], Field(max_length=500)] | None = Field(
        default=None,
        description="Dotted field or column names read; omit to be asked about every break.",
    )
    version_range: str | None = Field(
        default=None,
        max_length=200,
        description="Versions the consumer reads, e.g. `^1.2.0` or `>=1.0.0 <3.0.0`.",
    )
    note: str = Field(default="", max_length=1000)

    @field_validator("version_range")
    @classmethod
    def _range(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                VersionRange.parse(value)
            except InvalidVersionError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("fields")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else sorted(set(value))


class Registration(OutputModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    team_id: uuid.UUID
    fields: list[str] | None
    version_range: str | None
    note: str
    created_at: datetime
