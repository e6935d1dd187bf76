"""The first run, through the real `accord` entry point: one data directory whatever the
working folder, a one-time admin key with its `accord login` line, a busy port named in
one line, saved profiles, and one `error:` style with no traceback."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli.test_server_commands import ACCORD, free_port

KEY_LINE = "accord login --url "


@dataclass
class Home:
    """A user's machine: XDG folders of its own, two working folders, no ACCORD_*."""

    root: Path
    env: dict[str, str]

    def run(
        self, *args: str, cwd: str = "a", input: str | None = None, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ACCORD, *args],
            cwd=self.root / cwd,
            env={**self.env, **extra},
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def home(tmp_path: Path) -> Home:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env = {
        **base,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "ACCORD_LOG_LEVEL": "warning",
    }
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    return Home(tmp_path, env)


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[str]
    log: Path

    def stderr(self) -> str:
        return self.log.read_text()


def _serve(home: Home, port: int, cwd: str = "a") -> Served:
    log = home.root / f"serve-{port}-{time.monotonic_ns()}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [ACCORD, "serve", "--port", str(port)],
            cwd=home.root / cwd,
            env=home.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return Served(url, proc, log)
        except httpx.TransportError:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


def _stop(served: Served) -> None:
    served.proc.terminate()
    served.proc.wait(timeout=30)


@pytest.fixture
def served(home: Home) -> Iterator[Served]:
    server = _serve(home, free_port())
    yield server
    _stop(server)


def _first_run_key(served: Served) -> str:
    lines = [line.strip() for line in served.stderr().splitlines()]
    login = [line for line in lines if line.startswith(KEY_LINE)]
    assert len(login) == 1, served.stderr()
    return login[0].split("--api-key ", 1)[1]


def _me(url: str, key: str) -> httpx.Response:
    return httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {key}"})


def test_first_serve_shows_an_admin_key_once_with_the_login_line(home: Home) -> None:
    first = _serve(home, free_port())
    try:
        key = _first_run_key(first)
        assert f"{KEY_LINE}{first.url} --api-key {key}" in first.stderr()
        assert _me(first.url, key).json()["is_admin"] is True
    finally:
        _stop(first)
    again = _serve(home, free_port(), cwd="b")  # another folder: the same database
    try:
        assert KEY_LINE not in again.stderr()
        assert _me(again.url, key).status_code == 200
    finally:
        _stop(again)


def test_admin_commands_find_the_servers_data_from_any_folder(home: Home, served: Served) -> None:
    """`admin bootstrap` from another folder used to make a second database whose key the
    running server refused; `audit verify` there printed a traceback."""
    made = home.run("admin", "bootstrap", cwd="b")
    assert made.returncode == 0, made.stderr
    assert _me(served.url, made.stdout.strip()).status_code == 200
    server = {"ACCORD_URL": served.url, "ACCORD_API_KEY": made.stdout.strip()}
    verified = home.run("audit", "verify", cwd="b", **server)  # asks the server
    assert verified.returncode == 0, verified.stderr
    assert "Traceback" not in verified.stderr
    assert not (home.root / "b" / "data").exists()


def test_a_busy_port_is_one_line_naming_the_port_option(home: Home, served: Served) -> None:
    port = served.url.rsplit(":", 1)[1]
    busy = home.run("serve", "--port", port, cwd="b")
    assert busy.returncode == 1
    assert busy.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use: stop what holds it, or start "
        "Accord on another port with --port N (or ACCORD_PORT)"
    ]
    assert "listening" not in busy.stdout + busy.stderr


def test_login_saves_a_private_profile_that_commands_use(home: Home, served: Served) -> None:
    key = _first_run_key(served)
    bad = home.run("login", "--url", served.url, "--api-key", "acd_wrong")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: authentication failed")
    logged = home.run("login", "--url", served.url, input=f"{key}\n")  # the key is asked for
    assert logged.returncode == 0, logged.stderr
    assert "workspace-admin key" in logged.stdout
    profiles = home.root / "config" / "accord" / "profiles.toml"
    assert stat.S_IMODE(profiles.stat().st_mode) == 0o600
    assert stat.S_IMODE(profiles.parent.stat().st_mode) == 0o700
    # no --url, no --api-key, no ACCORD_*: the saved profile answers
    listed = home.run("assets", "list", "--json", cwd="b")
    assert listed.returncode == 0, listed.stderr
    # the environment still wins over the profile
    wrong = home.run("assets", "list", cwd="b", ACCORD_API_KEY="acd_wrong")
    assert wrong.returncode == 2
    assert "authentication failed" in wrong.stderr


def test_an_unknown_profile_says_how_to_make_it(home: Home, served: Served) -> None:
    out = home.run("assets", "list", ACCORD_PROFILE="prod")
    assert out.returncode == 2
    assert out.stderr.startswith("error: no profile named 'prod'")
    assert "accord login --profile prod" in out.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["assetz"], "error: No such command 'assetz'. Did you mean 'assets'?"),
        (["assets", "list", "--jsn"], "error: No such option: --jsn (Possible options: --json)"),
        (
            ["assets", "create", "x.y", "--kind", "tabel"],
            "error: Invalid value for '--kind': 'tabel' is not one of 'table', 'view', 'model', "
            "'topic', 'file', 'api'. Did you mean 'table'?",
        ),
    ],
)
def test_usage_errors_are_one_error_line_with_a_suggestion(
    home: Home, args: list[str], expected: str
) -> None:
    out = home.run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(expected)
    assert "Error" not in out.stderr.replace(expected, "")


def test_no_command_prints_error_with_a_capital_e(home: Home) -> None:
    """Every message is `error: ...`; `Error:` (compat check) is gone."""
    out = home.run("compat", "check", "missing.json")
    assert out.returncode == 2
    assert out.stderr.startswith("error: ")
    assert "Error" not in out.stderr


def test_a_database_in_the_old_default_folder_is_pointed_out(home: Home) -> None:
    (home.root / "a" / "data").mkdir()
    (home.root / "a" / "data" / "accord.db").write_bytes(b"")
    server = _serve(home, free_port())
    try:
        assert (
            f"note: {home.root / 'a' / 'data' / 'accord.db'} is from an earlier release's "
            "default" in " ".join(server.stderr().split())
        )
        assert f"ACCORD_DATA_DIR={home.root / 'a' / 'data'}" in server.stderr()
    finally:
        _stop(server)
