"""docs/runbooks/backup-restore.md, done for real: back up, restore, verify, read back.

A real `accord serve` gets data through the API in two workspaces (teams, keys, an
asset, two versions, a registration: each an audit event). The runbook's own marked
blocks back it up while it serves, restore into a fresh database, and run `accord db
current` and `accord audit verify --database-url` on every workspace of it. A server
started on the restored database must then answer exactly what the original answered,
audit heads included. Last, one audit row of the restored database is altered and the
same verify block must fail: the check passes because the chain is intact, not because
it checks nothing.

PostgreSQL runs in the PostgreSQL leg (a database of its own per run, dropped after),
SQLite in the SQLite leg.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import make_url

from tests.cli.test_server_commands import ACCORD, free_port
from tests.conftest import BACKEND, DEFAULT_PG
from tests.runbooks.blocks import marked_blocks, need_tools, run_block, shell_env

RUNBOOK = "backup-restore.md"
PEPPER = "runbook-backup-pepper-0123456789abcdef0123"
OTHER_WORKSPACE = "other-ws"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
    "required": ["id", "email"],
}
WITH_NOTE = {**SCHEMA, "properties": {**SCHEMA["properties"], "note": {"type": "string"}}}
VERIFIED = re.compile(r"^ok: (\d+) events verified, head ([0-9a-f]{16})$", re.MULTILINE)


def test_every_tested_block_is_run_here() -> None:
    """A block marked in the runbook but run by no test would be a false promise."""
    assert set(marked_blocks(RUNBOOK)) == {
        "postgres-backup",
        "postgres-restore",
        "postgres-verify",
        "sqlite-backup",
        "sqlite-backup-python",
        "sqlite-restore",
        "sqlite-verify",
    }


# --- a real server and the data it holds -------------------------------------------------


@dataclass
class Keys:
    admin: str  # workspace "default"
    other: str  # workspace OTHER_WORKSPACE


def accord(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [ACCORD, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"accord {' '.join(args)}: {done.stderr}"
    return done.stdout


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`accord serve` on a free port until the block ends; stopped by its pid."""
    port = free_port()
    proc = subprocess.Popen(
        [ACCORD, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "accord serve exited"
            assert time.monotonic() < deadline, "accord serve did not become ready"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, f"{response.request.url}: {response.text}"
    return response.json()


def make_data(url: str, keys: Keys) -> None:
    """Teams, team keys, an asset with two versions and a consumer's registration in
    "default"; a team in the other workspace."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {keys.admin}"}) as c:
        producer = _ok(c.post("/api/v1/teams", json={"name": "orders-producer"}))["id"]
        consumer = _ok(c.post("/api/v1/teams", json={"name": "analytics"}))["id"]
        for name, team in (("producer", producer), ("consumer", consumer)):
            body = {"name": name, "team_id": team, "scopes": ["read", "write"]}
            _ok(c.post("/api/v1/api-keys", json=body))
        asset = _ok(
            c.post("/api/v1/assets", json={"fqn": "shop.orders", "owner_team_id": producer})
        )["id"]
        _ok(c.post(f"/api/v1/assets/{asset}/versions", json={"schema": SCHEMA}))
        _ok(c.post(f"/api/v1/assets/{asset}/versions", json={"schema": WITH_NOTE}))
        _ok(c.post("/api/v1/registrations", json={"asset_id": asset, "team_id": consumer}))
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {keys.other}"}) as c:
        _ok(c.post("/api/v1/teams", json={"name": "elsewhere"}))


def snapshot(url: str, keys: Keys) -> dict[str, Any]:
    """What the server answers about the data, keys and audit chain of both workspaces
    (the read-only fields that a restore must bring back unchanged)."""
    out: dict[str, Any] = {}
    for label, key in (("default", keys.admin), (OTHER_WORKSPACE, keys.other)):
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as c:
            teams = _ok(c.get("/api/v1/teams"))["items"]
            api_keys = _ok(c.get("/api/v1/api-keys"))["items"]
            assets = _ok(c.get("/api/v1/assets"))["items"]
            versions = {
                a["id"]: _ok(c.get(f"/api/v1/assets/{a['id']}/versions"))["items"] for a in assets
            }
            out[label] = {
                "teams": teams,
                "api_keys": [
                    {k: v for k, v in key.items() if k != "last_used_at"} for key in api_keys
                ],
                "assets": assets,
                "versions": versions,
                "registrations": _ok(c.get("/api/v1/registrations"))["items"],
                "audit": _ok(c.get("/api/v1/audit-events", params={"limit": 500}))["items"],
                "verify": _ok(c.get("/api/v1/audit-events/verify")),
            }
    assert out["default"]["verify"]["ok"], out["default"]["verify"]
    assert out["default"]["verify"]["checked"] >= 8, "the data made too few audit events"
    assert out[OTHER_WORKSPACE]["verify"]["checked"] >= 1
    return out


def assert_verified(output: str, before: dict[str, Any]) -> None:
    """The verify block's lines: one per workspace (ordered by name), each with the
    count and head the original server reported."""
    expected = [
        (str(before[ws]["verify"]["checked"]), before[ws]["verify"]["head_hash"][:16])
        for ws in ("default", OTHER_WORKSPACE)
    ]
    assert VERIFIED.findall(output) == expected, output


def tamper(run_sql: list[str]) -> None:
    """Alter one audit event of "default" in the restored database, with ``run_sql``
    (a command that reads SQL from its last argument)."""
    sql = (
        "UPDATE audit_events SET action = 'team.tampered' WHERE seq = 1 AND workspace_id = "
        "(SELECT id FROM workspaces WHERE name = 'default')"
    )
    subprocess.run([*run_sql, sql], check=True, capture_output=True, timeout=30)


def bootstrap(env: dict[str, str], workspace: str = "default") -> str:
    return accord(env, "admin", "bootstrap", "--workspace", workspace).strip()


def server_env(tmp: Path, **settings: str) -> dict[str, str]:
    """What `accord` processes of one deployment share: the pepper, and a data directory
    of the test's (the PostgreSQL test's is never used) unless ``settings`` name one."""
    base = {
        "ACCORD_KEY_PEPPER": PEPPER,
        "ACCORD_LOG_LEVEL": "warning",
        "ACCORD_DATA_DIR": str(tmp / "unused-data-dir"),
    }
    return shell_env(**(base | settings))


# --- PostgreSQL --------------------------------------------------------------------------

PG = make_url(os.environ.get("ACCORD_TEST_POSTGRES_URL", DEFAULT_PG))


def _libpq(database: str) -> str:
    """A libpq URL (what pg_dump, psql and the runbook's variables take)."""
    return PG.set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def _admin(*statements: str) -> None:
    conn = await asyncpg.connect(
        host=PG.host, port=PG.port or 5432, user=PG.username, database="postgres", timeout=5
    )
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def pg_names() -> Iterator[tuple[str, str]]:
    """Two database names of this run: the live one (created empty) and the one the
    runbook restores into (left for the runbook to create). Both dropped after."""
    live, restored = f"accord_runbook_{os.getpid()}", f"accord_runbook_{os.getpid()}_restored"
    drop = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in (live, restored)]
    try:
        asyncio.run(_admin(*drop, f'CREATE DATABASE "{live}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield live, restored
    finally:
        asyncio.run(_admin(*drop))


@pytest.mark.skipif(BACKEND != "postgresql", reason="the PostgreSQL leg runs this")
def test_postgres_backup_restores_into_a_fresh_database_that_verifies(
    tmp_path: Path, pg_names: tuple[str, str]
) -> None:
    need_tools("pg_dump", "pg_restore", "createdb", "psql")
    live, restored = pg_names
    live_env = server_env(
        tmp_path, ACCORD_DATABASE_URL=PG.set(database=live).render_as_string(hide_password=False)
    )
    accord(live_env, "db", "upgrade")
    keys = Keys(admin=bootstrap(live_env), other=bootstrap(live_env, OTHER_WORKSPACE))
    backup = str(tmp_path / "accord.dump")
    with serving(live_env) as url:
        make_data(url, keys)
        before = snapshot(url, keys)
        run_block(RUNBOOK, "postgres-backup", shell_env(PG_URL=_libpq(live), BACKUP=backup))

    new_url = _libpq(restored)
    restore_env = shell_env(
        ADMIN_URL=_libpq("postgres"),
        ACCORD_ROLE=PG.username or "postgres",
        NEW_DB=restored,
        NEW_URL=new_url,
        BACKUP=backup,
    )
    run_block(RUNBOOK, "postgres-restore", restore_env)
    verified = run_block(RUNBOOK, "postgres-verify", shell_env(NEW_URL=new_url))
    assert "(head)" in verified.stdout
    assert_verified(verified.stdout, before)

    restored_env = server_env(
        tmp_path,
        ACCORD_DATABASE_URL=PG.set(database=restored).render_as_string(hide_password=False),
    )
    with serving(restored_env) as url:
        assert snapshot(url, keys) == before

    tamper(["psql", new_url, "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "--command"])
    broken = run_block(RUNBOOK, "postgres-verify", shell_env(NEW_URL=new_url), check=False)
    assert broken.returncode != 0
    assert "TAMPERED at position 1" in broken.stdout


# --- SQLite ------------------------------------------------------------------------------


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite leg runs this")
def test_sqlite_online_backups_restore_and_verify(tmp_path: Path) -> None:
    """Both backup commands run while the server serves. The sqlite3 shell's backup is
    restored into a fresh data directory; the Python one over the original database
    after a change made since (so the restore must move the old files aside, and the
    change must be gone)."""
    need_tools("sqlite3")
    live_dir = tmp_path / "live"
    live_env = server_env(tmp_path, ACCORD_DATA_DIR=str(live_dir))
    live_db = str(live_dir / "accord.db")
    cli_backup, py_backup = str(tmp_path / "cli.db"), str(tmp_path / "py.db")
    with serving(live_env) as url:  # an embedded database: the server migrates it
        keys = Keys(admin=bootstrap(live_env), other=bootstrap(live_env, OTHER_WORKSPACE))
        make_data(url, keys)
        before = snapshot(url, keys)
        run_block(RUNBOOK, "sqlite-backup", shell_env(DB=live_db, BACKUP=cli_backup))
        run_block(RUNBOOK, "sqlite-backup-python", shell_env(DB=live_db, BACKUP=py_backup))
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {keys.admin}"}) as c:
            _ok(c.post("/api/v1/teams", json={"name": "after-the-backup"}))

    fresh_dir = tmp_path / "fresh"
    fresh_db = str(fresh_dir / "accord.db")
    run_block(RUNBOOK, "sqlite-restore", shell_env(DB=fresh_db, BACKUP=cli_backup))
    verified = run_block(RUNBOOK, "sqlite-verify", shell_env(DB=fresh_db))
    assert "(head)" in verified.stdout
    assert_verified(verified.stdout, before)
    with serving(server_env(tmp_path, ACCORD_DATA_DIR=str(fresh_dir))) as url:
        assert snapshot(url, keys) == before

    run_block(RUNBOOK, "sqlite-restore", shell_env(DB=live_db, BACKUP=py_backup))
    assert Path(f"{live_db}.before-restore").is_file()
    assert_verified(run_block(RUNBOOK, "sqlite-verify", shell_env(DB=live_db)).stdout, before)
    with serving(live_env) as url:
        assert snapshot(url, keys) == before  # the team made after the backup is gone

    tamper(["sqlite3", fresh_db])
    broken = run_block(RUNBOOK, "sqlite-verify", shell_env(DB=fresh_db), check=False)
    assert broken.returncode != 0
    assert "TAMPERED at position 1" in broken.stdout
