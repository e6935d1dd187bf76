"""Acceptance 1 of issue 6: workers killed with SIGKILL mid-run lose nothing.

PostgreSQL: two `accord worker` processes; SQLite: one. 2,000 events fan out to two
subscriptions (4,000 deliveries) to a receiver on loopback; one worker is killed with
SIGKILL once a quarter has arrived, then restarted. Every (event, subscription) pair must
arrive at least once, and any duplicate carries the same webhook-id.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.db import session_scope
from accord.events import service as events
from accord.kit.ids import uuid7
from accord.models import Delivery, WebhookSubscription
from tests.conftest import BACKEND, PEPPER, admin_key_for
from tests.receiver import Receiver

EVENTS = 2000
ACCORD = str(Path(sys.executable).parent / "accord")


def _start_worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.update(
        ACCORD_DATABASE_URL=database_url,
        ACCORD_KEY_PEPPER=PEPPER,
        ACCORD_LOG_LEVEL="warning",
        ACCORD_WEBHOOK_ALLOW_PRIVATE="true",
        ACCORD_WORKER_LEASE_S="2",
        ACCORD_WEBHOOK_TIMEOUT_S="1",
        ACCORD_WORKER_POLL_INTERVAL_S="0.05",
        ACCORD_WORKER_BATCH_SIZE="50",
    )
    return subprocess.Popen(
        [ACCORD, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def _seed(sessionmaker: async_sessionmaker[AsyncSession], receiver: Receiver) -> None:
    workspace_id, _ = await admin_key_for(sessionmaker, "crash")
    async with session_scope(sessionmaker) as session:
        for path in ("a", "b"):
            session.add(
                WebhookSubscription(
                    id=uuid7(),
                    workspace_id=workspace_id,
                    url=f"http://127.0.0.1:{receiver.port}/{path}",
                    event_types=[],
                    scope="all",
                    payload_format="standard",
                    active=True,
                    description="",
                    secret_nonce="n",
                )
            )
        await session.flush()
    for start in range(0, EVENTS, 500):
        async with session_scope(sessionmaker) as session:
            for i in range(start, start + 500):
                await events.emit(
                    session,
                    workspace_id=workspace_id,
                    type="asset.updated",
                    subject_type="asset",
                    subject_id=uuid.uuid4(),
                    data={"n": i},
                    teams=[],
                )


async def _pending(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with session_scope(sessionmaker) as session:
        stmt = select(func.count()).select_from(Delivery).where(Delivery.status != "delivered")
        return int((await session.execute(stmt)).scalar_one())


@pytest.mark.slow
async def test_sigkill_mid_run_loses_nothing(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with Receiver() as receiver:
        await _seed(sessionmaker, receiver)
        count = 2 if BACKEND == "postgresql" else 1
        workers = [_start_worker(database_url) for _ in range(count)]
        try:
            deadline = asyncio.get_running_loop().time() + 60
            while len(receiver.received) < EVENTS * 2 // 4:
                assert asyncio.get_running_loop().time() < deadline, "too slow to start"
                await asyncio.sleep(0.02)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            killed_at = len(receiver.received)
            workers[0] = _start_worker(database_url)
            deadline = asyncio.get_running_loop().time() + 120
            while await _pending(sessionmaker):
                assert asyncio.get_running_loop().time() < deadline, "deliveries were lost"
                await asyncio.sleep(0.25)
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(timeout=20)
    assert killed_at < EVENTS * 2, "the kill happened after everything was delivered"
    pairs = Counter((r.path, r.headers["webhook-id"]) for r in receiver.received)
    assert len(pairs) == EVENTS * 2, "an (event, subscription) pair never arrived"
    by_path = Counter(path for path, _ in pairs)
    assert by_path == {"/a": EVENTS, "/b": EVENTS}
    # Duplicates (sent by the killed worker, then re-sent after its lease expired) are
    # the same message: same webhook-id, same body.
    bodies: dict[tuple[str, str], bytes] = {}
    for r in receiver.received:
        key = (r.path, r.headers["webhook-id"])
        assert bodies.setdefault(key, r.body) == r.body
