"""Contract versions: reading history, inserting versions, diffing two versions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.asset.policy import Compatibility
from accord.audit import service as audit
from accord.auth.principal import Actor
from accord.contract import references
from accord.contract.bodies import HotVersions, generation
from accord.contract.evaluate import Candidate, Earlier
from accord.contract.fields import FieldCatalog, catalog
from accord.contract.repository import ContractVersionRepository
from accord.contract.schemas import ContractVersion as VersionOut
from accord.events import service as events
from accord.exceptions import ConflictError, NotFoundError, ValidationFailedError
from accord.kit.clock import utcnow
from accord.kit.ids import uuid7
from accord.kit.semver import Version
from accord.models import Asset, ContractVersion


@dataclass(frozen=True)
class Heads:
    """The two versions every check needs, without loading the whole history."""

    latest: ContractVersion | None
    latest_stable: ContractVersion | None

    @property
    def base(self) -> ContractVersion | None:
        """What a change is checked against: the latest stable version, else the latest."""
        return self.latest_stable or self.latest


def invalid_version(message: str) -> ValidationFailedError:
    """422 `invalid_version` naming the request's `version` field, the way a validation
    problem names a field (`errors[].loc`)."""
    return ValidationFailedError(
        f"version: {message}",
        code="invalid_version",
        extra={"errors": [{"loc": ["body", "version"], "msg": message, "type": "invalid_version"}]},
    )


def semver(version: ContractVersion) -> Version:
    return Version(version.major, version.minor, version.patch, version.prerelease)


def earlier(version: ContractVersion) -> Earlier:
    return Earlier(
        version.version,
        version.format,
        version.schema_,
        version.guarantees,
        version.content_hash,
    )


async def earlier_resolved(session: AsyncSession, version: ContractVersion) -> Earlier:
    """``earlier``, with the schemas its references reach (a query per referenced version)."""
    found = earlier(version)
    if not version.references:
        return found
    return replace(found, refs=await references.schemas(session, version.references))


def snapshot(version: ContractVersion) -> dict[str, Any]:
    # the ledger keeps the hash, not the whole document (not even spelled, then dropped)
    return VersionOut.model_validate(version).model_dump(
        mode="json", by_alias=True, exclude={"schema_"}
    )


async def heads(session: AsyncSession, asset_id: uuid.UUID) -> Heads:
    repo = ContractVersionRepository(session)
    latest = await repo.latest(asset_id, stable=False)
    if latest is None or latest.prerelease is None:
        return Heads(latest, latest)
    return Heads(latest, await repo.latest(asset_id, stable=True))


async def all_versions(session: AsyncSession, asset_id: uuid.UUID) -> Sequence[ContractVersion]:
    """Every version in publish order."""
    return await ContractVersionRepository(session).all_for_asset(asset_id)


async def history(session: AsyncSession, asset_id: uuid.UUID) -> list[Earlier]:
    """Every version in publish order, as a transitive check sends them to the engine: the
    schema as its stored JSON text (``Earlier.text``), decoded only by an engine process
    that has not parsed that version yet; with what its references reach."""
    out: list[Earlier] = []
    for number, fmt, digest, text, refs in await ContractVersionRepository(session).history_texts(
        asset_id
    ):
        reached = await references.schemas(session, refs) if refs else None
        out.append(Earlier(number, fmt, {}, {}, digest, reached, text))
    return out


async def page(
    session: AsyncSession, asset_id: uuid.UUID, *, after_seq: int | None, limit: int
) -> Sequence[ContractVersion]:
    return await ContractVersionRepository(session).page(asset_id, after_seq=after_seq, limit=limit)


async def summaries(
    session: AsyncSession, asset_id: uuid.UUID, *, after_seq: int | None, limit: int
) -> Sequence[ContractVersion]:
    """Versions in order without their documents (read only number, seq, who, when)."""
    return await ContractVersionRepository(session).summaries(
        asset_id, after_seq=after_seq, limit=limit
    )


async def get_version(session: AsyncSession, asset_id: uuid.UUID, version: str) -> ContractVersion:
    found = await ContractVersionRepository(session).by_version(asset_id, version)
    if found is None:
        raise NotFoundError(f"version {version} not found", code="version_not_found")
    return found


async def get_version_of_asset(
    session: AsyncSession, workspace_id: uuid.UUID, asset_id: uuid.UUID, version: str
) -> ContractVersion:
    found = await ContractVersionRepository(session).of_live_asset(workspace_id, asset_id, version)
    if found is None:
        raise NotFoundError(
            f"version {version} of asset {asset_id} not found", code="version_not_found"
        )
    return found


_VERSION_OUT = TypeAdapter(VersionOut)


async def version_body(
    session: AsyncSession,
    hot: HotVersions,
    workspace_id: uuid.UUID,
    asset_id: uuid.UUID,
    version: str,
) -> bytes:
    """`get_version_of_asset` as the JSON the API answers with, read from the database
    and kept in ``hot`` (contract/bodies.py; `HotVersions.body` answers the next ones)."""
    seen = generation()
    repo = ContractVersionRepository(session)
    version_id = await repo.live_version_id(workspace_id, asset_id, version)
    if version_id is None:
        raise NotFoundError(
            f"version {version} of asset {asset_id} not found", code="version_not_found"
        )
    body = hot.bodies.get(version_id)
    if body is None:
        found = await repo.get(version_id)
        if found is None:  # read in the same transaction as its id: cannot happen
            raise NotFoundError(f"version {version} of asset {asset_id} not found")
        body = _VERSION_OUT.dump_json(VersionOut.model_validate(found), by_alias=True)
        hot.bodies.put(version_id, body)
    hot.visible.put((workspace_id, asset_id, version), version_id, seen_generation=seen)
    return body


async def get_by_id(session: AsyncSession, version_id: uuid.UUID) -> ContractVersion | None:
    return await ContractVersionRepository(session).get(version_id)


async def insert_version(
    session: AsyncSession,
    *,
    actor: Actor,
    asset: Asset,
    number: Version,
    candidate: Candidate,
    digest: str,
    latest: ContractVersion | None,
    proposal_id: uuid.UUID | None = None,
) -> ContractVersion:
    """Insert the next version. `latest` is the asset's newest version as read under the
    asset's row lock (the caller holds it), so publish order = seq order = semver order."""
    repo = ContractVersionRepository(session)
    if latest is not None and not number > semver(latest):
        raise ConflictError(
            f"version {number} is not greater than the latest version {latest.version}",
            code="version_not_increasing",
        )
    version = await repo.insert(
        ContractVersion(
            id=uuid7(),
            created_at=utcnow(),
            workspace_id=asset.workspace_id,
            asset_id=asset.id,
            seq=latest.seq + 1 if latest is not None else 1,
            version=str(number),
            major=number.major,
            minor=number.minor,
            patch=number.patch,
            prerelease=number.prerelease,
            format=candidate.format,
            schema_=candidate.schema,
            guarantees=candidate.guarantees.to_json(),
            references=candidate.references or None,
            content_hash=digest,
            proposal_id=proposal_id,
            published_by=actor.id,
        )
    )
    shown = snapshot(version)  # the ledger's and the event's, built once
    await audit.record(
        session,
        workspace_id=asset.workspace_id,
        actor=actor,
        action="version.published",
        entity_type="contract_version",
        entity_id=version.id,
        after={**shown, "asset_fqn": asset.fqn},
    )
    await events.emit(
        session,
        workspace_id=asset.workspace_id,
        type="version.published",
        subject_type="contract_version",
        subject_id=version.id,
        data={"asset": asset_service.reference(asset), "version": dict(shown)},
        teams=await asset_service.concerned_teams(session, asset),
    )
    return version


async def diff_inputs(
    session: AsyncSession, asset: Asset, old: ContractVersion, new: ContractVersion
) -> tuple[tuple[Compatibility, str, Earlier, Earlier], dict[str, Any]]:
    """What `evaluate.compare` needs, as plain data (it runs in the engine's processes):
    its arguments and its keyword arguments."""
    args = (
        Compatibility(asset.compatibility),
        asset.content_model,
        await earlier_resolved(session, old),
        await earlier_resolved(session, new),
    )
    return args, {"dialect": asset.dialect, "annotations": asset.annotations}


async def field_catalog(session: AsyncSession, asset_id: uuid.UUID) -> FieldCatalog | None:
    """The names the asset's latest version declares (None before its first version)."""
    latest = (await heads(session, asset_id)).latest
    return catalog(latest.format, latest.schema_) if latest is not None else None


def require_known_fields(found: FieldCatalog | None, names: Iterable[str], what: str) -> None:
    """422 `unknown_fields` listing every name the schema does not declare, with hints."""
    unknown = found.unknown(names) if found is not None else []
    if unknown:
        assert found is not None
        text, details = found.describe_unknown(unknown)
        raise ValidationFailedError(
            f"{what} name fields the schema does not declare: {text}",
            code="unknown_fields",
            extra={"unknown_fields": details},
        )


async def version_numbers(
    session: AsyncSession, version_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """{id: version number} for many versions in one query (ids that do not exist are
    left out): what a page of proposals shows of the versions it names."""
    return await ContractVersionRepository(session).version_numbers(list(version_ids))
