"""Cache invalidations relayed to every process through Redis pub/sub (issue 21).

Without it, an announcement (kit/invalidation.py) empties the caches of its own process
at once and the others' within their TTL. With ``ACCORD_REDIS_URL`` set, each API
process runs a `RedisInvalidationBus`: it publishes the process's announcements on
``<prefix>:invalidate`` (the rate limiter's key prefix) and applies the other processes'
as they arrive, so a key revoked through one process is refused by all of them at once.

Redis is a shortcut, never a dependency: publishing happens in a background task (the
request that announced never waits), with the limiter's short timeouts; a message is
dropped when Redis does not answer; the subscriber reconnects with backoff. While Redis
is away, the TTLs are the bound, as without it. One warning per outage, one line when
Redis answers again. A message carries the id of the process that sent it, so a process
ignores its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from accord.kit import invalidation

if TYPE_CHECKING:
    from accord.config import Settings

_QUEUE_MAX = 1024  # announcements waiting to go out; beyond that dropped (TTL bound)
_KEEPALIVE_S = 5.0  # an idle subscription PINGs this often; no answer as long: reconnect


class RedisInvalidationBus:
    def __init__(
        self,
        url: str,
        prefix: str,
        timeout_s: float,
        *,
        topics: invalidation.Topics = invalidation.PROCESS,
        backoff_s: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self.channel = f"{prefix}:invalidate"
        self.origin = uuid.uuid4().hex
        self._url = url
        self._timeout_s = timeout_s
        self._topics = topics
        self._backoff_s = backoff_s
        self._pool = self._new_pool()
        self._queue: asyncio.Queue[str] = asyncio.Queue(_QUEUE_MAX)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unlisten: Callable[[], None] | None = None
        self._delay = backoff_s[0]
        self._failing = False
        self.subscribed = asyncio.Event()  # set while the subscription is live (tests)

    def _new_pool(self, **options: str) -> ConnectionPool:
        return ConnectionPool.from_url(
            self._url,
            socket_connect_timeout=self._timeout_s,
            socket_timeout=self._timeout_s,
            retry=Retry(NoBackoff(), 0),
            **options,
        )

    def start(self) -> None:
        """Begin relaying (on the running event loop)."""
        self._loop = asyncio.get_running_loop()
        self._unlisten = self._topics.listen(self._announced)
        self._tasks = [
            asyncio.create_task(self._publish_loop(), name="invalidation-publish"),
            asyncio.create_task(self._subscribe_loop(), name="invalidation-subscribe"),
        ]

    async def stop(self) -> None:
        """Stop listening, give what is queued one timeout to go out, then cancel."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._tasks and not self._failing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), self._timeout_s)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        with contextlib.suppress(Exception):  # never fails shutdown
            await self._pool.aclose()

    def _announced(self, topic: str) -> None:
        """A local announcement (from any thread): queue it, never wait."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._enqueue(topic)
        else:
            loop.call_soon_threadsafe(self._enqueue, topic)

    def _enqueue(self, topic: str) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(topic)

    async def _publish_loop(self) -> None:
        redis = Redis(connection_pool=self._pool)
        while True:
            topic = await self._queue.get()
            try:
                message = json.dumps({"origin": self.origin, "topic": topic})
                await redis.publish(self.channel, message)
            except Exception as exc:  # dropped: the other processes' TTL is the bound
                self._trouble(exc)
            else:
                self._answered()
            finally:
                self._queue.task_done()

    async def _subscribe_loop(self) -> None:
        while True:
            try:
                await self._subscribe_once()
            except Exception as exc:  # Redis went away (or never came): retry later
                self._trouble(exc)
            await asyncio.sleep(self._delay)
            self._delay = min(self._delay * 2, self._backoff_s[1])

    async def _subscribe_once(self) -> None:
        """Subscribe, then apply what arrives until the connection fails."""
        loop = asyncio.get_running_loop()
        # Its own connection (a subscription holds it), named for CLIENT LIST / CLIENT KILL.
        pool = self._new_pool(client_name=f"accord-invalidate-{self.origin}")
        pubsub = Redis(connection_pool=pool).pubsub()
        try:
            await pubsub.subscribe(self.channel)
            heard = loop.time()
            pinged: float | None = None
            while True:
                found = await pubsub.get_message(timeout=1.0)
                now = loop.time()
                if found is not None:
                    heard, pinged = now, None
                    kind = found["type"]
                    if kind == "subscribe":
                        self._delay = self._backoff_s[0]
                        self.subscribed.set()
                        self._answered()
                    elif kind == "message":
                        self._received(found["data"])
                elif pinged is not None and now - pinged > _KEEPALIVE_S:
                    raise ConnectionError("Redis did not answer PING on the subscription")
                elif pinged is None and now - heard > _KEEPALIVE_S:
                    await pubsub.ping()
                    pinged = now
        finally:
            self.subscribed.clear()
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            with contextlib.suppress(Exception):
                await pool.aclose()

    def _received(self, data: object) -> None:
        try:
            message = json.loads(data) if isinstance(data, str | bytes) else None
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        topic = message.get("topic")
        if message.get("origin") != self.origin and isinstance(topic, str):
            self._topics.apply(topic)

    def _trouble(self, exc: BaseException) -> None:
        if not self._failing:
            self._failing = True
            structlog.get_logger("accord.invalidation").warning(
                "invalidation_bus_unavailable",
                error=f"{type(exc).__name__}: {exc}"[:300],
                action="other processes' caches expire within their TTL until Redis answers",
            )

    def _answered(self) -> None:
        if self._failing:
            self._failing = False
            structlog.get_logger("accord.invalidation").info("invalidation_bus_recovered")


def start(settings: Settings) -> RedisInvalidationBus | None:
    """The bus of this process, running, when ``ACCORD_REDIS_URL`` is set; else None."""
    from accord.ratelimit.policy import RateLimitConfig  # the limiter's prefix and timeout

    config = RateLimitConfig.from_settings(settings)
    if config.redis_url is None:
        return None
    bus = RedisInvalidationBus(config.redis_url, config.key_prefix, config.redis_timeout_s)
    bus.start()
    return bus
