"""Contract version I/O models."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from accord.asset.schemas import EnvironmentName, Fqn
from accord.kit.schemas import InputModel, OutputModel
from accord.lineage.schemas import DownstreamImpact
from accord.proposal.schemas import Proposal
from accord.registration.schemas import Registration
from accord.spec import Guarantees, GuaranteesError, parse_guarantees
from accord.spec.formats import detect_format
from accord.spec.schema import GUARANTEES


def _guarantees(value: Any) -> Guarantees:
    if isinstance(value, Guarantees):
        return value
    try:
        return parse_guarantees(value)
    except GuaranteesError as exc:  # one error of the field, naming each failing path
        raise PydanticCustomError("invalid_guarantees", "{detail}", {"detail": str(exc)}) from None


# Guarantees are validated by accord.spec's own parser (the one the CLI uses) and written
# in their stored form, defaults left out.
GuaranteesField = Annotated[
    Guarantees,
    PlainValidator(_guarantees),
    PlainSerializer(Guarantees.to_json),
    WithJsonSchema(GUARANTEES),
]


class SchemaFormat(StrEnum):
    jsonschema = "jsonschema"
    table = "table"


class SchemaReference(InputModel):
    """A registered JSON Schema this version's remote `$ref`s name (like schema references
    in other registries): resolved by asset and version, never fetched."""

    name: str = Field(
        min_length=1,
        max_length=2048,
        description="The URI the schema's `$ref`s use for it, without a fragment "
        '(`https://schemas.example.com/address.json`; `$ref: "…/address.json#/$defs/x"` '
        "points inside it).",
    )
    asset: Fqn = Field(description="The referenced asset's fully qualified name.")
    environment: EnvironmentName = "prod"
    version: str = Field(max_length=64, description="Its exact version, e.g. `1.2.0`.")


def _stored_references(value: Any) -> Any:
    return value or []


StoredReferences = Annotated[
    list[dict[str, Any]],
    BeforeValidator(_stored_references),
    Field(
        description="What the schema's remote `$ref`s resolve through: for each, the `name` "
        "it is known by, and the `fqn`, `environment`, `version`, `asset_id` and "
        "`version_id` it was resolved to when published."
    ),
]


class VersionCreate(InputModel):
    schema_: dict[str, Any] = Field(
        alias="schema", description="A JSON Schema or a table schema document."
    )
    # Optional in the request, never None once validated: `_detect_format` fills it in
    # from the schema before field validation (a non-object schema fails on its own).
    format: SchemaFormat = Field(  # type: ignore[assignment]
        default=None,
        description="`jsonschema` or `table`. Omit it to let Accord detect it from the "
        "document, as the CLI and the SDK do: a top-level `columns` list is a `table` "
        "schema, anything else `jsonschema`.",
    )
    version: str | None = Field(
        default=None,
        max_length=64,
        description="Semantic version. Omit to let Accord assign the next one.",
        examples=["1.4.0"],
    )
    guarantees: GuaranteesField = Field(
        default_factory=Guarantees,
        description="What the producer promises about the data beyond the schema. Omit the "
        "key to keep the previous version's guarantees unchanged (carried forward); send "
        "`{}` to remove them all.",
    )
    references: list[SchemaReference] = Field(
        default_factory=list,
        max_length=50,
        description="Registered schemas (JSON Schema versions of other assets) the schema's "
        "remote `$ref`s name; a `$ref` to anything else is refused. Changes in a referenced "
        "schema are judged where it is used.",
    )
    replace_open_proposal: bool = Field(
        default=False,
        description="A breaking change while a proposal is open replaces (supersedes) it "
        "only when this is true; otherwise 409.",
    )

    @model_validator(mode="before")
    @classmethod
    def _detect_format(cls, data: Any) -> Any:
        """No `format`: the one rule everywhere (`accord.spec.formats.detect_format`)."""
        if (
            isinstance(data, dict)
            and data.get("format") is None
            and isinstance(data.get("schema"), dict)
        ):
            return {**data, "format": detect_format(data["schema"])}
        return data


class ContractVersion(OutputModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    version: str
    format: SchemaFormat
    schema_: dict[str, Any] = Field(serialization_alias="schema")
    guarantees: dict[str, Any]
    references: StoredReferences = Field(default_factory=list)
    content_hash: str
    proposal_id: uuid.UUID | None
    published_by: str | None
    created_at: datetime


class ContractVersionSummary(OutputModel):
    id: uuid.UUID
    version: str
    format: SchemaFormat
    content_hash: str
    proposal_id: uuid.UUID | None
    created_at: datetime


class ChangeOut(OutputModel):
    path: str
    kind: str
    direction: str
    message: str
    breaking: bool = False


class Diff(OutputModel):
    from_version: str
    to_version: str
    compatibility: str
    compatible: bool
    verdicts: dict[str, Any]
    changes: list[ChangeOut]
    witnesses: list[dict[str, Any]]
    guarantee_changes: list[ChangeOut]


class PublishedOutcome(OutputModel):
    outcome: Literal["published", "unchanged"]
    version: ContractVersion
    proposal: Proposal | None = Field(
        default=None,
        description="Set when a breaking change was approved at once (`auto_approved`): "
        "the proposal that records it, already `published`.",
    )
    auto_approved: bool = Field(
        default=False,
        description="True when the change is breaking but no registered consumer is "
        "affected, so its proposal was approved and published at once.",
    )
    auto_approval_reason: str | None = Field(
        default=None,
        description="Why it was approved at once: `no registered consumers`, or `no "
        "registered consumer reads what the change breaks`.",
    )


class ProposalOutcome(OutputModel):
    outcome: Literal["proposal"]
    proposal: Proposal


class Impact(OutputModel):
    """What publishing the candidate would do, computed without writing anything."""

    outcome: Literal["published", "unchanged", "proposal"] = Field(
        description="`proposal` means the change is breaking and would wait for consumers; "
        "a breaking change no registered consumer is affected by is `published` (approved "
        "at once, `auto_approved`)."
    )
    auto_approved: bool = Field(
        default=False,
        description="The change is breaking, but nobody is affected: its proposal would be "
        "approved and published at once.",
    )
    auto_approval_reason: str | None = Field(
        default=None, description="Why it would be approved at once (else null)."
    )
    version: str | None = Field(description="The version it would get (or already has).")
    base_version: str | None = Field(description="The version the change is checked against.")
    breaking: bool = Field(description="The change breaks the asset's policy.")
    breaking_changes: list[dict[str, Any]]
    evaluation: dict[str, Any] | None = Field(
        description="The engine's verdicts, all changes and witnesses."
    )
    affected_registrations: list[Registration] = Field(
        description="Consumers a proposal would wait on."
    )
    unaffected_registrations: list[Registration]
    downstream: DownstreamImpact = Field(
        description="Assets downstream of this one (to `depth`), which may break too."
    )
