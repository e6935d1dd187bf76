"""The manifests' processes, run as the manifests run them, on PostgreSQL: the migration
Job's command, then the API and the worker with the ConfigMap's settings and the secrets
as files in ACCORD_SECRETS_DIR, probed with the manifests' own probes (the API's httpGet
paths, the worker's exec command). The container image itself is built and run the same
way by hand (docs/deploy.md, "What was run"): CI has no container runtime.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import make_url

from tests.conftest import BACKEND, DEFAULT_PG
from tests.deploy import ACCORD, container, in_ci, manifests

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason="the PostgreSQL leg runs this"),
]
PG = make_url(os.environ.get("ACCORD_TEST_POSTGRES_URL", DEFAULT_PG))


async def _admin(*statements: str) -> None:
    url = PG.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def database() -> Iterator[str]:
    name = f"accord_deploy_{os.getpid()}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    try:
        asyncio.run(_admin(drop, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield PG.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(drop))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pod_env(tmp_path: Path, database_url: str, api_port: int) -> dict[str, str]:
    """The ConfigMap's settings, and the Secret's keys as files in ACCORD_SECRETS_DIR;
    only the address differs (loopback and a free port, not 0.0.0.0:8080 of a pod)."""
    config: dict[str, Any] = next(o for o in manifests() if o["kind"] == "ConfigMap")["data"]
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "ACCORD_DATABASE_URL").write_text(database_url + "\n")
    (secrets_dir / "ACCORD_KEY_PEPPER").write_text(secrets.token_urlsafe(32) + "\n")
    data = tmp_path / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.update({k: str(v) for k, v in config.items()})
    env.update(
        ACCORD_SECRETS_DIR=str(secrets_dir),
        ACCORD_HOST="127.0.0.1",
        ACCORD_PORT=str(api_port),
        ACCORD_DATA_DIR=str(data),
        HOME=str(data),
    )
    return env


def _stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as the kubelet sends it; the exit status."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
        raise


def _wait(check: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    pytest.fail(f"{what} within {seconds:.0f} s")


def test_job_then_api_and_worker_pass_their_probes(tmp_path: Path, database: str) -> None:
    api_port, health_port = _free_port(), _free_port()
    env = _pod_env(tmp_path, database, api_port)

    job = container("Job", "migration")
    done = subprocess.run(
        [ACCORD, *job["args"]], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "migrations applied" in done.stdout

    worker_spec = container("Deployment", "worker")
    args = list(worker_spec["args"])
    manifest_port = args[args.index("--health-port") + 1]
    args[args.index("--health-port") + 1] = str(health_port)
    probe = [
        part.replace(f":{manifest_port}/", f":{health_port}/")
        for part in worker_spec["livenessProbe"]["exec"]["command"]
    ]
    api_args = container("Deployment", "api")["args"]
    log_api, log_worker = (tmp_path / "api.log").open("wb"), (tmp_path / "worker.log").open("wb")
    api = subprocess.Popen([ACCORD, *api_args], env=env, stdout=log_api, stderr=log_api)
    worker = subprocess.Popen([ACCORD, *args], env=env, stdout=log_worker, stderr=log_worker)
    try:
        api_probes = container("Deployment", "api")
        base = f"http://127.0.0.1:{api_port}"

        def answers(path: str) -> bool:
            try:
                return httpx.get(base + path, timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(lambda: answers("/healthz"), "the API answered /healthz")
        for name in ("startupProbe", "livenessProbe", "readinessProbe"):
            path = api_probes[name]["httpGet"]["path"]
            assert answers(path), f"{name} {path}"
        ready = httpx.get(base + "/readyz", timeout=5).json()
        assert ready["status"] == "ok"
        assert ready["database"] == "ok"

        def probe_passes() -> bool:
            run = subprocess.run(probe, env=env, capture_output=True, timeout=10, check=False)
            return run.returncode == 0

        _wait(probe_passes, "the worker's liveness probe passed")
        # What the worker ServiceMonitor scrapes, on the port the worker Service names.
        scraped = httpx.get(f"http://127.0.0.1:{health_port}/metrics", timeout=10)
        assert scraped.status_code == 200
        assert "accord_worker_heartbeat_age_seconds" in scraped.text
    finally:
        api_code, worker_code = _stop(api), _stop(worker)
        log_api.close()
        log_worker.close()
    logs = (tmp_path / "api.log").read_text() + (tmp_path / "worker.log").read_text()
    # uvicorn re-raises SIGTERM once it has shut down gracefully (as PID 1 of a container,
    # where that signal is ignored, the process then exits 0)
    assert api_code in (0, -signal.SIGTERM), logs
    assert worker_code == 0, logs
    # With the worker stopped the same probe fails: it is not a probe that cannot fail.
    assert subprocess.run(probe, env=env, capture_output=True, timeout=10).returncode != 0
