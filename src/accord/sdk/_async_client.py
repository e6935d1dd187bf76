"""The asyncio client: the same methods as ``Client``, awaited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx

from accord.sdk import _operations as ops
from accord.sdk._async_client_platform import _AsyncPlatformMethods
from accord.sdk._base import (
    DEFAULT_TIMEOUT,
    ID,
    BaseClient,
    Call,
    asset_not_found,
    job_timeout,
    poll_delays,
)
from accord.sdk._imports import ImportJob, ImportResult
from accord.sdk._models import (
    AnnotationPolicy,
    ApiKey,
    ApiKeyCreated,
    Asset,
    AssetKind,
    AuditEvent,
    AuditVerification,
    Compatibility,
    ContentModel,
    ContractVersion,
    ContractVersionSummary,
    Decision,
    Dialect,
    Diff,
    Impact,
    Me,
    Page,
    Proposal,
    ProposalPublished,
    ProposalStatus,
    PublishResult,
    Registration,
    SchemaFormat,
    Scope,
    Team,
)

T = TypeVar("T")


class AsyncClient(_AsyncPlatformMethods, BaseClient):
    """An asyncio Accord client. Use it as ``async with``, or await ``aclose()``.

    ``base_url`` and ``api_key`` default to ``$ACCORD_URL`` / ``$ACCORD_API_KEY``;
    ``transport`` replaces the network (e.g. ``httpx.MockTransport`` in tests). Every
    method raises an ``accord.sdk.AccordError`` subclass on failure.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout=timeout, headers=headers)
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=self._headers, timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _send(self, call: Call[T]) -> T:
        try:
            response = await self._http.send(self._request(self._http, call))
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        return self._finish(call, response)

    async def paginate(
        self, method: Callable[..., Awaitable[Page[T]]], /, *args: Any, **params: Any
    ) -> AsyncGenerator[T, None]:
        """Every item of a list method, page after page: ``paginate(c.list_assets, q="x")``."""
        cursor: str | None = None
        while True:
            page = await method(*args, **params, cursor=cursor)
            for item in page.items:
                yield item
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    # -- identity, teams, keys ------------------------------------------------------

    async def me(self) -> Me:
        """Who this key is: workspace, team and scopes."""
        return await self._send(ops.me())

    async def list_teams(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Team]:
        """One page of the workspace's teams."""
        return await self._send(ops.list_teams(limit, cursor))

    async def create_team(self, name: str, *, description: str = "") -> Team:
        """Create a team (admin)."""
        return await self._send(ops.create_team(name, description))

    async def get_team(self, team_id: ID) -> Team:
        """One team."""
        return await self._send(ops.get_team(team_id))

    async def update_team(
        self, team_id: ID, *, name: str | None = None, description: str | None = None
    ) -> Team:
        """Change the given fields only: the description (the team itself or an admin),
        the name (admin)."""
        return await self._send(ops.update_team(team_id, name, description))

    async def delete_team(self, team_id: ID) -> None:
        """Soft-delete a team (admin): its keys are revoked, its registrations end, and
        open proposals stop waiting on it."""
        await self._send(ops.delete_team(team_id))

    async def create_api_key(
        self,
        name: str,
        scopes: list[Scope],
        *,
        team_id: ID | None = None,
        expires_at: datetime | None = None,
    ) -> ApiKeyCreated:
        """Issue a key (admin); its secret is in ``.key`` and is never shown again."""
        return await self._send(ops.create_api_key(name, list(scopes), team_id, expires_at))

    async def list_api_keys(
        self, *, include_revoked: bool = False, limit: int | None = None, cursor: str | None = None
    ) -> Page[ApiKey]:
        """One page of key metadata."""
        return await self._send(ops.list_api_keys(include_revoked, limit, cursor))

    async def revoke_api_key(self, key_id: ID) -> None:
        """Revoke a key at once."""
        await self._send(ops.revoke_api_key(key_id))

    # -- assets -----------------------------------------------------------------------

    async def create_asset(
        self,
        fqn: str,
        owner_team_id: ID,
        *,
        environment: str = "prod",
        kind: AssetKind = "table",
        compatibility: Compatibility | None = None,
        content_model: ContentModel | None = None,
        dialect: Dialect | None = None,
        annotations: AnnotationPolicy | None = None,
        description: str = "",
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Asset:
        """Declare an asset; the policy defaults to the server's (``forward``). ``dialect``:
        the JSON Schema draft of its schemas with no ``$schema`` (default: inferred);
        ``annotations``: ``assert`` (default: format/content changes can break) or
        ``annotate`` (admin only)."""
        call = ops.create_asset(
            fqn,
            owner_team_id,
            environment,
            kind,
            compatibility=compatibility,
            content_model=content_model,
            dialect=dialect,
            annotations=annotations,
            description=description,
            tags=tags,
            metadata=metadata,
        )
        return await self._send(call)

    async def list_assets(
        self,
        *,
        q: str | None = None,
        owner_team_id: ID | None = None,
        environment: str | None = None,
        tag: str | None = None,
        kind: AssetKind | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Asset]:
        """One page of live assets; ``q`` searches fqn and description."""
        call = ops.list_assets(
            q=q,
            owner_team_id=owner_team_id,
            environment=environment,
            tag=tag,
            kind=kind,
            limit=limit,
            cursor=cursor,
        )
        return await self._send(call)

    async def get_asset(self, asset_id: ID) -> Asset:
        """One asset by id."""
        return await self._send(ops.get_asset(asset_id))

    async def get_asset_by_fqn(self, fqn: str, environment: str = "prod") -> Asset:
        """The asset with this fqn (in any case) in this environment, or ``NotFoundError``."""
        async for asset in self.paginate(
            self.list_assets, q=fqn, environment=environment, limit=500
        ):
            if asset.fqn.casefold() == fqn.casefold() and asset.environment == environment:
                return asset
        raise asset_not_found(fqn, environment)

    async def update_asset(
        self,
        asset_id: ID,
        *,
        kind: AssetKind | None = None,
        owner_team_id: ID | None = None,
        compatibility: Compatibility | None = None,
        content_model: ContentModel | None = None,
        dialect: Dialect | None = None,
        annotations: AnnotationPolicy | None = None,
        description: str | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Asset:
        """Change the given fields only (loosening the policy needs admin)."""
        call = ops.update_asset(
            asset_id,
            kind=kind,
            owner_team_id=owner_team_id,
            compatibility=compatibility,
            content_model=content_model,
            dialect=dialect,
            annotations=annotations,
            description=description,
            tags=tags,
            metadata=metadata,
        )
        return await self._send(call)

    async def delete_asset(self, asset_id: ID, *, reason: str | None = None) -> None:
        """Soft-delete an asset (history is kept). One other teams read, or with an open
        proposal, is ``ConflictError`` ``asset_in_use`` unless an admin gives a ``reason``
        (it ends those registrations and proposals)."""
        await self._send(ops.delete_asset(asset_id, reason))

    async def restore_asset(self, asset_id: ID) -> Asset:
        """Bring a soft-deleted asset back (admin)."""
        return await self._send(ops.restore_asset(asset_id))

    # -- versions -----------------------------------------------------------------------

    async def publish(
        self,
        asset_id: ID,
        schema: dict[str, Any],
        *,
        format: SchemaFormat | None = None,
        version: str | None = None,
        guarantees: dict[str, Any] | None = None,
        replace_open_proposal: bool = False,
        idempotency_key: str | None = None,
        references: list[dict[str, str]] | None = None,
    ) -> PublishResult:
        """Publish a schema: ``outcome`` is ``published``, ``unchanged`` or ``proposal``.
        With ``idempotency_key`` a retried request returns the first response.
        ``references``: the registered schemas its remote ``$ref``s name, each
        ``{"name": URI, "asset": FQN, "version": "1.2.0"}`` (``environment`` optional)."""
        body = ops.version_body(
            schema, format, version, guarantees, replace_open_proposal, references
        )
        return await self._send(ops.publish(asset_id, body, idempotency_key))

    async def impact(
        self,
        asset_id: ID,
        schema: dict[str, Any],
        *,
        format: SchemaFormat | None = None,
        version: str | None = None,
        guarantees: dict[str, Any] | None = None,
        references: list[dict[str, str]] | None = None,
        depth: int | None = None,
    ) -> Impact:
        """What publishing ``schema`` would do, without writing anything, and the
        assets downstream of this one to ``depth`` edges (``downstream``)."""
        body = ops.version_body(schema, format, version, guarantees, False, references)
        return await self._send(ops.impact(asset_id, body, depth))

    async def list_versions(
        self, asset_id: ID, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[ContractVersionSummary]:
        """One page of an asset's versions, in publish order."""
        return await self._send(ops.list_versions(asset_id, limit, cursor))

    async def get_version(self, asset_id: ID, version: str) -> ContractVersion:
        """One version with its schema and guarantees."""
        return await self._send(ops.get_version(asset_id, version))

    async def diff(self, asset_id: ID, from_version: str, to_version: str) -> Diff:
        """The engine's changes between two versions under the asset's policy."""
        return await self._send(ops.diff(asset_id, from_version, to_version))

    # -- registrations ------------------------------------------------------------------

    async def create_registration(
        self,
        asset_id: ID,
        team_id: ID,
        *,
        fields: list[str] | None = None,
        version_range: str | None = None,
        note: str = "",
    ) -> Registration:
        """Register a consumer team on an asset (optionally on some fields only)."""
        call = ops.create_registration(asset_id, team_id, fields, version_range, note)
        return await self._send(call)

    async def list_registrations(
        self,
        *,
        asset_id: ID | None = None,
        team_id: ID | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Registration]:
        """One page of registrations, by asset and/or team."""
        call = ops.list_registrations(
            asset_id=asset_id, team_id=team_id, limit=limit, cursor=cursor
        )
        return await self._send(call)

    async def delete_registration(self, registration_id: ID) -> None:
        """Remove a registration."""
        await self._send(ops.delete_registration(registration_id))

    # -- proposals ----------------------------------------------------------------------

    async def list_proposals(
        self,
        *,
        asset_id: ID | None = None,
        status: ProposalStatus | None = None,
        team_to_act: ID | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Proposal]:
        """One page of proposals; ``team_to_act``: open ones that team has not approved."""
        call = ops.list_proposals(
            asset_id=asset_id, status=status, team_to_act=team_to_act, limit=limit, cursor=cursor
        )
        return await self._send(call)

    async def get_proposal(self, proposal_id: ID) -> Proposal:
        """One proposal with its breaking changes, witnesses and awaited teams."""
        return await self._send(ops.get_proposal(proposal_id))

    async def acknowledge(
        self, proposal_id: ID, team_id: ID, decision: Decision, *, comment: str = ""
    ) -> Proposal:
        """Answer for your team: ``approve``, ``block`` or ``migrating``."""
        return await self._send(ops.acknowledge(proposal_id, team_id, decision, comment))

    async def publish_proposal(
        self, proposal_id: ID, *, version: str | None = None
    ) -> ProposalPublished:
        """Publish an approved proposal as a new major version."""
        return await self._send(ops.publish_proposal(proposal_id, version))

    async def withdraw_proposal(self, proposal_id: ID, *, reason: str = "") -> Proposal:
        """Withdraw an open proposal."""
        return await self._send(ops.withdraw_proposal(proposal_id, reason))

    async def force_publish_proposal(self, proposal_id: ID, reason: str) -> ProposalPublished:
        """Publish without every approval (admin; the reason is audited)."""
        return await self._send(ops.force_proposal(proposal_id, reason))

    # -- audit --------------------------------------------------------------------------

    async def list_audit_events(
        self,
        *,
        entity_type: str | None = None,
        entity_id: str | None = None,
        action: str | None = None,
        actor_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[AuditEvent]:
        """One page of audit events, newest first (admin)."""
        call = ops.list_audit_events(
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            actor_id=actor_id,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )
        return await self._send(call)

    async def verify_audit(self) -> AuditVerification:
        """Recompute the workspace's audit chain on the server (admin)."""
        return await self._send(ops.verify_audit())

    # -- dbt imports --------------------------------------------------------------------

    async def import_dbt(
        self,
        manifest: bytes,
        *,
        environment: str = "prod",
        owner_team: str | None = None,
        wait: bool = True,
        timeout: float = 600.0,
        poll_interval: float = 1.0,
    ) -> ImportJob:
        """Import a dbt ``manifest.json`` (its bytes). The server checks it at once (a
        bad manifest or owner raises here) and applies it in the background; with
        ``wait`` this polls until the job ends and returns it: ``status`` ``succeeded``
        (``result``) or ``failed`` (``error``, ``not_applied``). ``TimeoutError`` after
        ``timeout`` seconds (the job goes on). ``wait=False`` returns the queued job."""
        job = await self._send(ops.start_dbt_import(manifest, environment, owner_team))
        if not wait:
            return job
        return await self.wait_for_import_job(job.id, timeout=timeout, poll_interval=poll_interval)

    async def plan_dbt_import(
        self, manifest: bytes, *, environment: str = "prod", owner_team: str | None = None
    ) -> ImportResult:
        """What importing ``manifest`` would do (a dry run: nothing is written)."""
        return await self._send(ops.plan_dbt_import(manifest, environment, owner_team))

    async def get_import_job(self, job_id: ID) -> ImportJob:
        """A background import: status, progress, and its result once ended."""
        return await self._send(ops.get_import_job(job_id))

    async def wait_for_import_job(
        self, job_id: ID, *, timeout: float = 600.0, poll_interval: float = 1.0
    ) -> ImportJob:
        """Poll a job until it ends (``TimeoutError`` after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        delays = poll_delays(poll_interval)
        while not (job := await self.get_import_job(job_id)).ended:
            left = deadline - time.monotonic()
            if left <= 0:
                raise job_timeout(job_id, timeout)
            await asyncio.sleep(min(next(delays), left))
        return job
