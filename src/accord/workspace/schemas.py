"""Workspace I/O models: the tenant and its default compatibility policy."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from accord.asset.policy import Compatibility, ContentModel
from accord.kit.schemas import InputModel, OutputModel


class Workspace(OutputModel):
    id: uuid.UUID
    name: str
    default_compatibility: Compatibility = Field(
        description="The policy an asset gets when its creator names none; a team key may "
        "not create an asset with a looser one."
    )
    default_content_model: ContentModel
    created_at: datetime


class WorkspaceUpdate(InputModel):
    """Only the fields given change (admin). Every change is audited."""

    default_compatibility: Compatibility | None = None
    default_content_model: ContentModel | None = None
