"""The asyncio client's methods beyond contracts: validation runs, the stateless
compatibility check, lineage, webhooks and dead letters, the workspace and the probes.

A base of ``AsyncClient``, apart only to keep each file small; ``AsyncClient`` sends.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from accord.sdk import _operations as ops
from accord.sdk._base import (
    DEFAULT_REPLAY_LIMIT,
    ID,
    Call,
    would_replay,
)
from accord.sdk._hooks import (
    Delivery,
    DeliveryDetail,
    DeliveryStatus,
    PayloadFormat,
    ReplayResult,
    Webhook,
    WebhookPing,
    WebhookScope,
    WebhookWithSecret,
)
from accord.sdk._models import (
    Compatibility,
    CompatibilityCheck,
    ContentModel,
    Dialect,
    Edge,
    Health,
    LineageDirection,
    LineagePage,
    Page,
    Readiness,
    Workspace,
)
from accord.sdk._validation import (
    RunStatus,
    ValidationRun,
    ValidationRunSummary,
    ValidationTrend,
)

T = TypeVar("T")


class _AsyncPlatformMethods:
    if TYPE_CHECKING:  # provided by AsyncClient

        async def _send(self, call: Call[T]) -> T: ...

        def paginate(
            self, method: Callable[..., Awaitable[Page[T]]], /, *args: Any, **params: Any
        ) -> AsyncGenerator[T, None]: ...

    # -- validation runs ------------------------------------------------------------------

    async def report_validation_run(
        self, asset_id: ID, report: dict[str, Any], *, pipeline: str = ""
    ) -> ValidationRun:
        """Record a run's results (the ``accord validate --json`` document)."""
        return await self._send(ops.report_validation_run(asset_id, report, pipeline))

    async def list_validation_runs(
        self,
        asset_id: ID,
        *,
        status: RunStatus | None = None,
        version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[ValidationRunSummary]:
        """One page of an asset's validation runs, newest first (without check results)."""
        call = ops.list_validation_runs(
            asset_id,
            status=status,
            version=version,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )
        return await self._send(call)

    async def get_validation_run(self, asset_id: ID, run_id: ID) -> ValidationRun:
        """One validation run with every check result."""
        return await self._send(ops.get_validation_run(asset_id, run_id))

    async def validation_trend(
        self, asset_id: ID, *, version: str | None = None, since: datetime | None = None
    ) -> ValidationTrend:
        """The pass rate of each check over the asset's most recent 500 runs."""
        return await self._send(ops.validation_trend(asset_id, version=version, since=since))

    # -- compatibility (stateless) --------------------------------------------------------

    async def check_compatibility(
        self,
        *,
        new: Any,
        old: Any = None,
        history: list[Any] | None = None,
        mode: Compatibility | None = None,
        content_model: ContentModel | None = None,
        format: Literal["auto", "jsonschema", "table"] | None = None,
        dialect: Dialect | None = None,
        assert_formats: bool | None = None,
    ) -> CompatibilityCheck:
        """Decide whether ``new`` is compatible with ``old`` (or with every schema of
        ``history``, oldest first) under ``mode`` (server default ``forward``); nothing
        is stored. The server's defaults apply to what is left at ``None``."""
        call = ops.check_compatibility(
            new,
            old=old,
            history=history,
            mode=mode,
            content_model=content_model,
            format=format,
            dialect=dialect,
            assert_formats=assert_formats,
        )
        return await self._send(call)

    # -- lineage --------------------------------------------------------------------------

    async def get_lineage(
        self,
        asset_id: ID,
        *,
        direction: LineageDirection | None = None,
        depth: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> LineagePage:
        """One page of the assets reachable from this one within ``depth`` edges,
        ``downstream`` (what reads it; the server's default) or ``upstream``, nearest
        first, with their owner teams and registrations."""
        call = ops.get_lineage(
            asset_id, direction=direction, depth=depth, limit=limit, cursor=cursor
        )
        return await self._send(call)

    async def list_lineage_edges(
        self,
        *,
        asset_id: ID | None = None,
        kind: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Edge]:
        """One page of lineage edges, oldest first; ``asset_id``: those into or out of it."""
        call = ops.list_lineage_edges(asset_id=asset_id, kind=kind, limit=limit, cursor=cursor)
        return await self._send(call)

    async def create_lineage_edge(
        self, upstream_asset_id: ID, downstream_asset_id: ID, *, kind: str | None = None
    ) -> Edge:
        """Declare that ``downstream_asset_id`` reads ``upstream_asset_id`` (``kind``:
        server default ``reads``); the downstream asset's owner team or an admin."""
        return await self._send(
            ops.create_lineage_edge(upstream_asset_id, downstream_asset_id, kind)
        )

    async def delete_lineage_edge(self, edge_id: ID) -> None:
        """Remove a lineage edge (the downstream asset's owner team or an admin)."""
        await self._send(ops.delete_lineage_edge(edge_id))

    # -- webhooks -------------------------------------------------------------------------

    async def list_webhooks(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Webhook]:
        """One page of your team's webhooks (admin: the workspace's)."""
        return await self._send(ops.list_webhooks(limit, cursor))

    async def create_webhook(
        self,
        url: str,
        *,
        event_types: list[str] | None = None,
        team_id: ID | None = None,
        scope: WebhookScope | None = None,
        payload_format: PayloadFormat | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> WebhookWithSecret:
        """Subscribe ``url`` to events (``event_types`` empty: all). Its signing
        ``secret`` is in the result and is never shown again."""
        call = ops.create_webhook(
            url,
            event_types=event_types,
            team_id=team_id,
            scope=scope,
            payload_format=payload_format,
            description=description,
            active=active,
        )
        return await self._send(call)

    async def get_webhook(self, webhook_id: ID) -> Webhook:
        """One webhook (never its secret)."""
        return await self._send(ops.get_webhook(webhook_id))

    async def update_webhook(
        self,
        webhook_id: ID,
        *,
        url: str | None = None,
        event_types: list[str] | None = None,
        scope: WebhookScope | None = None,
        payload_format: PayloadFormat | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> Webhook:
        """Change the given fields only (the owning team or an admin)."""
        call = ops.update_webhook(
            webhook_id,
            url=url,
            event_types=event_types,
            scope=scope,
            payload_format=payload_format,
            description=description,
            active=active,
        )
        return await self._send(call)

    async def delete_webhook(self, webhook_id: ID) -> None:
        """Delete a webhook; its pending deliveries become dead letters."""
        await self._send(ops.delete_webhook(webhook_id))

    async def list_webhook_deliveries(
        self,
        webhook_id: ID,
        *,
        status: DeliveryStatus | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[DeliveryDetail]:
        """One page of a webhook's deliveries with every attempt (error details: admin)."""
        call = ops.list_webhook_deliveries(webhook_id, status=status, limit=limit, cursor=cursor)
        return await self._send(call)

    async def rotate_webhook_secret(self, webhook_id: ID) -> WebhookWithSecret:
        """Replace the signing secret; the new one is in the result, shown once."""
        return await self._send(ops.rotate_webhook_secret(webhook_id))

    async def ping_webhook(self, webhook_id: ID) -> WebhookPing:
        """Queue a ``webhook.ping`` delivery to this webhook only, to test the receiver;
        follow it with ``list_webhook_deliveries``."""
        return await self._send(ops.ping_webhook(webhook_id))

    # -- dead letters ---------------------------------------------------------------------

    async def list_dead_letters(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Delivery]:
        """One page of deliveries that failed for good (a team key: its own)."""
        return await self._send(ops.list_dead_letters(limit, cursor))

    async def replay_dead_letter(self, delivery_id: ID) -> Delivery:
        """Queue one dead letter again (same ``webhook-id``: receivers deduplicate)."""
        return await self._send(ops.replay_dead_letter(delivery_id))

    async def replay_dead_letters(
        self,
        reason: str,
        *,
        subscription_id: ID | None = None,
        event_type: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        dry_run: bool = False,
    ) -> ReplayResult:
        """Queue again the dead letters matching the filters, oldest first, at most
        ``limit`` (server default 100, at most 1000); ``subscription_id``: one webhook's
        only; ``reason`` goes to the audit ledger.
        ``dry_run``: only list the ones that would be queued (``ReplayResult.dry_run``);
        nothing is written."""
        if dry_run:
            return await self._replay_plan(subscription_id, event_type, since, limit)
        call = ops.replay_dead_letters(
            reason, subscription_id=subscription_id, event_type=event_type, since=since, limit=limit
        )
        return await self._send(call)

    async def _replay_plan(
        self,
        webhook_id: ID | None,
        event_type: str | None,
        since: datetime | None,
        limit: int | None,
    ) -> ReplayResult:
        # The server has no dry run: select as it does (same visibility, id order, filters).
        # A webhook that is not the caller's is the same 404 as the real replay.
        scope = None if webhook_id is None else (await self.get_webhook(webhook_id)).id
        wanted = DEFAULT_REPLAY_LIMIT if limit is None else limit
        ids: list[uuid.UUID] = []
        async with aclosing(self.paginate(self.list_dead_letters, limit=500)) as dead_letters:
            async for dead in dead_letters:
                if len(ids) >= wanted:
                    break
                if would_replay(dead, scope, event_type, since):
                    ids.append(dead.id)
        return ReplayResult(replayed=len(ids), delivery_ids=ids, dry_run=True)

    # -- workspace and probes -------------------------------------------------------------

    async def get_workspace(self) -> Workspace:
        """The caller's workspace and the default policy new assets get."""
        return await self._send(ops.get_workspace())

    async def update_workspace(
        self,
        *,
        default_compatibility: Compatibility | None = None,
        default_content_model: ContentModel | None = None,
    ) -> Workspace:
        """Change the workspace's default policy (admin, audited)."""
        call = ops.update_workspace(
            default_compatibility=default_compatibility,
            default_content_model=default_content_model,
        )
        return await self._send(call)

    async def healthz(self) -> Health:
        """The liveness probe (no key needed)."""
        return await self._send(ops.healthz())

    async def readyz(self) -> Readiness:
        """The readiness probe (no key needed): ready or not (a 503), the answer says
        why (``ready``, ``database``, ``worker``)."""
        return await self._send(ops.readyz())
