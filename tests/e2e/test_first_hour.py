"""The first hour, as a platform engineer, a producer team and a consumer team live it:
every step through the real `accord` entry point against a real server, with no HTTP
call of the test's own (issue 17, acceptance 1).

first run -> login -> teams and keys -> asset -> publish -> register with fields ->
webhook + ping -> check compatible (0) and breaking (1) -> proposal -> block -> approve
-> proposals publish -> dbt import -> lineage -> validate with the published contract
file and --report -> runs trend -> audit list and verify.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.test_server_commands import ACCORD, free_port
from tests.cli.test_webhooks_commands import Receiver, receiver
from tests.dbt.manifests import FIXTURES as DBT_FIXTURES

__all__ = ["receiver"]  # a webhook receiver on loopback (`/ok...` answers 204)

FQN = "warehouse.sales.orders"
TABLE: dict[str, Any] = {
    "name": "orders",
    "columns": [
        {"name": "id", "type": "int64", "nullable": False},
        {"name": "email", "type": "string"},
        {"name": "status", "type": "string"},
    ],
    "primary_key": ["id"],
}
GUARANTEES = {"columns": {"status": {"accepted_values": ["placed", "shipped"]}}}


@dataclass
class Story:
    """One user's machine: private XDG folders, a working folder, no ACCORD_* set."""

    home: Path
    env: dict[str, str]
    url: str = ""

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [ACCORD, *args],
            cwd=self.home / "work",
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, f"accord {' '.join(args)}: {done.stderr}"
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def write(self, name: str, doc: Any) -> str:
        path = self.home / "work" / name
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return str(path)


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Story]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env = {**base, **{f"XDG_{k}_HOME": str(tmp_path / k.lower()) for k in ("DATA", "CONFIG")}}
    env |= {"XDG_STATE_HOME": str(tmp_path / "state"), "ACCORD_LOG_LEVEL": "warning"}
    env["ACCORD_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
    (tmp_path / "work").mkdir()
    found = Story(tmp_path, env)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [ACCORD, "serve", "--port", str(port)],
            cwd=tmp_path / "work",
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "listening on" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        found.url = f"http://127.0.0.1:{port}"
        found.env["SERVE_LOG"] = str(log)
        yield found
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_for(what: str, check: Any) -> Any:
    deadline = time.monotonic() + 60
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def test_the_first_hour(story: Story, receiver: Receiver) -> None:
    # first run: the server printed a one-time admin key and the line to use it
    served = Path(story.env["SERVE_LOG"]).read_text()
    login = next(line.strip() for line in served.splitlines() if "accord login --url" in line)
    args = login.split()[1:]
    assert args[:3] == ["login", "--url", story.url]
    story.ok(*args)

    # the platform engineer: teams, keys, profiles for each team
    story.ok("teams", "create", "orders-producer")
    story.ok("teams", "create", "analytics")
    assert {t["name"] for t in story.json("teams", "list")} == {"orders-producer", "analytics"}
    keys = {}
    for team in ("orders-producer", "analytics"):
        made = story.json("keys", "create", "--team", team, "--scope", "read", "--scope", "write")
        keys[team] = made["key"]
        story.ok("login", "--profile", team, "--url", story.url, "--api-key", keys[team])
    producer, consumer = ("--profile", "orders-producer"), ("--profile", "analytics")

    # the producer: an asset and its first contract (one file: schema and guarantees)
    story.ok("assets", "create", FQN, "--kind", "table", *producer)
    contract = story.write("orders.yaml", {"schema": TABLE, "guarantees": GUARANTEES})
    assert story.json("publish", FQN, contract, *producer)["outcome"] == "published"

    # the consumer: registered on the fields it reads, told by webhook
    story.ok("register", FQN, "--fields", "id,email", *consumer)
    hook = story.json("webhooks", "create", receiver.url + "/ok/analytics", *consumer)
    pinged = story.json("webhooks", "ping", hook["id"], *consumer)
    assert pinged["event_type"] == "webhook.ping"
    _wait_for("the ping delivery", lambda: receiver.hits("/ok/analytics") >= 1)

    # the producer in CI: a compatible change passes, a breaking one fails
    with_note = {**TABLE, "columns": [*TABLE["columns"], {"name": "note", "type": "string"}]}
    compatible = story.write("compatible.yaml", {"schema": with_note})
    assert story.run("check", FQN, compatible, *producer).returncode == 0
    no_email = {**TABLE, "columns": [c for c in TABLE["columns"] if c["name"] != "email"]}
    breaking = story.write("breaking.yaml", {"schema": no_email})
    checked = story.run("check", FQN, breaking, *producer)
    assert checked.returncode == 1
    assert "analytics" in checked.stdout

    # the breaking publish opens a proposal; the consumer blocks, then approves
    opened = story.run("publish", FQN, breaking, *producer)
    assert opened.returncode == 1, opened.stderr
    (proposal,) = story.json("proposals", "list", "--to-act", *consumer)
    story.ok(
        "proposals", "ack", proposal["id"], "--decision", "block",
        "--comment", "our dashboard reads email", *consumer,
    )  # fmt: skip
    blocked = story.run("publish", FQN, breaking, *producer)
    assert blocked.returncode == 1
    assert "analytics" in blocked.stdout + blocked.stderr
    story.ok("proposals", "ack", proposal["id"], "--decision", "approve", *consumer)
    assert story.ok("proposals", "list", "--to-act", *consumer).strip() == "nothing to act on"
    story.ok("proposals", "publish", proposal["id"], *producer)
    versions = story.json("versions", "list", FQN, *producer)
    assert {v["version"] for v in versions} == {"1.0.0", "2.0.0"}
    _wait_for(
        "the proposal's events at the consumer's webhook",
        lambda: receiver.hits("/ok/analytics") >= 3,
    )

    # dbt: models become assets with lineage
    manifest = DBT_FIXTURES / "manifest_jaffle_duckdb.json"
    story.ok("import", "dbt", str(manifest), "--owner-team", "orders-producer", *producer)
    upstream = story.json("lineage", "jaffle_shop.main.orders", "--upstream", *producer)
    reached = {a["fqn"] for a in upstream["items"]}
    assert "jaffle_shop.main.stg_orders" in reached

    # validate data with the published contract file, and report the run
    data = story.home / "work" / "orders.csv"
    data.write_text("id,status\n1,placed\n2,shipped\n3,lost\n")
    published = story.write(
        "published.yaml", {"asset": FQN, "schema": no_email, "guarantees": GUARANTEES}
    )
    checked_data = story.run("validate", str(data), "--contract", published, "--report", *producer)
    assert checked_data.returncode == 1, checked_data.stderr  # 'lost' is not an accepted value
    assert "reported run" in checked_data.stdout
    trend = story.json("runs", "trend", FQN, *producer)
    assert trend, "the reported run shows in the trend"

    # the audit ledger: listed and verified (admin, the default profile)
    events = story.json("audit", "list", "--limit", "500")
    actions = {e["action"] for e in events}
    assert {"proposal.opened", "proposal.published", "webhook.pinged"} <= actions
    verified = story.run("audit", "verify")
    assert verified.returncode == 0, verified.stderr
