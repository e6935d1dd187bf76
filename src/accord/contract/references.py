"""Schema references: a JSON Schema version's remote ``$ref``s resolve through registered
versions of other assets, named by FQN, environment and version (like schema references in
Confluent's and Apicurio's registries). Accord never fetches a schema.

A publish names its references; each is looked up in the caller's workspace and stored
with the version (and the proposal) in resolved form, by version id, so what a version
means never changes afterwards. The engine gets every schema they reach, transitively (a
referenced version's own references included), by the name the ``$ref``s use; so a change
in a referenced schema is judged where it is used, against each earlier version's own
resolution.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.auth.principal import Principal
from accord.contract.repository import ContractVersionRepository
from accord.contract.schemas import SchemaReference
from accord.exceptions import NotFoundError, ValidationFailedError

MAX_SCHEMAS = 100
"""Most schemas one version's references may reach, transitively."""


def _invalid(message: str) -> ValidationFailedError:
    return ValidationFailedError(message, code="invalid_reference")


async def resolve(
    session: AsyncSession, principal: Principal, given: Sequence[SchemaReference]
) -> list[dict[str, Any]]:
    """The stored form of the references a publish names (422 for one that names no live
    asset's JSON Schema version in the caller's workspace, or a name given twice)."""
    out: list[dict[str, Any]] = []
    repo = ContractVersionRepository(session)
    for ref in given:
        if any(r["name"] == ref.name for r in out):
            raise _invalid(f"reference {ref.name!r} is given twice")
        where = f"{ref.asset}@{ref.version} ({ref.environment})"
        try:
            asset = await asset_service.find(session, principal, ref.asset, ref.environment)
        except NotFoundError:
            raise _invalid(
                f"reference {ref.name!r}: no asset {ref.asset} in {ref.environment}"
            ) from None
        version = await repo.by_version(asset.id, ref.version)
        if version is None:
            raise _invalid(f"reference {ref.name!r}: {where} has no such version")
        if version.format != "jsonschema":
            raise _invalid(f"reference {ref.name!r}: {where} is a {version.format} schema")
        out.append(
            {
                "name": ref.name,
                "fqn": asset.fqn,
                "environment": asset.environment,
                "version": version.version,
                "asset_id": str(asset.id),
                "version_id": str(version.id),
            }
        )
    return out


async def schemas(
    session: AsyncSession, references: Sequence[dict[str, Any]] | None
) -> dict[str, Any]:
    """Every schema ``references`` reach, theirs included, by the name ``$ref``s use (422
    when one name would mean two schemas, or past ``MAX_SCHEMAS``)."""
    found: dict[str, Any] = {}
    by_name: dict[str, str] = {}
    queue = deque(references or ())
    repo = ContractVersionRepository(session)
    while queue:
        ref = queue.popleft()
        name, version_id = ref["name"], ref["version_id"]
        if name in by_name:
            if by_name[name] != version_id:
                raise _invalid(
                    f"reference {name!r} would name two schemas: {ref['fqn']}@{ref['version']} "
                    "and another version its references reach; use one version"
                )
            continue
        if len(by_name) >= MAX_SCHEMAS:
            raise _invalid(f"the references reach more than {MAX_SCHEMAS} schemas")
        version = await repo.get(uuid.UUID(version_id))
        if version is None:  # versions are never deleted; kept total anyway
            raise _invalid(f"reference {name!r}: version {version_id} is gone")
        by_name[name] = version_id
        found[name] = version.schema_
        queue.extend(version.references or ())
    return found
