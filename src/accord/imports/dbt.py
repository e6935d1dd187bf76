"""Importing a dbt manifest: one transaction through the normal services and flows.

Order matters: assets first, then lineage and consumers, then versions, so a proposal
opened by a breaking change already sees the current graph and registrations. The
caller changes only what it may: assets of other teams are linked but not republished,
exposures of teams it cannot act for are reported, not registered. A dry run does all
of it inside a savepoint and rolls back, so the plan is exactly what would happen.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from accord.asset import service as asset_service
from accord.asset.schemas import AssetCreate, AssetKind, AssetUpdate
from accord.audit import service as audit
from accord.auth.principal import Principal
from accord.contract import flows
from accord.contract.evaluate import content_hash
from accord.contract.schemas import VersionCreate
from accord.dbt import DbtAsset, ManifestError, Project, parse_manifest
from accord.exceptions import PermissionDeniedError, ValidationFailedError
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


@dataclass(frozen=True)
class ImportOptions:
    environment: str
    owner_team: str | None
    dry_run: bool
    proposal_ttl: timedelta
    engine: EngineRunner  # the compatibility engine's pool, with the caller's slot


class _Run:
    def __init__(
        self, session: AsyncSession, principal: Principal, project: Project, opts: ImportOptions
    ) -> None:
        self.session, self.principal, self.project, self.opts = session, principal, project, opts
        self.summary = ImportSummary()
        self.assets: dict[str, Asset] = {}  # by dbt unique id
        self.steps: dict[str, AssetStep] = {}
        self.warnings = list(project.warnings)

    # -- assets ---------------------------------------------------------------------------
    async def _existing(self) -> dict[str, Asset]:
        """The environment's live assets by fqn: one paged scan instead of a lookup per
        node (imports are large, environments rarely much larger)."""
        found: dict[str, Asset] = {}
        after: uuid.UUID | None = None
        while True:
            page = await asset_service.list_assets(
                self.session,
                self.principal,
                q=None,
                owner_team_id=None,
                environment=self.opts.environment,
                tag=None,
                kind=None,
                after_id=after,
                limit=_PAGE,
            )
            found.update((a.fqn, a) for a in page)
            if len(page) < _PAGE:
                return found
            after = page[-1].id

    def _owner(self, item: DbtAsset, teams: Teams, default: uuid.UUID | None) -> uuid.UUID:
        owner = teams.match(item.owner_names) or default
        if owner is None:
            raise ValidationFailedError(
                f"no owner team for {item.unique_id}: pass owner_team, name a team in the "
                "node's meta.owner or dbt group, or import with a team's key",
                code="owner_team_required",
            )
        if not self.principal.acts_for(owner):
            raise PermissionDeniedError(
                f"{item.unique_id} belongs to team {owner}; importing it needs that team's "
                "key or an admin key",
                code="not_asset_owner",
            )
        return owner

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

    async def assets_step(self, teams: Teams, default: uuid.UUID | None) -> None:
        existing = await self._existing()
        for uid, item in self.project.assets.items():
            asset = existing.get(item.fqn)
            action, reason = "created", None
            if asset is None:
                asset = await self._create(item, self._owner(item, teams, default))
            elif not self.principal.acts_for(asset.owner_team_id):
                action, reason = "skipped", f"owned by team {asset.owner_team_id}"
                self.summary.assets_skipped += 1
            else:
                action = await self._refresh(item, asset)
            self.assets[uid] = asset
            self.steps[uid] = AssetStep(
                unique_id=uid,
                fqn=item.fqn,
                asset_id=asset.id,
                action=action,  # type: ignore[arg-type]
                owner_team_id=asset.owner_team_id,
                reason=reason,
                version=VersionStep(outcome="skipped" if reason else "no_schema"),
            )

    # -- lineage and consumers ----------------------------------------------------------
    async def edges_step(self) -> list[EdgeStep]:
        steps: list[EdgeStep] = []
        desired: dict[uuid.UUID, set[uuid.UUID]] = {}
        for uid, item in self.project.assets.items():
            asset = self.assets[uid]
            ups = {self.assets[u].id for u in item.upstream} - {asset.id}
            if self.steps[uid].action == "skipped":
                steps += [
                    EdgeStep(
                        upstream=self.project.assets[u].fqn,
                        downstream=item.fqn,
                        action="skipped",
                        reason=self.steps[uid].reason,
                    )
                    for u in item.upstream
                ]
                continue
            desired[asset.id] = ups
        by_id = {a.id: a for a in self.assets.values()}
        synced = await lineage_service.sync_edges(
            self.session, self.principal, desired, by_id, kind=EDGE_KIND, source=EDGE_SOURCE
        )
        steps += [_edge_step(e, by_id, "created") for e in synced.created]
        steps += [_edge_step(e, by_id, "deleted") for e in synced.deleted]
        self.summary.edges_created = len(synced.created)
        self.summary.edges_deleted = len(synced.deleted)
        self.summary.edges_unchanged = len(synced.unchanged)
        return steps

    async def _register(self, name: str, team: uuid.UUID, asset: Asset) -> RegistrationStep:
        step = RegistrationStep(exposure=name, fqn=asset.fqn, team_id=team, action="unchanged")
        existing = await registration_service.list_registrations(
            self.session, self.principal, asset_id=asset.id, team_id=team, after_id=None, limit=1
        )
        if existing:
            return step
        if not self.principal.acts_for(team):
            reason = "registering another team needs that team's key or an admin key"
            return step.model_copy(update={"action": "skipped", "reason": reason})
        await registration_service.create(
            self.session,
            self.principal,
            RegistrationCreate(asset_id=asset.id, team_id=team, note=f"dbt exposure {name}"),
        )
        self.summary.registrations_created += 1
        return step.model_copy(update={"action": "created"})

    async def registrations_step(self, teams: Teams) -> list[RegistrationStep]:
        steps: list[RegistrationStep] = []
        for exposure in self.project.exposures:
            team = teams.match(exposure.owner_names)
            for uid in exposure.reads:
                asset = self.assets[uid]
                if team is None:
                    steps.append(
                        RegistrationStep(
                            exposure=exposure.name,
                            fqn=asset.fqn,
                            team_id=None,
                            action="skipped",
                            reason=f"no team named {' or '.join(exposure.owner_names) or '?'}",
                        )
                    )
                    continue
                steps.append(await self._register(exposure.name, team, asset))
        return steps

    # -- versions -----------------------------------------------------------------------
    async def _version(self, item: DbtAsset, asset: Asset, created: bool) -> VersionStep:
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
            pending = await proposal_service.open_for_asset(self.session, asset.id)
            digest = content_hash("table", item.schema, item.guarantees.to_json())
            if pending is not None and pending.content_hash == digest:
                return VersionStep(outcome="proposal_pending", proposal_id=pending.id)
        result = await flows.publish(
            self.session, self.principal, asset.id, body, self.opts.proposal_ttl, self.opts.engine
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

    async def versions_step(self) -> None:
        for uid, item in self.project.assets.items():
            step = self.steps[uid]
            if step.action == "skipped" or item.schema is None:
                continue
            step.version = await self._version(item, self.assets[uid], step.action == "created")

    async def run(self, teams: Teams, default: uuid.UUID | None) -> ImportResult:
        await self.assets_step(teams, default)
        edges = await self.edges_step()
        registrations = await self.registrations_step(teams)
        await self.versions_step()
        return ImportResult(
            dry_run=self.opts.dry_run,
            environment=self.opts.environment,
            manifest=ManifestInfo(
                schema_version=self.project.schema_version,
                dbt_version=self.project.dbt_version,
                project_name=self.project.project_name,
                adapter=self.project.adapter,
                sha256="",
            ),
            summary=self.summary,
            assets=list(self.steps.values()),
            edges=edges,
            registrations=registrations,
            warnings=self.warnings,
        )


def _edge_step(
    edge: LineageEdge, by_id: dict[uuid.UUID, Asset], action: Literal["created", "deleted"]
) -> EdgeStep:
    up = by_id.get(edge.upstream_asset_id)  # a deleted edge's upstream may have left
    down = by_id[edge.downstream_asset_id]
    return EdgeStep(
        upstream=up.fqn if up else str(edge.upstream_asset_id), downstream=down.fqn, action=action
    )


def parse(raw: bytes) -> Project:
    try:
        return parse_manifest(raw)
    except ManifestError as exc:
        raise ValidationFailedError(str(exc), code=exc.code) from None


async def _apply(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    opts: ImportOptions,
    digest: str,
) -> ImportResult:
    teams = await Teams.load(session, principal)
    default = teams.require(opts.owner_team) if opts.owner_team else principal.team_id
    result = await _Run(session, principal, project, opts).run(teams, default)
    result.manifest.sha256 = digest
    if result.summary.changed:
        await audit.record(
            session,
            workspace_id=principal.workspace_id,
            actor=principal.actor,
            action="dbt.imported",
            entity_type="dbt_manifest",
            entity_id=digest,
            after={
                "project": project.project_name,
                "environment": opts.environment,
                "schema_version": project.schema_version,
                **result.summary.model_dump(mode="json"),
            },
        )
    return result


async def import_manifest(
    session: AsyncSession, principal: Principal, raw: bytes, opts: ImportOptions
) -> ImportResult:
    """Import (or, with `dry_run`, plan) a manifest in the caller's transaction."""
    project = parse(raw)
    digest = hashlib.sha256(raw).hexdigest()
    if not opts.dry_run:
        return await _apply(session, principal, project, opts, digest)
    savepoint = await session.begin_nested()
    try:
        return await _apply(session, principal, project, opts, digest)
    finally:
        await savepoint.rollback()
