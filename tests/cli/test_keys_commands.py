"""`accord keys` against a real server: keys for a team named by name, shown once,
revoked by name or id prefix; durations like 30d."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from accord.sdk import AuthenticationError, Client
from tests.cli.test_client_commands import Server, accord, accord_process, as_json, server

__all__ = ["server"]


def _key_name() -> str:
    return f"ci-{uuid.uuid4().hex[:6]}"


def test_create_for_a_team_by_name_prints_the_key_once(server: Server) -> None:
    name = _key_name()
    args = ["keys", "create", "--team", "analytics", "--scope", "read", "--scope", "write"]
    made = accord(server, *args, "--name", name, "--expires-in", "30d", key=server.admin_key)
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert lines[0].startswith(f"created key '{name}' ")
    assert "for team analytics (read, write, expires " in lines[0]
    secret = lines[1]
    assert secret.startswith("acd_")
    assert "only time the key is shown" in lines[2]
    with Client(server.url, secret) as c:
        me = c.me()
    assert str(me.team_id) == server.consumer_team
    assert sorted(me.scopes) == ["read", "write"]

    listed = accord(server, "keys", "list", "--team", "analytics", key=server.admin_key)
    row = next(line for line in listed.stdout.splitlines() if name in line)
    assert "analytics" in row
    assert "active" in row
    assert secret not in listed.stdout, "never the secret again"


def test_expires_in_sets_the_expiry(server: Server) -> None:
    args = ["keys", "create", "--team", "orders-producer", "--scope", "read"]
    made = accord(server, *args, "--expires-in", "12h", "--json", key=server.admin_key)
    assert made.returncode == 0, made.stderr
    body = as_json(made)
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=12))) < timedelta(minutes=5)
    assert body["team_id"] == server.producer_team
    assert body["name"] == "orders-producer-read"  # a default name says what it is


@pytest.mark.parametrize("bad", ["30", "30x", "-1d", "0d", "soon"])
def test_a_bad_duration_is_one_clear_error(server: Server, bad: str) -> None:
    args = ["keys", "create", "--team", "analytics", "--scope", "read", "--expires-in", bad]
    out = accord(server, *args, key=server.admin_key)
    assert out.returncode == 2
    assert out.stderr == (
        f"error: --expires-in: {bad!r} is not a duration like 90m, 12h, 30d or 2w\n"
    )


def test_revoke_by_name_and_by_id_prefix(server: Server) -> None:
    by_name = _key_name()
    first = as_json(
        accord(
            server, "keys", "create", "--team", "analytics", "--scope", "read",
            "--name", by_name, "--json", key=server.admin_key,
        )
    )  # fmt: skip
    revoked = accord(server, "keys", "revoke", by_name, key=server.admin_key)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"revoked key '{by_name}' {first['id']}"
    with Client(server.url, first["key"]) as c, pytest.raises(AuthenticationError):
        c.me()

    second = as_json(
        accord(
            server, "keys", "create", "--team", "analytics", "--scope", "read", "--json",
            key=server.admin_key,
        )
    )  # fmt: skip
    out = accord(server, "keys", "revoke", second["id"][:30], "--json", key=server.admin_key)
    assert out.returncode == 0, out.stderr
    assert as_json(out)["revoked_at"] is not None
    listed = as_json(accord(server, "keys", "list", "--include-revoked", "--json"))
    assert second["id"] not in [k["id"] for k in listed if k["revoked_at"] is None]


def test_revoke_an_unknown_key_suggests_the_name(server: Server) -> None:
    name = _key_name()
    args = ["keys", "create", "--team", "analytics", "--scope", "read", "--name", name]
    assert accord(server, *args, key=server.admin_key).returncode == 0
    out = accord(server, "keys", "revoke", name[:-1] + "x", key=server.admin_key)
    assert out.returncode == 2
    assert out.stderr.startswith("error: no API key ")
    assert f"did you mean '{name}'" in out.stderr


def test_a_scope_must_be_read_write_or_admin(server: Server) -> None:
    out = accord(server, "keys", "create", "--team", "analytics", "--scope", "root")
    assert out.returncode == 2
    assert "root" in out.stderr


def test_keys_through_the_real_entry_point(server: Server) -> None:
    args = ["keys", "create", "--team", "analytics", "--scope", "read"]
    bad = accord_process(server, *args, "--expires-in", "soon", key=server.admin_key)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: --expires-in: 'soon' is not a duration like 90m, 12h, 30d or 2w"
    ]
    good = accord_process(server, *args, "--expires-in", "90m", "--json", key=server.admin_key)
    assert good.returncode == 0, good.stderr
    assert as_json(good)["key"].startswith("acd_")
