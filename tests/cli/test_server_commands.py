"""The server-side CLI through its real entry point, in subprocesses."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import accord
from accord.cli.main import build_app

ACCORD = str(Path(sys.executable).parent / "accord")


def run(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ACCORD, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    return {
        **base,
        "ACCORD_DATA_DIR": str(tmp_path / "data"),
        "ACCORD_LOG_LEVEL": "warning",
        "ACCORD_KEY_PEPPER": "cli-test-pepper-0123456789abcdef01234",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_version(env: dict[str, str]) -> None:
    result = run(["--version"], env)
    assert result.returncode == 0
    assert result.stdout.startswith("accord ")
    assert run(["validate", "--version"], env).returncode == 2  # not an option of validate


def test_version_before_a_command_is_the_eager_option() -> None:
    """`accord --version validate …` goes through Typer: the eager option still answers."""
    out = CliRunner().invoke(build_app("validate"), ["--version", "validate"])
    assert out.exit_code == 0
    assert out.output == f"accord {accord.__version__}\n"


def test_version_loads_no_command() -> None:
    probe = (
        "import sys; sys.argv = ['accord', '--version']\n"
        "from accord.cli.main import run; run()\n"
        "print([m for m in ('fastapi', 'sqlalchemy', 'accord.checks', 'httpx')"
        " if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.splitlines() == [f"accord {accord.__version__}", "[]"]


def test_db_upgrade_and_current(env: dict[str, str]) -> None:
    behind = run(["db", "current"], env)
    assert behind.returncode == 1
    assert "accord db upgrade" in behind.stdout
    assert run(["db", "upgrade"], env).returncode == 0
    current = run(["db", "current"], env)
    assert current.returncode == 0
    assert "(head)" in current.stdout


def test_bootstrap_then_verify_then_tamper(env: dict[str, str], tmp_path: Path) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    boot = run(["admin", "bootstrap", "--workspace", "acme"], env)
    assert boot.returncode == 0, boot.stderr
    key = boot.stdout.strip()
    assert key.startswith("acd_")
    second = run(["admin", "bootstrap", "--workspace", "acme"], env)
    assert second.stdout.strip() != key  # a new key each time, same workspace
    local = ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'data' / 'accord.db'}"]
    ok = run(["audit", "verify", *local, "--workspace", "acme"], env)
    assert ok.returncode == 0
    assert ok.stdout.startswith("ok: 3 events")
    with sqlite3.connect(tmp_path / "data" / "accord.db") as db:
        db.execute("UPDATE audit_events SET action = 'x' WHERE seq = 2")
    bad = run(["audit", "verify", *local, "--workspace", "acme"], env)
    assert bad.returncode == 1
    assert "TAMPERED at position 2" in bad.stdout
    missing = run(["audit", "verify", *local, "--workspace", "nope"], env)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"error: cannot verify {local[1]}: workspace 'nope' not found"
    ]


def test_generate_key_is_well_formed(env: dict[str, str]) -> None:
    from accord.kit.crypto import is_well_formed_key

    result = run(["admin", "generate-key"], env)
    assert is_well_formed_key(result.stdout.strip())


def test_serve_exits_fast_when_database_unreachable(env: dict[str, str]) -> None:
    env = {**env, "ACCORD_DATABASE_URL": f"postgresql+asyncpg://u@127.0.0.1:{free_port()}/x"}
    started = time.monotonic()
    result = run(["serve"], env, timeout=15)
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unreachable" in lines[0]


def test_serve_refuses_schema_behind(env: dict[str, str], tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    env = {**env, "ACCORD_DATABASE_URL": url, "ACCORD_AUTO_MIGRATE": "false"}
    result = run(["serve"], env, timeout=15)
    assert result.returncode == 1
    assert "run `accord db upgrade`" in result.stderr


def test_production_refuses_default_pepper(env: dict[str, str]) -> None:
    env = {**env, "ACCORD_ENVIRONMENT": "production"}
    env.pop("ACCORD_KEY_PEPPER")
    result = run(["serve"], env, timeout=15)
    assert result.returncode == 2
    assert "ACCORD_KEY_PEPPER" in result.stderr


def _serve(port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`accord serve` on ``port``, its stderr (the start-up lines) readable as text."""
    return subprocess.Popen(
        [ACCORD, "serve", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_on_embedded_default_answers_healthz(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    proc = _serve(port, env, tmp_path)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert r.json() == {"status": "ok"}
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200
        assert (tmp_path / "data" / "accord.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


def test_listening_line_means_connections_are_accepted(env: dict[str, str], tmp_path: Path) -> None:
    """Once `accord serve` says it is listening, a client may connect: the connection waits
    in the socket's backlog until the app is up, it is never refused (CI saw `accord login`
    refused right after the line, while the app was still being built). The server is
    frozen the moment the line is read, so nothing after the line can help it."""
    port = free_port()
    proc = _serve(port, env, tmp_path)
    assert proc.stderr is not None
    try:
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if "listening on" in line:
                proc.send_signal(signal.SIGSTOP)
                break
        else:
            pytest.fail("".join(lines))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            proc.send_signal(signal.SIGCONT)
            client.settimeout(60)
            assert client.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
