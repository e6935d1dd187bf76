"""Importing a dbt manifest through the normal services and flows, chunk by chunk.

Order matters: assets first, then lineage and consumers, then versions, so a proposal
opened by a breaking change already sees the current graph and registrations
(`chunks.plan`). The caller changes only what it may: assets of other teams are linked
but not republished, exposures of teams it cannot act for are reported, not registered.

An `Importer` applies one chunk in the caller's transaction and records what it did in
`Progress` (kept in the job row between chunks). Each step is idempotent: an existing
asset is refreshed, not created again; edges are synced, not added; an identical
contract publishes nothing. A dry run applies every chunk in one savepoint and rolls
back, so the plan is exactly what the import would do.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.asset.schemas import AssetCreate, AssetKind, AssetUpdate
from accord.audit import service as audit
from accord.auth.principal import Principal
from accord.contract import flows
from accord.contract.evaluate import content_hash
from accord.contract.schemas import VersionCreate
from accord.dbt import DbtAsset, ManifestError, Project, parse_manifest
from accord.exceptions import (
    AccordError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailedError,
)
from accord.imports import chunks
from accord.imports.owners import Teams
from accord.imports.schemas import (
    AssetStep,
    EdgeStep,
    ImportResult,
    ImportSummary,
    ManifestInfo,
    RegistrationStep,
    VersionStep,
)
from accord.kit.offload import EngineRunner
from accord.lineage import service as lineage_service
from accord.models import Asset, LineageEdge
from accord.proposal import service as proposal_service
from accord.registration import service as registration_service
from accord.registration.schemas import RegistrationCreate

EDGE_KIND = "transforms"
EDGE_SOURCE = "dbt"
_PAGE = 500

Item = tuple[str, DbtAsset]  # (unique id, asset)


@dataclass(frozen=True)
class ImportOptions:
    environment: str
    owner_team: str | None
    dry_run: bool
    proposal_ttl: timedelta
    engine: EngineRunner  # the compatibility engine's pool, with the caller's slot


class Progress(BaseModel):
    """What the committed chunks did (the job row keeps it between chunks)."""

    steps: dict[str, AssetStep] = Field(default_factory=dict)  # by unique id
    edges: list[EdgeStep] = Field(default_factory=list)
    registrations: list[RegistrationStep] = Field(default_factory=list)
    summary: ImportSummary = Field(default_factory=ImportSummary)


class AssetFailed(Exception):
    """Applying one asset failed: names it, keeps the error (whose status and code say
    what went wrong)."""

    def __init__(self, unique_id: str, error: AccordError) -> None:
        super().__init__(f"{unique_id}: {error.detail}")
        self.unique_id = unique_id
        self.error = error


def parse(raw: bytes) -> Project:
    try:
        return parse_manifest(raw)
    except ManifestError as exc:
        raise ValidationFailedError(str(exc), code=exc.code) from None


def digest_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def manifest_info(project: Project, digest: str) -> ManifestInfo:
    return ManifestInfo(
        schema_version=project.schema_version,
        dbt_version=project.dbt_version,
        project_name=project.project_name,
        adapter=project.adapter,
        sha256=digest,
    )


def _owner(
    principal: Principal, item: DbtAsset, teams: Teams, default: uuid.UUID | None
) -> uuid.UUID:
    owner = teams.match(item.owner_names) or default
    if owner is None:
        raise ValidationFailedError(
            f"no owner team for {item.unique_id}: pass owner_team, name a team in the "
            "node's meta.owner or dbt group, or import with a team's key",
            code="owner_team_required",
        )
    if not principal.acts_for(owner):
        raise PermissionDeniedError(
            f"{item.unique_id} belongs to team {owner}; importing it needs that team's "
            "key or an admin key",
            code="not_asset_owner",
        )
    return owner


async def _default_owner(
    session: AsyncSession, principal: Principal, opts: ImportOptions
) -> tuple[Teams, uuid.UUID | None]:
    teams = await Teams.load(session, principal)
    return teams, teams.require(opts.owner_team) if opts.owner_team else principal.team_id


async def _live_fqns(session: AsyncSession, principal: Principal, environment: str) -> set[str]:
    """The environment's live asset names: one paged scan instead of a lookup per node."""
    found: set[str] = set()
    after: uuid.UUID | None = None
    while True:
        page = await asset_service.list_assets(
            session,
            principal,
            q=None,
            owner_team_id=None,
            environment=environment,
            tag=None,
            kind=None,
            after_id=after,
            limit=_PAGE,
        )
        found.update(a.fqn for a in page)
        if len(page) < _PAGE:
            return found
        after = page[-1].id


async def validate(
    session: AsyncSession, principal: Principal, project: Project, opts: ImportOptions
) -> None:
    """What the import would refuse before writing anything (reads only): an unknown
    `owner_team` (404), a new asset without an owner (422) or owned by a team the caller
    cannot act for (403). Checked again, asset by asset, when the chunks run."""
    teams, default = await _default_owner(session, principal, opts)
    existing = await _live_fqns(session, principal, opts.environment)
    for item in project.assets.values():
        if item.fqn not in existing:
            _owner(principal, item, teams, default)


class Importer:
    """Applies chunks of one import in the session's transaction, into `progress`."""

    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        project: Project,
        opts: ImportOptions,
        progress: Progress,
    ) -> None:
        self.session, self.principal, self.project, self.opts = session, principal, project, opts
        self.progress = progress
        self.items: list[Item] = list(project.assets.items())

    @property
    def summary(self) -> ImportSummary:
        return self.progress.summary

    async def apply(self, chunk: chunks.Chunk) -> None:
        items = self.items[chunk.start : chunk.stop]
        if chunk.phase == "assets":
            await self._assets(items)
        elif chunk.phase == "lineage":
            await self._lineage(items)
        elif chunk.phase == "registrations":
            await self._registrations()
        else:
            await self._versions(items)

    async def finish(self, digest: str) -> None:
        """The import's own audit entry (with the last chunk), if it changed anything."""
        if not self.summary.changed:
            return
        await audit.record(
            self.session,
            workspace_id=self.principal.workspace_id,
            actor=self.principal.actor,
            action="dbt.imported",
            entity_type="dbt_manifest",
            entity_id=digest,
            after={
                "project": self.project.project_name,
                "environment": self.opts.environment,
                "schema_version": self.project.schema_version,
                **self.summary.model_dump(mode="json"),
            },
        )

    def result(self, digest: str) -> ImportResult:
        steps = self.progress.steps
        return ImportResult(
            dry_run=self.opts.dry_run,
            environment=self.opts.environment,
            manifest=manifest_info(self.project, digest),
            summary=self.summary,
            assets=[steps[uid] for uid, _ in self.items if uid in steps],
            edges=self.progress.edges,
            registrations=self.progress.registrations,
            warnings=list(self.project.warnings),
        )

    # -- assets ---------------------------------------------------------------------------
    async def _find(self, fqn: str) -> Asset | None:
        try:
            return await asset_service.find(
                self.session, self.principal, fqn, self.opts.environment
            )
        except NotFoundError:
            return None

    async def _create(self, item: DbtAsset, owner: uuid.UUID) -> Asset:
        self.summary.assets_created += 1
        return await asset_service.create(
            self.session,
            self.principal,
            AssetCreate(
                fqn=item.fqn,
                environment=self.opts.environment,
                kind=AssetKind(item.kind),
                owner_team_id=owner,
                description=item.description,
                tags=item.tags,
                metadata=item.metadata,
            ),
        )

    async def _refresh(self, item: DbtAsset, asset: Asset) -> str:
        """The import owns `kind` and `metadata.dbt`, and the description and tags
        when the manifest gives them; everything else stays as the owner set it."""
        wanted = {"kind": item.kind, "metadata": {**asset.metadata_, **item.metadata}}
        if item.description:
            wanted["description"] = item.description
        if item.tags:
            wanted["tags"] = item.tags
        current = {
            "kind": asset.kind,
            "metadata": asset.metadata_,
            "description": asset.description,
            "tags": asset.tags,
        }
        changes = {k: v for k, v in wanted.items() if v != current[k]}
        if not changes:
            self.summary.assets_unchanged += 1
            return "unchanged"
        update = AssetUpdate.model_validate(changes)
        await asset_service.update(self.session, self.principal, asset.id, update)
        self.summary.assets_updated += 1
        return "updated"

    async def _asset(self, item: DbtAsset, teams: Teams, default: uuid.UUID | None) -> AssetStep:
        asset = await self._find(item.fqn)
        action, reason = "created", None
        if asset is None:
            asset = await self._create(item, _owner(self.principal, item, teams, default))
        elif not self.principal.acts_for(asset.owner_team_id):
            action, reason = "skipped", f"owned by team {asset.owner_team_id}"
            self.summary.assets_skipped += 1
        else:
            action = await self._refresh(item, asset)
        return AssetStep(
            unique_id=item.unique_id,
            fqn=item.fqn,
            asset_id=asset.id,
            action=action,  # type: ignore[arg-type]
            owner_team_id=asset.owner_team_id,
            reason=reason,
            version=VersionStep(outcome="skipped" if reason else "no_schema"),
        )

    async def _assets(self, items: Sequence[Item]) -> None:
        teams, default = await _default_owner(self.session, self.principal, self.opts)
        for uid, item in items:
            try:
                self.progress.steps[uid] = await self._asset(item, teams, default)
            except AccordError as exc:
                raise AssetFailed(uid, exc) from exc

    # -- lineage and consumers ----------------------------------------------------------
    async def _lineage(self, items: Sequence[Item]) -> None:
        """Sync the dbt edges INTO this chunk's assets: every asset exists by now, so an
        edge from an asset of another chunk is made like any other."""
        steps = self.progress.steps
        desired: dict[uuid.UUID, set[uuid.UUID]] = {}
        downstream: dict[uuid.UUID, Asset] = {}
        for uid, item in items:
            step = steps[uid]
            if step.action == "skipped":
                self.progress.edges += [
                    EdgeStep(
                        upstream=steps[u].fqn,
                        downstream=item.fqn,
                        action="skipped",
                        reason=step.reason,
                    )
                    for u in item.upstream
                ]
                continue
            try:
                downstream[step.asset_id] = await asset_service.get(
                    self.session, self.principal, step.asset_id
                )
            except AccordError as exc:
                raise AssetFailed(uid, exc) from exc
            desired[step.asset_id] = {steps[u].asset_id for u in item.upstream} - {step.asset_id}
        synced = await lineage_service.sync_edges(
            self.session, self.principal, desired, downstream, kind=EDGE_KIND, source=EDGE_SOURCE
        )
        fqns = {s.asset_id: s.fqn for s in steps.values()}
        self.progress.edges += [_edge_step(e, fqns, "created") for e in synced.created]
        self.progress.edges += [_edge_step(e, fqns, "deleted") for e in synced.deleted]
        self.summary.edges_created += len(synced.created)
        self.summary.edges_deleted += len(synced.deleted)
        self.summary.edges_unchanged += len(synced.unchanged)

    async def _register(self, name: str, team: uuid.UUID, step: AssetStep) -> RegistrationStep:
        out = RegistrationStep(exposure=name, fqn=step.fqn, team_id=team, action="unchanged")
        existing = await registration_service.list_registrations(
            self.session, self.principal, asset_id=step.asset_id, team_id=team, after_id=None,
            limit=1,
        )  # fmt: skip
        if existing:
            return out
        if not self.principal.acts_for(team):
            reason = "registering another team needs that team's key or an admin key"
            return out.model_copy(update={"action": "skipped", "reason": reason})
        await registration_service.create(
            self.session,
            self.principal,
            RegistrationCreate(asset_id=step.asset_id, team_id=team, note=f"dbt exposure {name}"),
        )
        self.summary.registrations_created += 1
        return out.model_copy(update={"action": "created"})

    async def _registrations(self) -> None:
        teams = await Teams.load(self.session, self.principal)
        for exposure in self.project.exposures:
            team = teams.match(exposure.owner_names)
            for uid in exposure.reads:
                step = self.progress.steps[uid]
                if team is None:
                    self.progress.registrations.append(
                        RegistrationStep(
                            exposure=exposure.name,
                            fqn=step.fqn,
                            team_id=None,
                            action="skipped",
                            reason=f"no team named {' or '.join(exposure.owner_names) or '?'}",
                        )
                    )
                    continue
                try:
                    registered = await self._register(exposure.name, team, step)
                except AccordError as exc:
                    raise AssetFailed(uid, exc) from exc
                self.progress.registrations.append(registered)

    # -- versions -----------------------------------------------------------------------
    async def _version(self, item: DbtAsset, asset_id: uuid.UUID, created: bool) -> VersionStep:
        assert item.schema is not None
        body = VersionCreate.model_validate(
            {
                "schema": item.schema,
                "format": "table",
                "guarantees": item.guarantees,
                "replace_open_proposal": True,
            }
        )
        if not created:
            pending = await proposal_service.open_for_asset(self.session, asset_id)
            digest = content_hash("table", item.schema, item.guarantees.to_json())
            if pending is not None and pending.content_hash == digest:
                return VersionStep(outcome="proposal_pending", proposal_id=pending.id)
        result = await flows.publish(
            self.session, self.principal, asset_id, body, self.opts.proposal_ttl, self.opts.engine
        )
        if result.proposal is not None:
            self.summary.proposals_opened += 1
            out = await proposal_service.to_out(self.session, result.proposal)
            impact = result.proposal.impact or {}
            return VersionStep(
                outcome="proposal",
                proposal_id=out.id,
                version=out.requested_version,
                breaking_changes=out.breaking_changes,
                downstream_assets=impact.get("total"),
            )
        assert result.version is not None
        if result.outcome == "published":
            self.summary.versions_published += 1
        return VersionStep(outcome=result.outcome, version=result.version.version)  # type: ignore[arg-type]

    async def _versions(self, items: Sequence[Item]) -> None:
        for uid, item in items:
            step = self.progress.steps[uid]
            if step.action == "skipped" or item.schema is None:
                continue
            try:
                step.version = await self._version(item, step.asset_id, step.action == "created")
            except AccordError as exc:
                raise AssetFailed(uid, exc) from exc


def _edge_step(
    edge: LineageEdge, fqns: dict[uuid.UUID, str], action: Literal["created", "deleted"]
) -> EdgeStep:
    up = fqns.get(edge.upstream_asset_id)  # a deleted edge's upstream may not be imported
    return EdgeStep(
        upstream=up or str(edge.upstream_asset_id),
        downstream=fqns[edge.downstream_asset_id],
        action=action,
    )


async def import_manifest(
    session: AsyncSession, principal: Principal, raw: bytes, opts: ImportOptions
) -> ImportResult:
    """Import (or, with `dry_run`, plan) a whole manifest in the caller's transaction:
    every chunk of the plan, one after the other. (Real imports of the API run as jobs,
    chunk by chunk: `accord.imports.runner`.)"""
    project = parse(raw)
    digest = digest_of(raw)
    savepoint = await session.begin_nested() if opts.dry_run else None
    try:
        importer = Importer(session, principal, project, opts, Progress())
        for chunk in chunks.plan(len(importer.items), max(1, len(importer.items))):
            await importer.apply(chunk)
        await importer.finish(digest)
        return importer.result(digest)
    except AssetFailed as exc:
        raise exc.error from None
    finally:
        if savepoint is not None:
            await savepoint.rollback()
