"""The transactional outbox: `emit` writes the event and its deliveries with the
caller's session, so a rolled-back change emits nothing (product invariant 6)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.events.catalog import EVENT_TYPES, PAYLOAD_VERSION, matches
from accord.events.repository import EventRepository
from accord.kit.clock import utcnow
from accord.kit.context import current_request_id
from accord.kit.ids import uuid7
from accord.models import Delivery, Event, WebhookSubscription

_CACHE_KEY = "accord.events.subscriptions"


async def _subscriptions(
    session: AsyncSession, repo: EventRepository, workspace_id: uuid.UUID
) -> Sequence[WebhookSubscription]:
    """Active subscriptions, looked up once per transaction (a request may emit many)."""
    cache: dict[uuid.UUID, Sequence[WebhookSubscription]] = session.info.setdefault(_CACHE_KEY, {})
    if workspace_id not in cache:
        cache[workspace_id] = await repo.active_subscriptions(workspace_id)
    return cache[workspace_id]


async def prefetch_subscriptions(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Read what `emit` will need now, while the caller waits on something else (a
    publish, on the engine); the same transaction's `emit` then reads nothing."""
    await _subscriptions(session, EventRepository(session), workspace_id)


def forget_subscriptions(session: AsyncSession) -> None:
    """Call after changing subscriptions in a transaction that may still emit."""
    session.info.pop(_CACHE_KEY, None)


def wants(sub: WebhookSubscription, event: Event) -> bool:
    """Does this subscription receive this event?

    Teams get what concerns them (their assets, their registrations, proposals they must
    answer: the event's `team_ids`) unless the subscription asks for everything
    (`scope=all`); workspace subscriptions (no team) get everything.
    """
    if sub.event_types and not any(matches(p, event.type) for p in sub.event_types):
        return False
    if sub.team_id is None or sub.scope == "all":
        return True
    return str(sub.team_id) in event.team_ids


async def emit(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    type: str,
    subject_type: str,
    subject_id: uuid.UUID | str,
    data: dict[str, Any],
    teams: Iterable[uuid.UUID | str | None],
) -> Event:
    if type not in EVENT_TYPES:  # a programming error, not user input
        raise ValueError(f"unknown event type {type}")
    now = utcnow()
    event = Event(
        id=uuid7(),
        workspace_id=workspace_id,
        type=type,
        schema_version=PAYLOAD_VERSION,
        subject_type=subject_type,
        subject_id=str(subject_id),
        team_ids=sorted({str(t) for t in teams if t is not None}),
        data=data,
        request_id=current_request_id(),
        created_at=now,
    )
    repo = EventRepository(session)
    subs = await _subscriptions(session, repo, workspace_id)
    deliveries = [
        Delivery(
            id=uuid7(),
            workspace_id=workspace_id,
            event_id=event.id,
            subscription_id=sub.id,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for sub in subs
        if wants(sub, event)
    ]
    await repo.insert(event, deliveries)
    return event


def envelope(event: Event) -> dict[str, Any]:
    """The standard-format body of a delivery."""
    return {
        "id": str(event.id),
        "type": event.type,
        "version": event.schema_version,
        "occurred_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "workspace_id": str(event.workspace_id),
        "data": event.data,
    }
