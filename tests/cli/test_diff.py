"""`accord diff ASSET FROM TO`: the changes between two versions, with witnesses."""

from __future__ import annotations

from tests.cli.test_client_commands import (
    NO_EMAIL,
    ORDERS,
    WITH_NOTE,
    Server,
    accord,
    accord_process,
    as_json,
    new_asset,
    server,
    write,
)

__all__ = ["server"]


def test_diff_shows_changes_and_witnesses_and_exits_0(server: Server) -> None:
    fqn = new_asset(server, ORDERS)  # no consumers: the breaking change ships at once
    assert accord(server, "publish", fqn, write(server, NO_EMAIL)).returncode == 0
    done = accord_process(server, "diff", fqn, "1.0.0", "2.0.0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{fqn} (prod) 1.0.0 -> 2.0.0: NOT compatible under forward")
    assert "/properties/email" in done.stdout
    assert "witness (forward, valid under new only" in done.stdout
    body = as_json(accord(server, "diff", fqn, "1.0.0", "2.0.0", "--json"))
    assert body["compatible"] is False
    assert "/properties/email" in [c["path"] for c in body["changes"]]
    assert body["witnesses"]


def test_diff_of_a_compatible_change_and_unknown_versions(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    accord(server, "publish", fqn, write(server, WITH_NOTE))
    done = accord(server, "diff", fqn, "1.0.0", "1.1.0")
    assert done.returncode == 0, done.stderr
    assert "compatible under forward" in done.stdout
    assert "/properties/note" in done.stdout
    missing = accord(server, "diff", fqn, "1.0.0", "7.0.0")
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1
