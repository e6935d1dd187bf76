"""`accord admin peppers` (issue 19 part 4): what still depends on each key pepper, from
the real entry point against the test database, through a whole rotation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.kit.crypto import pepper_id
from tests.conftest import Actors
from tests.pepper_apps import P1, P2, served
from tests.worker.conftest import subscribe

ACCORD = str(Path(sys.executable).parent / "accord")


def _env(database_url: str, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    return {**base, "ACCORD_DATABASE_URL": database_url, "ACCORD_LOG_LEVEL": "warning", **extra}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ACCORD, "admin", "peppers", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _report(database_url: str, peppers: str, *args: str) -> dict[str, Any]:
    result = _run(_env(database_url, ACCORD_KEY_PEPPERS=peppers), "--json", *args)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def _counts(report: dict[str, Any]) -> list[tuple[str, bool, int, int]]:
    return [(p["pepper_id"], p["issuing"], p["api_keys"], p["webhooks"]) for p in report["peppers"]]


async def test_peppers_follow_a_rotation_to_the_end(
    database_url: str, engine: AsyncEngine, client: httpx.AsyncClient, actors: Actors
) -> None:
    hook = await subscribe(client, actors, "http://127.0.0.1:9/hook")
    keys = 5  # two workspace admins, producer write and read, consumer write (conftest)
    before = _report(database_url, P1)
    assert _counts(before) == [(pepper_id(P1), True, keys, 1)]

    async with served(database_url, [P2, P1]) as rotated:
        assert (await rotated.get("/api/v1/me", headers=actors.consumer_write)).status_code == 200
        middle = _report(database_url, f"{P2},{P1}", "--list")
        assert _counts(middle) == [(pepper_id(P2), True, 1, 0), (pepper_id(P1), False, keys - 1, 1)]
        assert len(middle["api_keys_to_move"]) == keys - 1
        assert [w["id"] for w in middle["webhooks_to_rotate"]] == [hook["id"]]
        text = _run(_env(database_url, ACCORD_KEY_PEPPERS=f"{P2},{P1}"))
        assert "ACCORD_KEY_PEPPERS[1]: still in use" in text.stdout, text.stderr
        r = await rotated.post(
            f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=actors.consumer_write
        )
        assert r.status_code == 200, r.text
        for headers in (actors.admin, actors.producer_write, actors.producer_read):
            assert (await rotated.get("/api/v1/me", headers=headers)).status_code == 200

    # Everything but the other workspace's admin key (never used) moved.
    done = _report(database_url, f"{P2},{P1}", "--list")
    assert _counts(done) == [(pepper_id(P2), True, keys - 1, 1), (pepper_id(P1), False, 1, 0)]
    [left] = done["api_keys_to_move"]
    assert left["workspace_id"] == str(actors.other_workspace_id)
    assert left["last_used_at"] is None

    # P1 removed: the one key left under it is what the runbook says must be re-issued.
    after = _report(database_url, P2)
    assert _counts(after) == [(pepper_id(P2), True, keys - 1, 1)]
    assert (after["unconfigured"]["api_keys"], after["unconfigured"]["webhooks"]) == (1, 0)
    text = _run(_env(database_url, ACCORD_KEY_PEPPERS=f"{P2},{P1}"))
    assert "ACCORD_KEY_PEPPERS[1]: still in use" in text.stdout


def test_peppers_read_from_a_file(database_url: str, engine: AsyncEngine, tmp_path: Path) -> None:
    secret = tmp_path / "peppers"
    secret.write_text(f"{P2},{P1}\n")
    result = _run(_env(database_url, ACCORD_KEY_PEPPERS_FILE=str(secret)), "--json")
    assert result.returncode == 0, result.stderr
    ids = [p["pepper_id"] for p in json.loads(result.stdout)["peppers"]]
    assert ids == [pepper_id(P2), pepper_id(P1)]


def test_unreadable_secret_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = _run(_env("sqlite+aiosqlite:///unused.db", ACCORD_KEY_PEPPER_FILE=str(missing)))
    assert result.returncode == 2
    assert f"ACCORD_KEY_PEPPER_FILE: file {missing} does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_database_password_is_never_printed() -> None:
    url = "postgresql+asyncpg://accord:s3cr3t-pw@127.0.0.1:1/accord"
    result = _run(_env(url, ACCORD_DB_CONNECT_TIMEOUT_S="1"))
    assert result.returncode == 1
    assert "accord:***@127.0.0.1:1/accord" in result.stderr
    assert "s3cr3t-pw" not in result.stderr + result.stdout
