"""The logs of a real `accord serve` and `accord worker`, read from their stderr after a
run with errors: a refused body (422), a refused key (401), a missing object (404), a
request uvicorn itself rejects, and a webhook whose receiver is down so its deliveries
fail in the worker. Every line is a JSON object; lines a request caused carry its
request id and trace id, the worker's delivery failures included."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.cli.test_server_commands import ACCORD
from tests.conftest import PEPPER, admin_key_for
from tests.receiver import free_port
from tests.telemetry.tracing_helpers import traceparent


@dataclass
class Process:
    """A started `accord` command whose stdout and stderr go to files."""

    proc: subprocess.Popen[bytes]
    out: Path
    err: Path

    def lines(self) -> list[dict[str, Any]]:
        """Every stderr line, parsed; one that is not a JSON object fails the test."""
        parsed = []
        for line in self.err.read_text().splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                pytest.fail(f"not a JSON line in {self.err.name}: {line!r}")
            assert isinstance(value, dict), line
            parsed.append(value)
        return parsed

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _start(tmp: Path, name: str, args: list[str], env: dict[str, str]) -> Process:
    out, err = tmp / f"{name}.out", tmp / f"{name}.err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([ACCORD, *args], env=env, stdout=o, stderr=e)
    return Process(proc, out, err)


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.update(
        ACCORD_DATABASE_URL=database_url,
        ACCORD_KEY_PEPPER=PEPPER,
        ACCORD_ENVIRONMENT="test",
        ACCORD_LOG_LEVEL="info",
        ACCORD_LOG_FORMAT="json",
        ACCORD_WORKER_IN_PROCESS="false",  # the worker runs as its own process
        ACCORD_WEBHOOK_ALLOW_PRIVATE="true",
        ACCORD_RATE_LIMIT_ENABLED="false",
        ACCORD_WORKER_POLL_INTERVAL_S="0.1",
        ACCORD_WEBHOOK_BACKOFF_BASE_S="0.2",
    )
    return env


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for p in started:
        p.stop()


def _wait_ready(url: str, server: Process) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.proc.poll() is None, server.err.read_text()
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "accord serve did not become ready"
        time.sleep(0.2)


def _wait_for(proc: Process, event: str) -> None:
    deadline = time.monotonic() + 60
    while not any(f'"event":"{event}"' in line for line in proc.err.read_text().splitlines()):
        assert proc.proc.poll() is None, proc.err.read_text()
        assert time.monotonic() < deadline, f"no {event} in {proc.err.name}"
        time.sleep(0.2)


def _garbage(port: int) -> None:
    """Bytes that are not HTTP: uvicorn answers 400 and logs a warning of its own."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"\x16\x03\x01 this is not http\r\n\r\n")
        s.recv(1024)


async def test_server_and_worker_write_only_json_lines_with_request_and_trace_ids(
    tmp_path: Path,
    database_url: str,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    processes: list[Process],
) -> None:
    # The workspace exists: no first-run banner (the one plain-text message, ADR 0034).
    _, raw = await admin_key_for(sessionmaker, "default")
    admin = {"Authorization": f"Bearer {raw}"}
    env, port = _env(database_url), free_port()
    url = f"http://127.0.0.1:{port}"
    server = _start(tmp_path, "serve", ["serve", "--port", str(port)], env)
    processes.append(server)
    _wait_ready(url, server)
    worker = _start(tmp_path, "worker", ["worker"], env)
    processes.append(worker)

    ping_tp, ping_trace, _ = traceparent()
    bad_tp, bad_trace, _ = traceparent(sampled=False)
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        down = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
        hook = await http.post("/api/v1/webhooks", json={"url": down}, headers=admin)
        assert hook.status_code == 201, hook.text
        ping = await http.post(
            f"/api/v1/webhooks/{hook.json()['id']}/ping",
            headers={**admin, "traceparent": ping_tp, "X-Request-ID": "ping-1"},
        )
        assert ping.status_code == 202, ping.text
        refused = await http.post(
            "/api/v1/teams",
            json={"bogus": True},
            headers={**admin, "traceparent": bad_tp, "X-Request-ID": "bad-body-1"},
        )
        assert refused.status_code == 422
        unknown = await http.get("/api/v1/me", headers={"Authorization": "Bearer acd_nope"})
        assert unknown.status_code == 401
        missing = await http.get(f"/api/v1/teams/{uuid.uuid4()}", headers=admin)
        assert missing.status_code == 404
    _garbage(port)
    _wait_for(worker, "webhook_delivery_failed")
    worker.stop()
    server.stop()

    served, worked = server.lines(), worker.lines()
    assert (server.out.read_text(), worker.out.read_text()) == ("", "")  # stdout stays clean
    access = [x for x in served if x.get("event") == "request"]
    assert len(access) >= 6  # readiness probes, the five calls above
    for line in access:
        assert line["request_id"]
        assert (len(line["trace_id"]), len(line["span_id"])) == (32, 16)
    by_id = {x["request_id"]: x for x in access}
    assert (by_id["ping-1"]["status"], by_id["ping-1"]["trace_id"]) == (202, ping_trace)
    assert (by_id["bad-body-1"]["status"], by_id["bad-body-1"]["trace_id"]) == (422, bad_trace)
    assert {401, 404} <= {x["status"] for x in access}
    # a line logged inside a request (the refused key's reason) carries its ids too
    [rejected] = [x for x in served if x.get("event") == "api_key_rejected"]
    [refusal] = [x for x in access if x["status"] == 401]
    assert (rejected["request_id"], rejected["trace_id"]) == (
        refusal["request_id"],
        refusal["trace_id"],
    )
    # uvicorn's own records (no request id: the request never reached the app)
    assert any(x.get("logger", "").startswith("uvicorn") for x in served), served
    # the worker: a failed delivery of the ping names the request and continues its trace
    failed = [x for x in worked if x.get("event") == "webhook_delivery_failed"]
    assert failed
    for line in failed:
        assert (line["request_id"], line["trace_id"]) == ("ping-1", ping_trace)
        assert line["error_class"] == "connection"
    assert any(x.get("event") == "worker_stopped" for x in worked)
