"""Asset I/O models."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator

from accord.asset.policy import Annotations, Compatibility, ContentModel
from accord.compat.model import SchemaDialect
from accord.kit.schemas import InputModel, OutputModel

FQN_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)*$"
MAX_METADATA_BYTES = 16 * 1024

Fqn = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=FQN_PATTERN,
        examples=["warehouse.sales.orders"],
        description="Dot-separated segments of letters, digits, '_' and '-'.",
    ),
]
EnvironmentName = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$", examples=["prod"])
]
Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_:.-]*$")]
Tags = Annotated[list[Tag], Field(max_length=50)]
Description = Annotated[str, Field(max_length=10_000)]


class AssetKind(StrEnum):
    table = "table"
    view = "view"
    model = "model"
    topic = "topic"
    file = "file"
    api = "api"


def _check_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None and len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must serialise to at most {MAX_METADATA_BYTES} bytes")
    return value


def _dedupe(value: list[str] | None) -> list[str] | None:
    return None if value is None else sorted(set(value))


_DIALECT = (
    "JSON Schema draft of this asset's schemas that have no `$schema` (`draft-04`, "
    "`draft-06`, `draft-07`, `2019-09`, `2020-12`); default: inferred from the keyword forms "
    "used (array `items`, `dependencies`, `definitions` mean draft-07)."
)
_ANNOTATIONS = (
    "How `format`, `contentEncoding` and `contentMediaType` changes count: `assert` "
    "(default) makes them part of the contract, breaking in the direction where values may "
    "stop conforming, with a witness a format-asserting validator confirms; `annotate` "
    "reports them and never breaks on them."
)


class AssetCreate(InputModel):
    fqn: Fqn
    environment: EnvironmentName = "prod"
    kind: AssetKind = AssetKind.table
    owner_team_id: uuid.UUID
    compatibility: Compatibility | None = Field(
        default=None,
        description="Policy every publish is checked against; default: the workspace's "
        "(`forward` unless an admin changed it: consumers written against the previous "
        "contract keep working on new data). A looser one than the workspace's needs admin.",
    )
    content_model: ContentModel | None = Field(
        default=None,
        description="Default: the workspace's (`lenient` unless changed). `lenient` where the "
        "workspace default is `strict` needs admin.",
    )
    dialect: SchemaDialect | None = Field(default=None, description=_DIALECT)
    annotations: Annotations = Field(default=Annotations.assert_, description=_ANNOTATIONS)
    description: Description = ""
    tags: Tags = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict, description="At most 16 KiB.")

    _metadata = field_validator("metadata")(_check_metadata)
    _tags = field_validator("tags")(_dedupe)


class AssetUpdate(InputModel):
    """Only the fields given change. Loosening `compatibility` or `content_model` needs admin."""

    kind: AssetKind | None = None
    owner_team_id: uuid.UUID | None = None
    compatibility: Compatibility | None = None
    content_model: ContentModel | None = None
    dialect: SchemaDialect | None = Field(default=None, description=f"{_DIALECT} `null` clears it.")
    annotations: Annotations | None = Field(
        default=None, description=f"{_ANNOTATIONS} `annotate` needs admin."
    )
    description: Description | None = None
    tags: Tags | None = None
    metadata: dict[str, Any] | None = None

    _metadata = field_validator("metadata")(_check_metadata)
    _tags = field_validator("tags")(_dedupe)


class Asset(OutputModel):
    id: uuid.UUID
    fqn: str
    environment: str
    kind: AssetKind
    owner_team_id: uuid.UUID
    compatibility: Compatibility
    content_model: ContentModel
    dialect: SchemaDialect | None
    annotations: Annotations
    description: str
    tags: list[str]
    metadata: dict[str, Any] = Field(validation_alias="metadata_")
    created_at: datetime
    updated_at: datetime
