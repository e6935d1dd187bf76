"""Reading `manifest.json`: the schema version gate and the parts Accord uses.

Only the fields the import needs are modelled (everything else is ignored), so one model
serves every supported schema version; `SUPPORTED` says which, and why that range.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from accord.dbt.errors import ManifestError
from accord.kit.jsondepth import UnheldValue, nul_escape, strict_loads

# v9 (dbt 1.5) introduced model contracts: column `data_type` and `constraints`, model
# versions, groups and access. v10 (1.6) added semantic models and saved queries, v11
# (1.7) nothing we read, v12 (1.8 - 1.10) unit tests. The fields read below have the same
# shape in all four; older manifests lack constraints and versions, newer are unknown.
SUPPORTED: dict[int, str] = {9: "dbt 1.5", 10: "dbt 1.6", 11: "dbt 1.7", 12: "dbt 1.8+"}
_VERSION_RE = re.compile(r"/manifest/v(\d+)\.json$")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Constraint(_Lenient):
    type: str
    columns: list[str] | None = None
    expression: str | None = None


class ColumnDef(_Lenient):
    name: str
    data_type: str | None = None
    description: str | None = None
    constraints: list[Constraint] = Field(default_factory=list)


class DependsOn(_Lenient):
    nodes: list[str] = Field(default_factory=list)


class NodeConfig(_Lenient):
    enabled: bool = True
    materialized: str | None = None
    severity: str | None = None
    where: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)

    @field_validator("tags", mode="before")
    @classmethod
    def _one_tag(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class GenericTest(_Lenient):
    name: str
    namespace: str | None = None
    kwargs: dict[str, Any] = Field(default_factory=dict)


class Node(_Lenient):
    unique_id: str
    resource_type: str
    name: str
    package_name: str = ""
    database: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    alias: str | None = None
    description: str | None = None
    columns: dict[str, ColumnDef] = Field(default_factory=dict)
    depends_on: DependsOn = Field(default_factory=DependsOn)
    config: NodeConfig = Field(default_factory=NodeConfig)
    tags: list[str] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    constraints: list[Constraint] = Field(default_factory=list)
    version: int | float | str | None = None
    group: str | None = None
    access: str | None = None
    # Tests only.
    test_metadata: GenericTest | None = None
    column_name: str | None = None
    attached_node: str | None = None


class FreshnessRule(_Lenient):
    count: int | None = None
    period: str | None = None


class SourceFreshness(_Lenient):
    warn_after: FreshnessRule | None = None
    error_after: FreshnessRule | None = None


class Source(_Lenient):
    unique_id: str
    name: str
    source_name: str
    package_name: str = ""
    database: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    identifier: str | None = None
    description: str | None = None
    columns: dict[str, ColumnDef] = Field(default_factory=dict)
    loaded_at_field: str | None = None
    freshness: SourceFreshness | None = None
    tags: list[str] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    config: NodeConfig = Field(default_factory=NodeConfig)


class Owner(_Lenient):
    name: str | None = None
    email: str | None = None


class Exposure(_Lenient):
    unique_id: str
    name: str
    type: str | None = None
    owner: Owner = Field(default_factory=Owner)
    depends_on: DependsOn = Field(default_factory=DependsOn)
    url: str | None = None


class Group(_Lenient):
    name: str
    owner: Owner = Field(default_factory=Owner)


class Metadata(_Lenient):
    dbt_schema_version: str
    dbt_version: str | None = None
    project_name: str | None = None
    adapter_type: str | None = None


class Manifest(_Lenient):
    metadata: Metadata
    nodes: dict[str, Node] = Field(default_factory=dict)
    sources: dict[str, Source] = Field(default_factory=dict)
    exposures: dict[str, Exposure] = Field(default_factory=dict)
    groups: dict[str, Group] = Field(default_factory=dict)
    schema_version: int = 0


def schema_version(doc: Any) -> int:
    """The manifest schema version (`v12` -> 12); ManifestError unless supported."""
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    url = meta.get("dbt_schema_version") if isinstance(meta, dict) else None
    if not isinstance(url, str):
        raise ManifestError(
            "not a dbt manifest: metadata.dbt_schema_version is missing", "invalid_manifest"
        )
    match = _VERSION_RE.search(url)
    if match is None:
        raise ManifestError(
            f"not a dbt manifest: schema {url!r} is not a manifest schema", "invalid_manifest"
        )
    version = int(match.group(1))
    if version not in SUPPORTED:
        known = ", ".join(f"v{v} ({d})" for v, d in SUPPORTED.items())
        raise ManifestError(
            f"manifest schema v{version} is not supported; supported: {known}. "
            "Regenerate it with a supported dbt version (`dbt parse`).",
            "unsupported_manifest_version",
        )
    return version


def _where(exc: ValidationError) -> str:
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first["loc"])
    return f"{path}: {first['msg']}"


def load_manifest(raw: bytes | str) -> Manifest:
    """Parse and check a manifest.json document."""
    text = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    try:
        doc = strict_loads(text)
    except UnheldValue as exc:  # read by Python's parser, held by no JSON document
        raise ManifestError(f"the manifest is not valid JSON: it holds {exc}") from None
    except (ValueError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise ManifestError(f"the manifest is not valid JSON: {first}") from None
    if nul_escape(text):
        raise ManifestError(
            "the manifest holds \\u0000, the NUL character, which Accord stores nowhere "
            "(PostgreSQL's text cannot hold it)",
            code="nul_character",
        )
    version = schema_version(doc)
    try:
        manifest = Manifest.model_validate(doc)
    except ValidationError as exc:
        raise ManifestError(f"malformed manifest at {_where(exc)}") from None
    except RecursionError:
        raise ManifestError("malformed manifest: nested too deeply") from None
    manifest.schema_version = version
    return manifest
