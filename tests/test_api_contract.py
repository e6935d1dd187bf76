"""The API contract is exact (issue 17, item 8): schemathesis against a real server.

One `accord serve` on the backend under test (an embedded SQLite in a temporary
ACCORD_DATA_DIR, or a PostgreSQL database of its own on the PostgreSQL leg: cursors past
a 32-bit column and row counts past one were 500s there only), with a known
bootstrap admin key and a little data (a team, an asset with a version, a registration,
a lineage edge), so the paths with ids reach their handlers; then `schemathesis run
--checks all` against the served /openapi.json, bounded (max examples per operation,
deterministic generation, one worker), must report no failure. The server is stopped by
its process group id at the end, failed or not.

Allowances, each for a rule JSON Schema cannot state (so a schema-valid request can
still be refused 422, and the 422 is documented): `positive_data_acceptance` also
accepts 422 on the operations in `SEMANTIC_RULES`. Every other check is as strict as
schemathesis makes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND, PEPPER, PG_BASE, _admin

BIN = Path(sys.executable).parent
START_TIMEOUT_S = 60
RUN_TIMEOUT_S = 240

# Operation -> the rule beyond the schema that makes a schema-valid body a 422.
SEMANTIC_RULES: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/api-keys"): "a key without team_id needs the admin scope",
    ("POST", "/api/v1/lineage/edges"): "an asset cannot read itself",
    ("POST", "/api/v1/registrations"): "version_range must parse as a semver range",
    ("POST", "/api/v1/assets/{asset_id}/validation-runs"): "`ok` must agree with the checks",
    ("POST", "/api/v1/compat/check"): "old/new or a non-empty history",
    ("POST", "/api/v1/imports/dbt"): "the body must be a dbt manifest",
    ("POST", "/api/v1/assets/{asset_id}/impact"): "guarantees: min <= max, unique names",
    ("POST", "/api/v1/assets/{asset_id}/versions"): "guarantees: min <= max, unique names",
    ("POST", "/api/v1/webhooks"): "the URL must resolve to a public address",
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): "the URL must resolve to a public address",
    ("POST", "/api/v1/proposals/{proposal_id}/force"): "a reason of 10+ characters",
    ("DELETE", "/api/v1/assets/{asset_id}"): "the reason must not be blank",
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# schemathesis's default for negative_data_rejection, which a table replaces whole.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path, key: str | None = None, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    if database_url is not None:
        env["ACCORD_DATABASE_URL"] = database_url
    env.update(
        ACCORD_DATA_DIR=str(data_dir),
        ACCORD_KEY_PEPPER=PEPPER,
        ACCORD_ENVIRONMENT="test",
        ACCORD_LOG_LEVEL="warning",
        # One client address sends every case: the limiter is tested elsewhere.
        ACCORD_RATE_LIMIT_ENABLED="false",
    )
    if key is not None:
        env["ACCORD_BOOTSTRAP_ADMIN_KEY"] = key
    return env


@pytest.fixture
def served_database() -> Iterator[str | None]:
    """None on SQLite (the server's embedded default); on the PostgreSQL leg, a database
    of its own, migrated, dropped afterwards."""
    if BACKEND != "postgresql":
        yield None
        return
    name = f"accord_contract_{os.getpid()}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = f"{PG_BASE.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    try:
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def server(tmp_path: Path, served_database: str | None) -> Iterator[tuple[str, str]]:
    """A real `accord serve`: its base URL and the admin key."""
    data = tmp_path / "data"
    if served_database is not None:
        subprocess.run(
            [BIN / "accord", "db", "upgrade"],
            env=_env(data, database_url=served_database), capture_output=True, check=True,
            timeout=120,
        )  # fmt: skip
    key = subprocess.run(
        [BIN / "accord", "admin", "generate-key"],
        env=_env(data), capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [BIN / "accord", "serve", "--port", str(port)],
        env=_env(data, key, served_database), stdin=subprocess.DEVNULL, stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "accord serve did not become ready"
            time.sleep(0.2)
        yield base, key
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def _seed(base: str, key: str) -> dict[str, str]:
    """A little data for the paths with ids; their values for schemathesis."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as http:

        def post(path: str, body: dict[str, object]) -> dict[str, object]:
            r = http.post(path, json=body)
            assert r.status_code in (200, 201), (path, r.text)
            return dict(r.json())

        producer = post("/api/v1/teams", {"name": "producer"})
        consumer = post("/api/v1/teams", {"name": "consumer"})
        orders = post(
            "/api/v1/assets", {"fqn": "warehouse.orders", "owner_team_id": producer["id"]}
        )
        daily = post("/api/v1/assets", {"fqn": "mart.daily", "owner_team_id": consumer["id"]})
        schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
        post(f"/api/v1/assets/{orders['id']}/versions", {"version": "1.0.0", "schema": schema})
        reg = post("/api/v1/registrations", {"asset_id": orders["id"], "team_id": consumer["id"]})
        edge = post(
            "/api/v1/lineage/edges",
            {"upstream_asset_id": orders["id"], "downstream_asset_id": daily["id"]},
        )
    return {
        "team_id": str(consumer["id"]),
        "asset_id": str(orders["id"]),
        "version": "1.0.0",
        "registration_id": str(reg["id"]),
        "edge_id": str(edge["id"]),
    }


def _config(path: Path, ids: dict[str, str]) -> Path:
    # A schema-violating body past the size limit is refused before it is read: 413, not
    # the 422 its content would get (schemathesis's own list lacks it).
    lines = [
        "[checks.negative_data_rejection]",
        f"expected-statuses = {[*REJECTED, '413']!r}".replace("'", '"'),
        "",
        "[parameters]",
    ]
    lines += [f'"path.{name}" = "{value}"' for name, value in ids.items()]
    for (method, op_path), why in SEMANTIC_RULES.items():
        lines += [
            "",
            f"# {why}",
            "[[operations]]",
            f'include-path = "{op_path}"',
            f'include-method = "{method}"',
            "[operations.checks.positive_data_acceptance]",
            f"expected-statuses = {[*ACCEPTED, '422']!r}".replace("'", '"'),
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_schemathesis_finds_no_contract_failure(server: tuple[str, str], tmp_path: Path) -> None:
    base, key = server
    config = _config(tmp_path / "schemathesis.toml", _seed(base, key))
    done = subprocess.run(
        [
            BIN / "schemathesis", "--config-file", str(config), "run",
            f"{base}/openapi.json", "--checks", "all",
            "-H", f"Authorization: Bearer {key}",
            "--max-examples", "15", "--generation-deterministic", "--workers", "1",
            "--no-color", "--suppress-health-check", "all",
            "--request-timeout", "20",
        ],
        capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=tmp_path,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-20000:]
