"""Team I/O models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from accord.kit.schemas import InputModel, OutputModel

TeamName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$",
        examples=["orders-producer"],
    ),
]
Description = Annotated[str, Field(max_length=2000)]


class TeamCreate(InputModel):
    name: TeamName
    description: Description = ""


class TeamUpdate(InputModel):
    name: TeamName | None = None
    description: Description | None = None


class Team(OutputModel):
    id: uuid.UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
