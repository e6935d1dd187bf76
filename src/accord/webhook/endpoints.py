"""HTTP: /api/v1/webhooks and /api/v1/dead-letters."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from accord.auth.dependencies import ReadPrincipal, WritePrincipal
from accord.auth.principal import Principal
from accord.deps import SessionDep, StateDep
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    next_id_cursor,
    uuid_after,
)
from accord.models import Delivery, DeliveryAttempt
from accord.problems import STANDARD_ERRORS
from accord.webhook import service
from accord.webhook.schemas import (
    AttemptOut,
    BulkReplay,
    DeliveryDetail,
    DeliveryOut,
    ReplayResult,
    Webhook,
    WebhookCreate,
    WebhookPing,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(prefix="/api/v1", tags=["webhooks"], responses=STANDARD_ERRORS)


def _with_secret(sub: object, secret: str) -> WebhookWithSecret:
    return WebhookWithSecret.model_validate(
        {**Webhook.model_validate(sub).model_dump(), "secret": secret}
    )


def _attempt(a: DeliveryAttempt, admin: bool) -> AttemptOut:
    out = AttemptOut.model_validate(a)
    return out if admin else out.model_copy(update={"error": None})


def _delivery(
    d: Delivery, event_type: str, log: list[DeliveryAttempt], principal: Principal
) -> DeliveryDetail:
    """Error details may quote an internal service's answer: admins only."""
    return DeliveryDetail.model_validate(
        {
            **{k: getattr(d, k) for k in DeliveryOut.model_fields if hasattr(d, k)},
            "event_type": event_type,
            "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
            "last_error": d.last_error if principal.is_admin else None,
            "attempt_log": [_attempt(a, principal.is_admin) for a in log],
        }
    )


def _cursor(rows: list[tuple[Delivery, str]], limit: int) -> str | None:
    return next_id_cursor([d for d, _ in rows], limit)


@router.post("/webhooks", status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: WebhookCreate, principal: WritePrincipal, session: SessionDep, state: StateDep
) -> WebhookWithSecret:
    """Subscribe a URL to events (the team's own, or — admin, no `team_id` — the
    workspace's). The response holds the signing `secret`, shown this once only.
    URLs resolving to loopback, private or link-local addresses are refused (422
    `unsafe_webhook_url`). At most `ACCORD_WEBHOOK_MAX_PER_TEAM` live webhooks per team and
    `ACCORD_WEBHOOK_MAX_PER_WORKSPACE` per workspace (409 `webhook_limit_reached`); one per
    owner, URL, event filter, scope and format (409 `webhook_exists`, with `existing_id`)."""
    sub, secret = await service.create(
        session,
        principal,
        body,
        pepper=state.pepper,
        allow_private=state.settings.webhook_allow_private,
        max_per_team=state.settings.webhook_max_per_team,
        max_per_workspace=state.settings.webhook_max_per_workspace,
    )
    return _with_secret(sub, secret)


@router.get("/webhooks")
async def list_webhooks(
    principal: ReadPrincipal,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[Webhook]:
    """The caller's team's webhooks (admins: all of the workspace)."""
    rows = await service.list_webhooks(
        session, principal, after_id=uuid_after(cursor), limit=limit + 1
    )
    return Page[Webhook](
        items=[Webhook.model_validate(s) for s in rows[:limit]],
        next_cursor=next_id_cursor(rows, limit),
    )


@router.get("/webhooks/{webhook_id}")
async def get_webhook(
    webhook_id: uuid.UUID, principal: ReadPrincipal, session: SessionDep
) -> Webhook:
    """One webhook (never its secret)."""
    return Webhook.model_validate(await service.get(session, principal, webhook_id))


@router.patch("/webhooks/{webhook_id}")
async def update_webhook(
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    principal: WritePrincipal,
    session: SessionDep,
    state: StateDep,
) -> Webhook:
    """Change the URL, filters, format or active flag (owning team or admin). Changing
    into a copy of another live webhook of the same owner is 409 `webhook_exists`."""
    sub = await service.update(
        session, principal, webhook_id, body, allow_private=state.settings.webhook_allow_private
    )
    return Webhook.model_validate(sub)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(
    webhook_id: uuid.UUID, principal: WritePrincipal, session: SessionDep
) -> Response:
    """Delete a webhook; deliveries still pending for it become dead letters."""
    await service.delete(session, principal, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/webhooks/{webhook_id}/rotate-secret")
async def rotate_webhook_secret(
    webhook_id: uuid.UUID, principal: WritePrincipal, session: SessionDep, state: StateDep
) -> WebhookWithSecret:
    """Replace the signing secret; the new one is in the response, shown once."""
    sub, secret = await service.rotate_secret(session, principal, webhook_id, state.pepper)
    return _with_secret(sub, secret)


@router.post("/webhooks/{webhook_id}/ping", status_code=status.HTTP_202_ACCEPTED)
async def ping_webhook(
    webhook_id: uuid.UUID, principal: WritePrincipal, session: SessionDep, state: StateDep
) -> WebhookPing:
    """Queue a test delivery (`webhook.ping`) to this webhook only (owning team or admin),
    signed and retried like any event, whatever its event filter; 409 `webhook_inactive`
    for an inactive webhook, 409 `webhook_secret_unavailable` when its secret was derived
    under a key pepper no longer configured (rotate the secret). Follow it in
    `GET /webhooks/{id}/deliveries`."""
    delivery = await service.ping(session, principal, webhook_id, state.peppers)
    return WebhookPing(delivery_id=delivery.id, webhook_id=webhook_id, event_type="webhook.ping")


@router.get("/webhooks/{webhook_id}/deliveries")
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    principal: ReadPrincipal,
    session: SessionDep,
    status_filter: str | None = Query(
        None, alias="status", pattern="^(pending|in_flight|delivered|dead)$"
    ),
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DeliveryDetail]:
    """Deliveries of one webhook with every attempt: status codes, latency, error classes
    (error details, which may quote the receiver's answer, for admins only)."""
    rows, log = await service.deliveries_of(
        session,
        principal,
        webhook_id,
        status=status_filter,
        after_id=uuid_after(cursor),
        limit=limit + 1,
    )
    return Page[DeliveryDetail](
        items=[_delivery(d, t, log.get(d.id, []), principal) for d, t in rows[:limit]],
        next_cursor=_cursor(rows, limit),
    )


@router.get("/dead-letters")
async def list_dead_letters(
    principal: ReadPrincipal,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DeliveryOut]:
    """Deliveries that failed permanently or ran out of retries (team: its own)."""
    rows = await service.dead_letters(
        session, principal, after_id=uuid_after(cursor), limit=limit + 1
    )
    return Page[DeliveryOut](
        items=[_delivery(d, t, [], principal) for d, t in rows[:limit]],
        next_cursor=_cursor(rows, limit),
    )


@router.post("/dead-letters/{delivery_id}/replay")
async def replay_dead_letter(
    delivery_id: uuid.UUID, principal: WritePrincipal, session: SessionDep
) -> DeliveryOut:
    """Queue a dead letter again (same `webhook-id`, so receivers can deduplicate). Audited."""
    delivery, event_type = await service.replay(session, principal, delivery_id)
    return _delivery(delivery, event_type, [], principal)


@router.post("/dead-letters/replay")
async def bulk_replay_dead_letters(
    body: BulkReplay, principal: WritePrincipal, session: SessionDep
) -> ReplayResult:
    """Replay the dead letters matching the filters, at most `limit` (≤ 1000), with a
    reason that goes into the audit ledger."""
    ids = await service.bulk_replay(session, principal, body)
    return ReplayResult(replayed=len(ids), delivery_ids=ids)
