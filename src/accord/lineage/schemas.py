"""Lineage I/O models: edges, closures and the downstream part of an impact."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from accord.kit.schemas import InputModel, OutputModel

DEFAULT_DEPTH = 5
MAX_DEPTH = 50

EdgeKind = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=r"^[a-z][a-z0-9_]*$",
        examples=["transforms", "reads"],
        description="How the downstream asset uses the upstream one, e.g. `transforms`, `reads`.",
    ),
]


class Direction(StrEnum):
    upstream = "upstream"
    downstream = "downstream"


class EdgeCreate(InputModel):
    """`downstream_asset_id` reads (is derived from) `upstream_asset_id`."""

    upstream_asset_id: uuid.UUID
    downstream_asset_id: uuid.UUID
    kind: EdgeKind = "reads"


class Edge(OutputModel):
    id: uuid.UUID
    upstream_asset_id: uuid.UUID
    downstream_asset_id: uuid.UUID
    kind: str
    source: str = Field(description="`api` (declared) or `dbt` (kept in sync by dbt imports).")
    created_by: str | None
    created_at: datetime


class TeamRef(OutputModel):
    id: uuid.UUID
    name: str


class RegistrationRef(OutputModel):
    id: uuid.UUID
    team: TeamRef
    fields: list[str] | None = Field(description="Fields read; null means every field.")


class ReachedAsset(OutputModel):
    """One asset of a lineage closure, reported once at its shortest distance."""

    asset_id: uuid.UUID
    fqn: str
    environment: str
    kind: str
    distance: int = Field(description="Fewest edges between this asset and the start.")
    owner_team: TeamRef
    registrations: list[RegistrationRef] = Field(description="Live consumer registrations.")


class LineagePage(OutputModel):
    asset_id: uuid.UUID
    direction: Direction
    depth: int
    total: int = Field(description="Every asset reachable within `depth` (all pages).")
    items: list[ReachedAsset] = Field(description="Ordered by distance, then asset id.")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


class DownstreamImpact(OutputModel):
    """Every asset downstream of the changed one (transitively), with its owner and
    consumers: they may break too, even though they do not read the asset directly."""

    depth: int = Field(description="How many edges down the walk went.")
    total: int = Field(description="Downstream assets found within `depth`.")
    truncated: bool = Field(description="More than `assets` lists; page the lineage endpoint.")
    assets: list[ReachedAsset]
    notify_team_ids: list[uuid.UUID] = Field(
        description="Owners of the downstream assets and the teams registered on them."
    )
