"""The producer's loop: `accord publish` opens a proposal, the consumers answer, and the
same command run again ships the approved change (issue 17)."""

from __future__ import annotations

import uuid

import yaml

from accord.sdk import Client
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


def _consumed(server: Server) -> str:
    fqn = new_asset(server, ORDERS)
    done = accord(server, "register", fqn, key=server.consumer_key)
    assert done.returncode == 0, done.stderr
    return fqn


def _ack(server: Server, pid: str, decision: str, comment: str = "") -> None:
    args = ["proposals", "ack", pid, "--decision", decision, "--comment", comment]
    done = accord(server, *args, key=server.consumer_key)
    assert done.returncode == 0, done.stderr


def test_publishing_again_after_approval_ships_the_approved_proposal(server: Server) -> None:
    fqn = _consumed(server)
    contract = write(server, NO_EMAIL)
    opened = accord(server, "publish", fqn, contract)
    assert opened.returncode == 1, opened.stderr
    assert "waiting on analytics (pending)" in opened.stdout
    pid = as_json(accord(server, "publish", fqn, contract, "--json"))["proposal"]["id"]
    assert f"accord proposals publish {pid}" in opened.stdout

    _ack(server, pid, "block", "we still read email")
    blocked = accord(server, "publish", fqn, contract)
    assert blocked.returncode == 1, blocked.stderr
    assert "analytics (block: we still read email)" in blocked.stdout

    _ack(server, pid, "approve")
    shipped = accord(server, "publish", fqn, contract, "--json")
    assert shipped.returncode == 0, (shipped.stdout, shipped.stderr)
    body = as_json(shipped)
    assert body["outcome"] == "published"
    assert body["version"]["version"] == "2.0.0"
    assert body["version"]["proposal_id"] == pid
    assert body["proposal"]["status"] == "published"
    assert [p["status"] for p in as_json(accord(server, "proposals", "list", "--asset", fqn,
                                                "--json"))] == ["published"]  # fmt: skip
    again = accord(server, "publish", fqn, contract)
    assert again.returncode == 0
    assert again.stdout.startswith(f"unchanged: {fqn} (prod) 2.0.0")


def test_publishing_a_different_change_while_one_is_approved_says_what_to_run(
    server: Server,
) -> None:
    fqn = _consumed(server)
    pid = as_json(accord(server, "publish", fqn, write(server, NO_EMAIL), "--json"))["proposal"]
    _ack(server, pid["id"], "approve")
    other = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    refused = accord(server, "publish", fqn, write(server, other), "--json")
    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    assert f"`accord proposals publish {pid['id']}`" in line
    assert "--replace-open-proposal" in line
    assert "answers are lost" in line
    assert as_json(refused)["error"]["proposal_id"] == pid["id"]
    assert as_json(refused)["error"]["status"] == 409
    with Client(server.url, server.producer_key) as c:
        assert c.get_proposal(pid["id"]).status == "approved", "the approval is kept"


def test_the_loop_through_the_real_entry_point(server: Server) -> None:
    fqn = _consumed(server)
    contract = write(server, NO_EMAIL)
    opened = accord_process(server, "publish", fqn, contract, "--json")
    assert opened.returncode == 1, opened.stderr
    _ack(server, as_json(opened)["proposal"]["id"], "approve")
    shipped = accord_process(server, "publish", fqn, contract)
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout.startswith(f"published {fqn} (prod) 2.0.0")
    assert "approved by every consumer" in shipped.stdout


def test_publish_without_guarantees_keeps_the_previous_ones(server: Server) -> None:
    fqn = new_asset(server)
    table = {"columns": [{"name": "id", "type": "bigint", "nullable": False}]}
    wider = {"columns": [*table["columns"], {"name": "note", "type": "text"}]}
    kept = {"columns": {"id": {"unique": True}}}
    guarantees = server.tmp / f"{uuid.uuid4().hex}.yaml"
    guarantees.write_text(yaml.safe_dump(kept))
    first = accord(server, "publish", fqn, write(server, table), "--guarantees", str(guarantees))
    assert first.returncode == 0, first.stderr

    bare = accord(server, "publish", fqn, write(server, wider, ".yaml"), "--json")
    assert bare.returncode == 0, bare.stderr
    assert as_json(bare)["version"]["version"] == "1.1.0"
    assert as_json(bare)["version"]["guarantees"]["columns"] == kept["columns"]

    wider2 = {"columns": [*wider["columns"], {"name": "tag", "type": "text"}]}
    envelope = {"schema": wider2, "format": "table"}
    same = as_json(accord(server, "publish", fqn, write(server, envelope), "--json"))
    assert same["version"]["guarantees"]["columns"] == kept["columns"]

    dropped = {"schema": wider2, "guarantees": {}}
    removed = accord(server, "publish", fqn, write(server, dropped, ".yaml"), "--json")
    assert removed.returncode == 0, removed.stderr
    assert as_json(removed)["version"]["guarantees"].get("columns", {}) == {}


def test_a_contract_file_envelope_gives_schema_guarantees_and_references(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    envelope = {"schema": WITH_NOTE, "guarantees": {"row_count": {"min": 1}}}
    done = accord(server, "publish", fqn, write(server, envelope, ".yaml"), "--json")
    assert done.returncode == 0, done.stderr
    version = as_json(done)["version"]
    assert version["schema"] == WITH_NOTE
    assert version["format"] == "jsonschema"
    assert version["guarantees"]["row_count"]["min"] == 1
    wrong = accord(server, "publish", fqn, write(server, {"schema": WITH_NOTE, "guarantee": {}}))
    assert wrong.returncode == 2
    assert "unknown top-level key(s) 'guarantee'" in wrong.stderr
