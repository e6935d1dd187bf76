"""Webhook subscriptions, their deliveries, dead letters and replays."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from accord.audit import service as audit
from accord.auth.principal import Principal, Scope
from accord.events import service as events
from accord.events.catalog import PAYLOAD_VERSION
from accord.exceptions import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailedError,
)
from accord.kit.clock import utcnow
from accord.kit.context import current_request_id
from accord.kit.crypto import pepper_id
from accord.kit.ids import uuid7
from accord.models import Delivery, DeliveryAttempt, Event, WebhookSubscription
from accord.team import service as team_service
from accord.webhook import signing
from accord.webhook.repository import WebhookRepository
from accord.webhook.schemas import PING, BulkReplay, Webhook, WebhookCreate, WebhookUpdate
from accord.webhook.secret_repository import WebhookSecretRepository
from accord.webhook.ssrf import UnsafeTargetError, check_target

log = structlog.get_logger("accord.webhook")

# The same problem for every refused URL: saying what a name resolves to, or quoting the
# resolver, would let a caller map the internal network. The reason goes to the log.
UNSAFE_URL = "unsafe or unresolvable URL"


def _snapshot(sub: WebhookSubscription) -> dict[str, Any]:
    return Webhook.model_validate(sub).model_dump(mode="json")  # never the secret


def _new_secret(sub: WebhookSubscription, pepper: str) -> str:
    """A fresh secret under ``pepper`` (the issuing one), recorded as such; its display
    form, shown once."""
    sub.secret_nonce = signing.new_nonce()
    sub.secret_pepper = pepper_id(pepper)
    return signing.display_secret(signing.secret_bytes(pepper, sub.id, sub.secret_nonce))


async def _safe_url(url: str, allow_private: bool) -> None:
    try:
        await check_target(url, allow_private)
    except UnsafeTargetError as exc:
        log.info("webhook_url_refused", url=url, reason=str(exc))
        raise ValidationFailedError(UNSAFE_URL, code="unsafe_webhook_url") from None


def _key(sub: WebhookSubscription) -> tuple[object, ...]:
    return (sub.url, frozenset(sub.event_types), sub.scope, sub.payload_format)


async def _refuse_duplicate(repo: WebhookRepository, sub: WebhookSubscription) -> None:
    """One live subscription per owner, URL, event filter, scope and payload format."""
    for other in await repo.live_with_url(sub.workspace_id, sub.team_id, sub.url):
        if other.id != sub.id and _key(other) == _key(sub):
            raise ConflictError(
                f"webhook {other.id} already sends these events to this URL",
                code="webhook_exists",
                extra={"existing_id": str(other.id)},
            )


async def _refuse_over_limit(
    repo: WebhookRepository, sub: WebhookSubscription, *, per_team: int, per_workspace: int
) -> None:
    checks: list[tuple[uuid.UUID | None, int, str, str]] = [
        (None, per_workspace, "workspace", "ACCORD_WEBHOOK_MAX_PER_WORKSPACE")
    ]
    if sub.team_id is not None:
        checks.insert(0, (sub.team_id, per_team, "team", "ACCORD_WEBHOOK_MAX_PER_TEAM"))
    for team_id, limit, owner, setting in checks:
        if await repo.count_live(sub.workspace_id, team_id=team_id) >= limit:
            raise ConflictError(
                f"the {owner} already has {limit} webhooks, the most {setting} allows; "
                "delete one first",
                code="webhook_limit_reached",
                extra={"limit": limit, "setting": setting, "limit_scope": owner},
            )


def _require_manage(principal: Principal, sub: WebhookSubscription) -> None:
    if sub.team_id is None and not principal.is_admin:
        raise PermissionDeniedError("workspace webhooks are managed by admins")
    if sub.team_id is not None and not principal.acts_for(sub.team_id):
        raise PermissionDeniedError("only the owning team or an admin may do this")


async def get(
    session: AsyncSession, principal: Principal, sub_id: uuid.UUID
) -> WebhookSubscription:
    sub = await WebhookRepository(session).get(principal.workspace_id, sub_id)
    if sub is None:
        raise NotFoundError.of("webhook", sub_id)
    _require_manage(principal, sub)
    return sub


async def _audit(
    session: AsyncSession, principal: Principal, sub: WebhookSubscription, action: str,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action=action,
        entity_type="webhook",
        entity_id=sub.id,
        before=before,
        after=after,
    )


async def create(
    session: AsyncSession,
    principal: Principal,
    data: WebhookCreate,
    *,
    pepper: str,
    allow_private: bool,
    max_per_team: int,
    max_per_workspace: int,
) -> tuple[WebhookSubscription, str]:
    if data.team_id is None and not principal.is_admin:
        raise PermissionDeniedError("a webhook without team_id is a workspace webhook: admin only")
    if data.team_id is not None:
        if not principal.acts_for(data.team_id):
            raise PermissionDeniedError("a team key can only create its own team's webhooks")
        if not await team_service.exists(session, principal.workspace_id, data.team_id):
            raise NotFoundError.of("team", data.team_id)
    await _safe_url(str(data.url), allow_private)
    repo = WebhookRepository(session)
    sub = WebhookSubscription(
        id=uuid.uuid4(),
        workspace_id=principal.workspace_id,
        team_id=data.team_id,
        url=str(data.url),
        event_types=data.event_types,
        scope=data.scope.value,
        payload_format=data.payload_format.value,
        active=data.active,
        description=data.description,
    )
    secret = _new_secret(sub, pepper)
    await repo.lock_subscriptions(principal.workspace_id)
    await _refuse_duplicate(repo, sub)
    await _refuse_over_limit(repo, sub, per_team=max_per_team, per_workspace=max_per_workspace)
    await repo.add(sub)
    events.forget_subscriptions(session)
    await _audit(session, principal, sub, "webhook.created", after=_snapshot(sub))
    return sub, secret


async def list_webhooks(
    session: AsyncSession, principal: Principal, *, after_id: uuid.UUID | None, limit: int
) -> Sequence[WebhookSubscription]:
    team = None if principal.is_admin else principal.team_id
    if team is None and not principal.is_admin:
        return []
    return await WebhookRepository(session).page(
        principal.workspace_id, team_id=team, after_id=after_id, limit=limit
    )


async def update(
    session: AsyncSession,
    principal: Principal,
    sub_id: uuid.UUID,
    data: WebhookUpdate,
    *,
    allow_private: bool,
) -> WebhookSubscription:
    repo = WebhookRepository(session)
    sub = await get(session, principal, sub_id)
    before, key = _snapshot(sub), _key(sub)
    if data.url is not None:
        await _safe_url(str(data.url), allow_private)
    await repo.lock_subscriptions(principal.workspace_id)
    if data.url is not None:
        sub.url = str(data.url)
    for name in ("event_types", "description", "active"):
        value = getattr(data, name)
        if value is not None:
            setattr(sub, name, value)
    if data.scope is not None:
        sub.scope = data.scope.value
    if data.payload_format is not None:
        sub.payload_format = data.payload_format.value
    if _key(sub) != key:
        await _refuse_duplicate(repo, sub)
    await repo.flush()
    events.forget_subscriptions(session)
    after = _snapshot(sub)
    if after != before:
        await _audit(session, principal, sub, "webhook.updated", before, after)
    return sub


async def delete(session: AsyncSession, principal: Principal, sub_id: uuid.UUID) -> None:
    sub = await get(session, principal, sub_id)
    before = _snapshot(sub)
    sub.deleted_at = utcnow()
    sub.active = False
    await WebhookRepository(session).flush()
    events.forget_subscriptions(session)
    await _audit(session, principal, sub, "webhook.deleted", before=before)


async def rotate_secret(
    session: AsyncSession, principal: Principal, sub_id: uuid.UUID, pepper: str
) -> tuple[WebhookSubscription, str]:
    if not principal.has(Scope.write):
        raise PermissionDeniedError("rotating a secret needs the write scope")
    sub = await get(session, principal, sub_id)
    secret = _new_secret(sub, pepper)
    await WebhookRepository(session).flush()
    events.forget_subscriptions(session)
    await _audit(session, principal, sub, "webhook.secret_rotated", after=_snapshot(sub))
    return sub, secret


def check_secret_usable(sub: WebhookSubscription, peppers: Sequence[str]) -> None:
    """409 `webhook_secret_unavailable` when the pepper the secret was derived under is
    no longer configured: every delivery would fail until the secret is rotated."""
    try:
        signing.pepper_for(sub, peppers)
    except signing.SecretUnavailableError as exc:
        raise ConflictError(str(exc), code="webhook_secret_unavailable") from None


async def stamp_pepper(session: AsyncSession, pepper: str) -> int:
    """Give subscriptions from before pepper ids the id of ``pepper`` (start-up)."""
    return await WebhookSecretRepository(session).stamp_pepper(pepper_id(pepper))


async def count_by_pepper(session: AsyncSession) -> dict[str | None, int]:
    """Live subscriptions (all workspaces) by the pepper id of their secret."""
    return await WebhookSecretRepository(session).count_live_by_pepper()


async def not_on_issuing(session: AsyncSession, issuing: str) -> Sequence[WebhookSubscription]:
    """Live subscriptions whose secret is not under the issuing pepper (to rotate)."""
    return await WebhookSecretRepository(session).live_not_on(pepper_id(issuing))


async def ping(
    session: AsyncSession,
    principal: Principal,
    sub_id: uuid.UUID,
    peppers: Sequence[str] | None = None,
) -> Delivery:
    """Queue a `webhook.ping` for this webhook only, through the outbox like any event
    (same worker, signing, retries and dead letters); its event filter does not apply.
    An inactive webhook is never sent to, so it is 409 rather than a ping that waits;
    so is one whose secret no pepper in ``peppers`` can derive any more."""
    sub = await get(session, principal, sub_id)
    if not sub.active:
        raise ConflictError(
            f"webhook {sub.id} is inactive: activate it first", code="webhook_inactive"
        )
    if peppers is not None:
        check_secret_usable(sub, peppers)
    now = utcnow()
    event = Event(
        id=uuid7(),
        workspace_id=sub.workspace_id,
        type=PING,
        schema_version=PAYLOAD_VERSION,
        subject_type="webhook",
        subject_id=str(sub.id),
        team_ids=[str(sub.team_id)] if sub.team_id else [],
        data={"webhook": {"id": str(sub.id), "team_id": str(sub.team_id) if sub.team_id else None}},
        request_id=current_request_id(),
        created_at=now,
    )
    delivery = Delivery(
        id=uuid7(),
        workspace_id=sub.workspace_id,
        event_id=event.id,
        subscription_id=sub.id,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    WebhookRepository(session).add_event(event, delivery)
    await _audit(
        session,
        principal,
        sub,
        "webhook.pinged",
        after={"delivery_id": str(delivery.id), "event_id": str(event.id)},
    )
    return delivery


async def _visible_subscription_ids(
    session: AsyncSession, principal: Principal
) -> list[uuid.UUID] | None:
    if principal.is_admin:
        return None
    subs = await list_webhooks(session, principal, after_id=None, limit=10_000)
    return [s.id for s in subs]


async def deliveries_of(
    session: AsyncSession,
    principal: Principal,
    sub_id: uuid.UUID,
    *,
    status: str | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> tuple[list[tuple[Delivery, str]], dict[uuid.UUID, list[DeliveryAttempt]]]:
    sub = await get(session, principal, sub_id)
    repo = WebhookRepository(session)
    rows = await repo.deliveries(
        principal.workspace_id,
        subscription_ids=[sub.id],
        status=status,
        after_id=after_id,
        limit=limit,
    )
    log: dict[uuid.UUID, list[DeliveryAttempt]] = {}
    for attempt in await repo.attempts([d.id for d, _ in rows]):
        log.setdefault(attempt.delivery_id, []).append(attempt)
    return rows, log


async def dead_letters(
    session: AsyncSession, principal: Principal, *, after_id: uuid.UUID | None, limit: int
) -> list[tuple[Delivery, str]]:
    visible = await _visible_subscription_ids(session, principal)
    rows = await WebhookRepository(session).deliveries(
        principal.workspace_id,
        subscription_ids=visible,
        status="dead",
        after_id=after_id,
        limit=limit,
    )
    return rows


async def replay(
    session: AsyncSession,
    principal: Principal,
    delivery_id: uuid.UUID,
    reason: str | None = None,
) -> tuple[Delivery, str]:
    """Send a dead letter again; ``reason`` (the web UI asks for one) goes to the audit."""
    repo = WebhookRepository(session)
    found = await repo.delivery(principal.workspace_id, delivery_id)
    if found is None or found[0].status != "dead":
        raise NotFoundError(f"no dead letter {delivery_id}", code="dead_letter_not_found")
    delivery = found[0]
    await get(session, principal, delivery.subscription_id)  # rights on its subscription
    await repo.requeue([delivery.id], utcnow())
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="dead_letter.replayed",
        entity_type="delivery",
        entity_id=delivery.id,
        after={
            "event_id": str(delivery.event_id),
            "subscription_id": str(delivery.subscription_id),
            **({"reason": reason} if reason else {}),
        },
    )
    await session.refresh(delivery)
    return delivery, found[1]


async def bulk_replay(
    session: AsyncSession, principal: Principal, data: BulkReplay
) -> list[uuid.UUID]:
    visible = await _visible_subscription_ids(session, principal)
    if data.subscription_id is not None:
        await get(session, principal, data.subscription_id)
        visible = [data.subscription_id]
    repo = WebhookRepository(session)
    rows = await repo.deliveries(
        principal.workspace_id,
        subscription_ids=visible,
        status="dead",
        event_type=data.event_type,
        since=data.since,
        after_id=None,
        limit=data.limit,
    )
    ids = [d.id for d, _ in rows]
    if ids:
        await repo.requeue(ids, utcnow())
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="dead_letter.bulk_replayed",
        entity_type="delivery",
        entity_id="bulk",
        after={
            "reason": data.reason,
            "count": len(ids),
            "delivery_ids": [str(i) for i in ids],
            "filters": data.model_dump(mode="json", exclude={"reason"}),
        },
    )
    return ids
