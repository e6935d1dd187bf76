"""Webhook delivery throughput and event-to-delivery lag, one worker on PostgreSQL.

    .venv/bin/python -m bench.webhooks [--postgres URL] [--events 5000] [--rate 200]

Phase 1 (throughput): N events are queued for one subscription, then one `accord worker`
process starts; deliveries/s = N / time until the receiver has them all.
Phase 2 (lag): with the worker idle, events are emitted at --rate per second for
--seconds; lag = receive time - event time (occurred_at), p50/p95.
The receiver is a minimal ASGI app under uvicorn in this process, on loopback.
Targets (issue 6): >= 500 deliveries/s, p95 lag < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import orjson
from pydantic import SecretStr
from tests.receiver import Receiver

from accord.config import Settings
from accord.db import create_engine, create_sessionmaker, session_scope
from accord.events import service as events
from accord.kit.ids import uuid7
from accord.migrate import upgrade
from accord.models import WebhookSubscription
from accord.workspace import service as workspace_service
from bench._server import percentile, recreate_database

ACCORD = str(Path(sys.executable).parent / "accord")
PEPPER = "bench-pepper-0123456789abcdef0123456789"


async def main(args: argparse.Namespace) -> None:
    url = args.postgres
    await recreate_database(url)
    settings = Settings(database_url=url, key_pepper=SecretStr(PEPPER), log_level="error")
    engine = create_engine(settings)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    async with Receiver() as receiver:
        async with session_scope(sessionmaker) as session:
            ws, _ = await workspace_service.get_or_create(session, "bench")
            session.add(
                WebhookSubscription(
                    id=uuid7(), workspace_id=ws.id, url=receiver.url, event_types=[],
                    scope="all", payload_format="standard", active=True, description="",
                    secret_nonce="n",
                )
            )  # fmt: skip

        async def emit(n: int) -> None:
            async with session_scope(sessionmaker) as session:
                for i in range(n):
                    await events.emit(
                        session, workspace_id=ws.id, type="asset.updated",
                        subject_type="asset", subject_id=uuid.uuid4(), data={"i": i}, teams=[],
                    )  # fmt: skip

        for _ in range(args.events // 500):
            await emit(500)
        # ACCORD_WORKER_* from the caller's environment pass through (tuning runs).
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ACCORD_") or k.startswith("ACCORD_WORKER_")
        }
        env.update(
            ACCORD_DATABASE_URL=url, ACCORD_KEY_PEPPER=PEPPER, ACCORD_LOG_LEVEL="error",
            ACCORD_WEBHOOK_ALLOW_PRIVATE="true",
        )  # fmt: skip
        started = time.perf_counter()
        worker = subprocess.Popen([ACCORD, "worker"], env=env, stderr=subprocess.DEVNULL)
        try:
            while len(receiver.received) < args.events:
                await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - started
            print("accord webhooks, one worker process, PostgreSQL, receiver on loopback")
            print(
                f"  throughput: {args.events} deliveries in {elapsed:.2f} s = "
                f"{args.events / elapsed:.0f} deliveries/s (includes worker start-up)"
            )
            receiver.received.clear()
            total = int(args.rate * args.seconds)
            for _ in range(int(args.seconds * 10)):
                tick = time.perf_counter()
                await emit(int(args.rate / 10))
                await asyncio.sleep(max(0.0, 0.1 - (time.perf_counter() - tick)))
            deadline = time.perf_counter() + 30
            while len(receiver.received) < total and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
            lags = [
                (got.at - datetime.fromisoformat(orjson.loads(got.body)["occurred_at"]).timestamp())
                * 1000
                for got in receiver.received
            ]
            print(
                f"  lag at {args.rate:.0f}/s for {args.seconds:.0f} s: n={len(lags)} of {total} "
                f"p50={percentile(lags, 50):.0f} ms p95={percentile(lags, 95):.0f} ms"
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/accord_bench_webhooks"
    )
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    asyncio.run(main(parser.parse_args()))
