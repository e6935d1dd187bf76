"""The worker loop: claim a batch, deliver it concurrently, record every result.

Several workers may run against PostgreSQL; `accord serve` runs one in-process on the
embedded default. Scheduled tasks (proposal expiry, idempotency purge, retention) use the
same lease machinery, so exactly one worker runs each task per period.

The loop survives anything an iteration raises: the error is logged with its context and
the next iteration waits a jittered, growing backoff (database trouble is expected to
pass: a restart, a failover, a long write). Only `WorkerFatalError`, or the same
non-database error MAX_FAILURES iterations in a row, stops it; `run` then raises so `accord worker`
exits non-zero and `/readyz` of `accord serve` reports the worker down. `health` is the
heartbeat both show. While a batch is in flight a companion task extends its leases, so
no lease expires under a live worker; each delivery also has a hard deadline
(`webhook_timeout_s`, DNS and redirects included).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.config import Settings
from accord.db import session_scope
from accord.exceptions import DatabaseTroubleError
from accord.kit.clock import utcnow
from accord.kit.dberrors import classify_connect
from accord.models import DeliveryAttempt, Event, WebhookSubscription
from accord.telemetry import metrics_worker
from accord.webhook import payloads, signing
from accord.webhook.ssrf import VettingResolver
from accord.worker.repository import Claimed, WorkerRepository
from accord.worker.retry import Backoff, Outcome, classify, retry_after_seconds
from accord.worker.sender import ErrorClass, SendResult, WebhookClient, new_client, send

log = structlog.get_logger("accord.worker")

Task = Callable[[AsyncSession], Awaitable[object]]


MAX_FAILURES = 5  # the same non-database error this many iterations in a row: stop


class WorkerFatalError(RuntimeError):
    """The worker cannot go on (e.g. it failed the same way MAX_FAILURES times)."""


@dataclass
class Health:
    """The worker's heartbeat: when its loop last came round, and how it is failing."""

    started_at: float = field(default_factory=time.monotonic)
    beat_at: float = field(default_factory=time.monotonic)
    ok_at: float | None = None
    failures: int = 0  # consecutive failed iterations
    failures_total: int = 0
    last_error: str | None = None
    stopped: str | None = None  # why the worker stopped for good

    def snapshot(self, stale_after_s: float) -> dict[str, object]:
        now = time.monotonic()
        alive = self.stopped is None and now - self.beat_at <= stale_after_s
        return {
            "status": "ok" if alive and self.failures == 0 else "failing" if alive else "down",
            "seconds_since_beat": round(now - self.beat_at, 3),
            "seconds_since_success": None if self.ok_at is None else round(now - self.ok_at, 3),
            "consecutive_failures": self.failures,
            "failures_total": self.failures_total,
            "last_error": self.last_error,
            "stopped": self.stopped,
        }

    def alive(self, stale_after_s: float) -> bool:
        return self.stopped is None and time.monotonic() - self.beat_at <= stale_after_s


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

    health: Health = field(default_factory=Health)

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

    @property
    def stale_after_s(self) -> float:
        """A loop that has not come round for this long is stuck (a batch takes at most
        the worst-case batch time, which the settings keep under the lease)."""
        return self.settings.worker_lease_s + 2 * self.settings.worker_poll_interval_s + 5

    async def run(self) -> None:
        """Until `stop()`: deliver what is due, run scheduled tasks, idle briefly.

        Raises `WorkerFatalError` when it must stop for good (see the module docstring)."""
        next_schedule_check = 0.0
        same_error: tuple[str, int] = ("", 0)
        async with self.http() as client:
            while not self._stop.is_set():
                busy = 0
                try:
                    if time.monotonic() >= next_schedule_check:
                        # Task periods are minutes; looking once a second is plenty.
                        await self.run_scheduled()
                        next_schedule_check = time.monotonic() + 1.0
                    busy = await self.run_once(client)
                except Exception as exc:
                    same_error = self._failed(exc, same_error)
                    await self._pause(self._failure_delay())
                    continue
                self.health.beat_at = self.health.ok_at = time.monotonic()
                metrics_worker.beat()
                if self.health.failures:
                    log.info("worker_recovered", after_failures=self.health.failures)
                self.health.failures, same_error = 0, ("", 0)
                if not busy:
                    await self._pause(self.settings.worker_poll_interval_s)

    def _failed(self, exc: Exception, same: tuple[str, int]) -> tuple[str, int]:
        h = self.health
        h.beat_at = time.monotonic()
        metrics_worker.beat()  # failing, but alive: the same rule as `Health`
        h.failures += 1
        h.failures_total += 1
        h.last_error = f"{type(exc).__name__}: {exc}"[:300]
        database = isinstance(exc, DatabaseTroubleError) or classify_connect(exc) is not None
        log.warning(
            "worker_iteration_failed",
            error=h.last_error,
            database=database,
            consecutive_failures=h.failures,
            exc_info=not database,
        )
        if database:
            return ("", 0)
        kind = type(exc).__name__
        count = same[1] + 1 if same[0] == kind else 1
        if count >= MAX_FAILURES or isinstance(exc, WorkerFatalError):
            h.stopped = f"{kind} in {count} iterations in a row: {h.last_error}"
            log.error("worker_stopped_failing", reason=h.stopped)
            raise WorkerFatalError(h.stopped) from exc
        return (kind, count)

    def _failure_delay(self) -> float:
        """Jittered backoff: 0.5 s doubling to 5 s, so a database coming back is noticed
        within seconds and a crowd of workers does not reconnect in step."""
        raw = min(5.0, 0.5 * 2 ** min(self.health.failures - 1, 6))
        return float(raw * random.uniform(0.5, 1.0))

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

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
        keeper = asyncio.create_task(self._keep_leases(self._token))
        try:
            results = await asyncio.gather(
                *(
                    self._deliver(client, c, events[c.event_id], subs[c.subscription_id])
                    for c in claimed
                )
            )
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        await self._record_patiently(claimed, results, self._token)
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
        try:
            secret = signing.secret_for_subscription(sub, self.settings.all_peppers)
        except signing.SecretUnavailableError as exc:
            return SendResult(
                None, str(exc), 0,
                permanent=True, error_class=ErrorClass.secret_unavailable,
            )  # fmt: skip
        async with self._limit:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.settings.webhook_timeout_s):
                    return await send(
                        client,
                        sub.url,
                        msg_id=str(event.id),
                        body=payloads.body(event, sub.payload_format),
                        secret=secret,
                        timestamp=int(time.time()),
                        traceparent=event.traceparent,
                        request_id=event.request_id,
                    )
            except TimeoutError:  # the whole delivery's deadline (DNS, redirects included)
                elapsed = int((time.perf_counter() - started) * 1000)
                return SendResult(None, "timeout", elapsed, error_class=ErrorClass.timeout)

    async def _keep_leases(self, token: str) -> None:
        """While a batch is in flight, push its leases forward every third of a lease."""
        period = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            try:
                async with session_scope(self.sessionmaker) as session:
                    await WorkerRepository(session).extend(token, utcnow(), self.lease)
            except Exception as exc:  # the next beat tries again; results are guarded
                log.warning("lease_extension_failed", error=f"{type(exc).__name__}: {exc}")

    async def _record_patiently(
        self, claimed: list[Claimed], results: list[SendResult], token: str
    ) -> None:
        """Record the results, retrying through database trouble for up to a lease: the
        receivers already have them, and a result lost here means a second delivery."""
        deadline = time.monotonic() + self.lease.total_seconds()
        delay = 0.25
        while True:
            try:
                await self._record(claimed, results, token)
                return
            except DatabaseTroubleError as exc:
                if time.monotonic() + delay > deadline or self._stop.is_set():
                    raise
                log.warning("record_retry", error=exc.detail, deliveries=len(claimed))
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, 5.0)

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
            outcomes: list[str] = []
            for c, result in zip(claimed, results, strict=True):
                if c.id not in ours:
                    # Our lease expired and another worker took the delivery over: its
                    # result wins; ours is refused.
                    self.stats.stale += 1
                    outcomes.append("stale")
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
                outcomes.append(counter)
            await repo.finish_many(rows)
        for outcome in outcomes:  # counted once committed: a retried record counts once
            metrics_worker.recorded(outcome)

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
