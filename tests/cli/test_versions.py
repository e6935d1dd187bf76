"""`accord versions list|show`: an asset's history, by FQN or id."""

from __future__ import annotations

from accord.sdk import Client
from tests.cli.test_client_commands import (
    ORDERS,
    WITH_NOTE,
    Server,
    accord,
    as_json,
    new_asset,
    server,
    write,
)

__all__ = ["server"]


def test_versions_list_and_show(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    envelope = {"schema": WITH_NOTE, "guarantees": {"row_count": {"min": 1}}}
    assert accord(server, "publish", fqn, write(server, envelope)).returncode == 0
    listed = accord(server, "versions", "list", fqn)
    assert listed.returncode == 0, listed.stderr
    assert f"{fqn} (prod): 2 version(s)" in listed.stdout
    assert "1.0.0" in listed.stdout
    assert "1.1.0" in listed.stdout
    body = as_json(accord(server, "versions", "list", fqn, "--json"))
    assert [v["version"] for v in body] == ["1.0.0", "1.1.0"]

    shown = accord(server, "versions", "show", fqn, "1.1.0")
    assert shown.returncode == 0, shown.stderr
    assert f"hash {body[1]['content_hash']}" in shown.stdout
    assert '"note"' in shown.stdout
    assert '"row_count"' in shown.stdout
    first = accord(server, "versions", "show", fqn, "1.0.0")
    assert "guarantees: none" in first.stdout
    detail = as_json(accord(server, "versions", "show", fqn, "1.1.0", "--json"))
    assert detail["schema"] == WITH_NOTE
    assert detail["guarantees"]["row_count"] == {"min": 1}


def test_versions_by_asset_id_and_empty(server: Server) -> None:
    fqn = new_asset(server)
    with Client(server.url, server.producer_key) as c:
        asset_id = str(c.get_asset_by_fqn(fqn).id)
    empty = accord(server, "versions", "list", asset_id)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.strip() == f"no versions of {fqn} (prod)"
    assert as_json(accord(server, "versions", "list", fqn, "--json")) == []
    missing = accord(server, "versions", "show", fqn, "9.9.9")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ")
