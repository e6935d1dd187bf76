"""The worker loop: claim a batch, deliver it concurrently, record every result.

Several workers may run against PostgreSQL; `accord serve` runs one in-process on the
embedded default. Scheduled tasks (proposal expiry, idempotency purge) use the same lease
machinery, so exactly one worker runs each task per period.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.config import Settings
from accord.db import session_scope
from accord.kit.clock import utcnow
from accord.models import DeliveryAttempt, Event, WebhookSubscription
from accord.webhook import payloads, signing
from accord.webhook.ssrf import VettingResolver
from accord.worker.repository import Claimed, WorkerRepository
from accord.worker.retry import Backoff, Outcome, classify, retry_after_seconds
from accord.worker.sender import ErrorClass, SendResult, WebhookClient, new_client, send

log = structlog.get_logger("accord.worker")

Task = Callable[[AsyncSession], Awaitable[object]]


@dataclass
class Stats:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    stale: int = 0
    batches: int = 0


@dataclass
class Worker:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    tasks: dict[str, tuple[float, Task]] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)
    # The resolver deliveries connect through; by default the system's DNS vetted by
    # ACCORD_WEBHOOK_ALLOW_PRIVATE (tests give one with a scripted DNS underneath).
    vetting: VettingResolver | None = None

    def __post_init__(self) -> None:
        self._stop = asyncio.Event()
        s = self.settings
        self.backoff = Backoff(
            s.webhook_backoff_base_s, s.webhook_backoff_max_s, s.webhook_retry_horizon_s
        )
        self.lease = timedelta(seconds=s.worker_lease_s)
        self._limit = asyncio.Semaphore(s.worker_concurrency)
        self._token = ""

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def pepper(self) -> str:
        return self.settings.key_pepper.get_secret_value()

    async def run(self) -> None:
        """Until `stop()`: deliver what is due, run scheduled tasks, idle briefly."""
        next_schedule_check = 0.0
        async with self.http() as client:
            while not self._stop.is_set():
                if time.monotonic() >= next_schedule_check:
                    # Task periods are minutes; looking once a second is plenty.
                    await self.run_scheduled()
                    next_schedule_check = time.monotonic() + 1.0
                busy = await self.run_once(client)
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._stop.wait(), timeout=self.settings.worker_poll_interval_s
                        )

    def http(self) -> WebhookClient:
        """The HTTP client deliveries go through (one per worker run)."""
        vetting = self.vetting or VettingResolver(allow_private=self.settings.webhook_allow_private)
        s = self.settings
        return new_client(s.worker_concurrency, s.webhook_timeout_s, vetting)

    async def run_once(self, client: WebhookClient) -> int:
        """One batch; returns how many deliveries it handled."""
        self._token = str(uuid.uuid4())
        now = utcnow()
        async with session_scope(self.sessionmaker, write=False) as session:
            if not await WorkerRepository(session).any_due(now):
                return 0
        async with session_scope(self.sessionmaker) as session:
            repo = WorkerRepository(session)
            claimed = await repo.claim(
                self._token, now, self.lease, self.settings.worker_batch_size
            )
            if not claimed:
                return 0
            events = await repo.events([c.event_id for c in claimed])
            subs = await repo.subscriptions([c.subscription_id for c in claimed])
        results = await asyncio.gather(
            *(
                self._deliver(client, c, events[c.event_id], subs[c.subscription_id])
                for c in claimed
            )
        )
        await self._record(claimed, results, self._token)
        self.stats.batches += 1
        return len(claimed)

    async def _deliver(
        self,
        client: WebhookClient,
        claimed: Claimed,
        event: Event,
        sub: WebhookSubscription,
    ) -> SendResult:
        if not sub.active or sub.deleted_at is not None:
            return SendResult(
                None, "subscription inactive or deleted", 0,
                permanent=True, error_class=ErrorClass.subscription_inactive,
            )  # fmt: skip
        async with self._limit:
            return await send(
                client,
                sub.url,
                msg_id=str(event.id),
                body=payloads.body(event, sub.payload_format),
                secret=signing.secret_bytes(self.pepper, sub.id, sub.secret_nonce),
                timestamp=int(time.time()),
            )

    def _next(self, claimed: Claimed, result: SendResult) -> tuple[str, timedelta | None]:
        outcome = Outcome.permanent if result.permanent else classify(result.status_code)
        if outcome is Outcome.delivered:
            return "delivered", None
        if outcome is Outcome.permanent or claimed.attempts >= self.backoff.max_attempts:
            return "dead", None
        delay = self.backoff.delay(claimed.attempts)
        hinted = retry_after_seconds(result.retry_after, utcnow())
        if hinted is not None and result.status_code in (429, 503):
            delay = min(max(delay, hinted), self.settings.webhook_retry_horizon_s)
        return "pending", timedelta(seconds=delay)

    async def _record(self, claimed: list[Claimed], results: list[SendResult], token: str) -> None:
        now = utcnow()
        async with session_scope(self.sessionmaker) as session:
            repo = WorkerRepository(session)
            ours = await repo.still_ours([c.id for c in claimed], token)
            rows: list[dict[str, object]] = []
            for c, result in zip(claimed, results, strict=True):
                if c.id not in ours:
                    # Our lease expired and another worker took the delivery over: its
                    # result wins; ours is refused.
                    self.stats.stale += 1
                    log.warning("stale_lease_result_refused", delivery_id=str(c.id))
                    continue
                status, delay = self._next(c, result)
                rows.append(
                    {
                        "b_id": c.id,
                        "b_status": status,
                        "b_code": result.status_code,
                        "b_error": result.error,
                        "b_error_class": result.error_class,
                        "b_latency": result.latency_ms,
                        # Rows that are not retried keep a due time in the past; harmless.
                        "b_next": now + delay if delay is not None else now,
                        "b_delivered": now if status == "delivered" else None,
                        "b_dead": now if status == "dead" else None,
                    }
                )
                await repo.log_attempt(
                    DeliveryAttempt(
                        delivery_id=c.id,
                        attempt=c.attempts,
                        started_at=now - timedelta(milliseconds=result.latency_ms),
                        status_code=result.status_code,
                        outcome=status,
                        error=result.error,
                        error_class=result.error_class,
                        latency_ms=result.latency_ms,
                    )
                )
                counter = {"delivered": "delivered", "dead": "dead"}.get(status, "retried")
                setattr(self.stats, counter, getattr(self.stats, counter) + 1)
            await repo.finish_many(rows)

    async def release(self) -> int:
        """Hand back whatever this worker still holds (used on forced shutdown)."""
        if not self._token:
            return 0
        async with session_scope(self.sessionmaker) as session:
            return await WorkerRepository(session).release(self._token)

    async def run_scheduled(self) -> None:
        for name, (interval, task) in self.tasks.items():
            token, now = str(uuid.uuid4()), utcnow()
            async with session_scope(self.sessionmaker) as session:
                repo = WorkerRepository(session)
                await repo.ensure_task(name, now)
                claimed = await repo.claim_task(name, token, now, self.lease)
            if not claimed:
                continue
            error = None
            try:
                async with session_scope(self.sessionmaker) as session:
                    await task(session)
            except Exception as exc:  # keep the worker alive; the task retries next period
                error = f"{type(exc).__name__}: {exc}"[:500]
                log.exception("scheduled_task_failed", task=name)
            async with session_scope(self.sessionmaker) as session:
                await WorkerRepository(session).finish_task(
                    name, token, utcnow(), utcnow() + timedelta(seconds=interval), error
                )
