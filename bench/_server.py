"""Start and stop a real `accord serve` for benchmarks (loopback only)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import make_url

ACCORD = str(Path(sys.executable).parent / "accord")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def recreate_database(url: str) -> None:
    """A fresh, empty PostgreSQL database for one benchmark run."""
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres"
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


@contextmanager
def serving(proc: subprocess.Popen[bytes], base: str, what: str) -> Iterator[None]:
    """Wait until ``proc`` answers ``base``/healthz (30 s at most, and not after it
    exited); stop it by its pid when the block ends."""
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start") from None
                time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@contextmanager
def running_server(database_url: str | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield (base_url, env) of a fresh server; the process is stopped by its pid."""
    with running_server_process(database_url) as (base, env, _):
        yield base, env


@contextmanager
def running_server_process(
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    log: Path | None = None,
    *,
    workers: int = 1,
    fresh_database: bool = True,
) -> Iterator[tuple[str, dict[str, str], subprocess.Popen[bytes]]]:
    """Like `running_server`, also yielding the process (its pid, for RSS readings);
    with ``log``, the server's output (JSON log lines) goes to that file. ``workers`` > 1
    starts `accord serve --workers N`; ``fresh_database=False`` serves a PostgreSQL
    database as it is (one another server of this run made and still uses)."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
        env.update(
            ACCORD_DATA_DIR=str(Path(tmp) / "data"),
            ACCORD_LOG_LEVEL="warning",
            ACCORD_KEY_PEPPER="bench-pepper-0123456789abcdef0123456789",
        )
        env.update(extra_env or {})
        if database_url:
            env["ACCORD_DATABASE_URL"] = database_url
            if fresh_database:
                asyncio.run(recreate_database(database_url))
                subprocess.run([ACCORD, "db", "upgrade"], env=env, check=True, capture_output=True)
        sink = log.open("wb") if log is not None else subprocess.DEVNULL
        command = [ACCORD, "serve", "--port", str(port)]
        if workers != 1:
            command += ["--workers", str(workers)]
        proc = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
        base = f"http://127.0.0.1:{port}"
        try:
            with serving(proc, base, "server"):
                yield base, env, proc
        finally:
            if log is not None:
                sink.close()  # type: ignore[union-attr]


def bootstrap_admin(env: dict[str, str]) -> str:
    out = subprocess.run(
        [ACCORD, "admin", "bootstrap"], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
