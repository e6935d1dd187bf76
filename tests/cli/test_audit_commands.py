"""`accord audit list|verify` against a real server, and `verify --database-url` straight
from its database. The tampering test is last: it breaks the chain for a moment."""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from pathlib import Path

from accord.sdk import Client
from tests.cli.test_client_commands import Server, accord, as_json, server
from tests.cli.test_server_commands import ACCORD, free_port

__all__ = ["server"]


def _database(server: Server) -> Path:
    return server.tmp / "data" / "accord.db"


def _local(server: Server) -> str:
    return f"sqlite+aiosqlite:///{_database(server)}"


def _auditor(server: Server) -> tuple[str, str, str]:
    """A named admin key that has created one team: (key name, key id, team name)."""
    name, team = f"auditor-{uuid.uuid4().hex[:6]}", f"audited-{uuid.uuid4().hex[:6]}"
    args = ["keys", "create", "--scope", "admin", "--name", name, "--json"]
    made = as_json(accord(server, *args, key=server.admin_key))
    with Client(server.url, made["key"]) as c:
        c.create_team(team)
    return name, made["id"], team


def test_list_filters_by_actor_name_action_and_since(server: Server) -> None:
    name, key_id, team = _auditor(server)
    mine = accord(server, "audit", "list", "--actor", name, "--json", key=server.admin_key)
    assert mine.returncode == 0, mine.stderr
    events = as_json(mine)
    assert [(e["action"], e["actor_id"]) for e in events] == [("team.created", key_id)]

    human = accord(server, "audit", "list", "--action", "team.created", "--limit", "1",
                   key=server.admin_key)  # fmt: skip
    assert human.returncode == 0, human.stderr
    [row] = [line for line in human.stdout.splitlines() if "team.created" in line]
    assert f"team {team}" in row
    assert f"{name} ({key_id})" in row, "the actor by name, next to its id"

    recent = as_json(accord(server, "audit", "list", "--since", "1h", "--json"))
    assert recent, "events of the last hour"
    later = accord(server, "audit", "list", "--since", "2999-01-01")
    assert later.stdout == "no audit events\n"
    assert as_json(accord(server, "audit", "list", "--since", "2999-01-01", "--json")) == []


def test_list_bad_input_is_one_line(server: Server) -> None:
    since = accord(server, "audit", "list", "--since", "last week")
    assert since.returncode == 2
    assert since.stderr.startswith("error: --since: 'last week' is neither a duration")
    actor = accord(server, "audit", "list", "--actor", "nobody-at-all", key=server.admin_key)
    assert actor.returncode == 2
    assert actor.stderr.startswith("error: no API key 'nobody-at-all'")


def test_verify_asks_the_server_from_any_folder(server: Server, tmp_path: Path) -> None:
    """`audit verify` from another folder opened ./data there and printed a traceback;
    it now asks the server the CLI is connected to."""
    env = {**server.env, "ACCORD_URL": server.url, "ACCORD_API_KEY": server.admin_key}
    env.pop("ACCORD_DATA_DIR")
    done = subprocess.run(
        [ACCORD, "audit", "verify"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ")
    assert "events verified, head " in done.stdout
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == [], "no ./data made here"
    body = as_json(accord(server, "audit", "verify", "--json", key=server.admin_key))
    assert body["ok"] is True
    assert body["checked"] >= 3


def test_verify_refusals_are_one_line(server: Server) -> None:
    team_key = accord(server, "audit", "verify")
    assert team_key.returncode == 2
    assert "403" in team_key.stderr
    assert len(team_key.stderr.strip().splitlines()) == 1
    down = f"http://127.0.0.1:{free_port()}"
    gone = accord(server, "audit", "verify", "--url", down, key=server.admin_key)
    assert gone.returncode == 2
    assert gone.stderr.startswith(f"error: cannot reach {down}")
    both = accord(server, "audit", "verify", "--workspace", "acme", key=server.admin_key)
    assert both.returncode == 2
    assert both.stderr.startswith("error: --workspace goes with --database-url")


def test_verify_locally_against_a_database(server: Server) -> None:
    ok = accord(server, "audit", "verify", "--database-url", _local(server))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: ")
    other = accord(server, "audit", "verify", "--database-url", _local(server), "--workspace", "x")
    assert other.returncode == 2
    assert other.stderr.endswith("workspace 'x' not found\n")

    missing = server.tmp / "elsewhere" / "accord.db"
    url = f"sqlite+aiosqlite:///{missing}"
    nothing = accord(server, "audit", "verify", "--database-url", url)
    assert nothing.returncode == 2
    assert nothing.stderr == f"error: --database-url: no SQLite database file at {missing}\n"
    assert not missing.parent.exists(), "verifying never creates a database"
    garbage = accord(server, "audit", "verify", "--database-url", "not-a-url")
    assert garbage.returncode == 2
    assert garbage.stderr.startswith("error: --database-url 'not-a-url' is not a database URL")
    empty = server.tmp / "empty.db"
    sqlite3.connect(empty).close()
    bare = accord(server, "audit", "verify", "--database-url", f"sqlite+aiosqlite:///{empty}")
    assert bare.returncode == 2
    assert bare.stderr.endswith("it holds no Accord tables (is this the right database?)\n")


def test_a_broken_chain_exits_1_naming_the_position(server: Server) -> None:
    with sqlite3.connect(_database(server)) as db:
        [(original,)] = db.execute("SELECT action FROM audit_events WHERE seq = 2").fetchall()
        db.execute("UPDATE audit_events SET action = 'forged' WHERE seq = 2")
    try:
        remote = accord(server, "audit", "verify", key=server.admin_key)
        assert remote.returncode == 1, remote.stderr
        assert remote.stdout.startswith("TAMPERED at position 2: ")
        body = as_json(accord(server, "audit", "verify", "--json", key=server.admin_key))
        assert (body["ok"], body["problem"]["position"]) == (False, 2)
        local = accord(server, "audit", "verify", "--database-url", _local(server))
        assert local.returncode == 1
        assert local.stdout.startswith("TAMPERED at position 2: ")
    finally:
        with sqlite3.connect(_database(server)) as db:
            db.execute("UPDATE audit_events SET action = ? WHERE seq = 2", (original,))
    assert accord(server, "audit", "verify", key=server.admin_key).returncode == 0
