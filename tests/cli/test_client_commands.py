"""The client commands against a real `accord serve` (temp SQLite, free loopback port).

One server for the whole module; each test works on its own assets. The CI contract
(exit codes, ``--json``, errors) runs through the real entry point in subprocesses; the
rest runs the same Typer app in-process, because each `accord` process start costs
about two seconds of imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from accord.cli.main import app
from accord.sdk import Client
from tests.cli.test_server_commands import ACCORD, free_port

SRC = Path(__file__).resolve().parents[2] / "src" / "accord"

ORDERS: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
    "required": ["id", "email"],
}
WITH_NOTE = {**ORDERS, "properties": {**ORDERS["properties"], "note": {"type": "string"}}}
NO_EMAIL = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}


@dataclass
class Server:
    url: str
    env: dict[str, str]
    admin_key: str
    producer_key: str
    consumer_key: str
    producer_team: str
    consumer_team: str
    tmp: Path


def _wait_for(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return
        except httpx.TransportError:
            assert proc.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


def _setup(url: str, admin_key: str) -> dict[str, str]:
    admin = {"Authorization": f"Bearer {admin_key}"}
    out: dict[str, str] = {}
    with httpx.Client(base_url=url, headers=admin) as c:
        for role, name in (("producer", "orders-producer"), ("consumer", "analytics")):
            team = c.post("/api/v1/teams", json={"name": name}).json()["id"]
            body = {"name": role, "team_id": team, "scopes": ["read", "write"]}
            out[f"{role}_team"] = team
            out[f"{role}_key"] = c.post("/api/v1/api-keys", json=body).json()["key"]
    return out


@contextmanager
def running_server(
    tmp: Path, pepper: str, *, port: int | None = None, **extra: str
) -> Iterator[Server]:
    """`accord serve` on a temp SQLite data dir and a free port (or ``port``), bootstrapped
    with a producer and a consumer team; stopped by its pid on exit. ``extra``: more
    ACCORD_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env |= {
        "ACCORD_DATA_DIR": str(tmp / "data"),
        "ACCORD_LOG_LEVEL": "warning",
        "ACCORD_KEY_PEPPER": pepper,
        **extra,
    }
    with accord_serve(env, port) as url:
        boot = subprocess.run(
            [ACCORD, "admin", "bootstrap"], env=env, capture_output=True, text=True, check=True
        )
        admin_key = boot.stdout.strip()
        ids = _setup(url, admin_key)
        yield Server(url=url, env=env, admin_key=admin_key, tmp=tmp, **ids)


@contextmanager
def accord_serve(env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """`accord serve` with ``env`` on ``port`` (or a free one) until the block ends,
    answering /healthz first; stopped by its pid."""
    port = port or free_port()
    proc = subprocess.Popen(
        [ACCORD, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("client-cli")
    with running_server(tmp, "client-cli-pepper-0123456789abcdef0123") as found:
        yield found


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def accord(
    server: Server, *args: str, key: str | None = None, env: dict[str, str] | None = None
) -> Run:
    """`accord ARGS` in-process, URL and key from the environment as in CI."""
    full = {"ACCORD_URL": server.url, "ACCORD_API_KEY": key or server.producer_key, **(env or {})}
    result = CliRunner().invoke(app, list(args), env=full)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def accord_process(
    server: Server, *args: str, key: str | None = None, env: dict[str, str] | None = None
) -> Run:
    """The real entry point in a subprocess, as a CI script runs it."""
    full = {
        **server.env,
        "ACCORD_URL": server.url,
        "ACCORD_API_KEY": key or server.producer_key,
        **(env or {}),
    }
    done = subprocess.run(
        [ACCORD, *args], env=full, capture_output=True, text=True, timeout=60, check=False
    )
    return Run(done.returncode, done.stdout, done.stderr)


def as_json(result: Run) -> Any:
    return json.loads(result.stdout)


def write(server: Server, schema: dict[str, Any], suffix: str = ".json") -> str:
    path = server.tmp / f"{uuid.uuid4().hex}{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(schema))
    else:
        path.write_text(yaml.safe_dump(schema))
    return str(path)


def new_asset(server: Server, schema: dict[str, Any] | None = None) -> str:
    fqn = f"warehouse.sales.orders_{uuid.uuid4().hex[:8]}"
    with Client(server.url, server.producer_key) as c:
        asset = c.create_asset(fqn, server.producer_team)
        if schema is not None:
            c.publish(asset.id, schema)
    return fqn


def test_assets_create_list_show(server: Server) -> None:
    fqn = f"warehouse.sales.orders_{uuid.uuid4().hex[:8]}"
    created = accord(server, "assets", "create", fqn, "--tag", "sales", "--json")
    assert created.returncode == 0, created.stderr
    asset = as_json(created)
    assert asset["fqn"] == fqn
    assert asset["owner_team_id"] == server.producer_team
    assert asset["compatibility"] == "forward"
    assert asset["tags"] == ["sales"]

    again = accord(server, "assets", "create", fqn)
    assert again.returncode == 2
    assert again.stderr.startswith("error: ")
    assert len(again.stderr.strip().splitlines()) == 1

    listed = accord(server, "assets", "list", "-q", fqn, "--json")
    assert [a["fqn"] for a in as_json(listed)] == [fqn]
    table = accord(server, "assets", "list", "-q", fqn)
    assert fqn in table.stdout
    assert "orders-producer" in table.stdout

    accord(server, "publish", fqn, write(server, ORDERS), "--version", "1.0.0")
    shown = as_json(accord(server, "assets", "show", fqn, "--json"))
    assert shown["asset"]["id"] == asset["id"]
    assert [v["version"] for v in shown["versions"]] == ["1.0.0"]
    human = accord(server, "assets", "show", fqn)
    assert "1.0.0" in human.stdout
    assert "forward" in human.stdout


def test_an_empty_asset_list_is_one_plain_line(server: Server) -> None:
    """It printed a bare table header."""
    empty = accord(server, "assets", "list", "-q", "nothing.matches.this", "-e", "prod")
    assert empty.returncode == 0
    assert empty.stdout == "no assets in prod match these filters\n"
    assert as_json(accord(server, "assets", "list", "-q", "nothing.matches", "--json")) == []


def test_assets_restore_by_fqn_or_id(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    with Client(server.url, server.producer_key) as c:
        asset_id = str(c.get_asset_by_fqn(fqn).id)
        c.delete_asset(asset_id)
    admin = server.admin_key
    done = accord(server, "assets", "restore", fqn.upper(), key=admin)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"restored {fqn} (prod) {asset_id}"
    assert as_json(accord(server, "versions", "list", fqn, "--json"))[0]["version"] == "1.0.0"
    live = accord(server, "assets", "restore", fqn, key=admin)
    assert live.returncode == 2
    assert f"{fqn} (prod) is not deleted: it is {asset_id}" in live.stderr
    gone = accord(server, "assets", "restore", fqn + "_nope", key=admin)
    assert gone.returncode == 2
    assert f"no deleted asset '{fqn}_nope' in environment 'prod'" in gone.stderr
    with Client(server.url, server.producer_key) as c:
        c.delete_asset(asset_id)
    by_id = accord(server, "assets", "restore", asset_id, "--json", key=admin)
    assert as_json(by_id)["id"] == asset_id
    team = accord(server, "assets", "restore", asset_id)
    assert team.returncode == 2, "admin only"


def test_the_contract_commands_take_a_saved_profile(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    config = server.tmp / f"profiles-{uuid.uuid4().hex[:6]}.toml"
    bare = {"ACCORD_URL": None, "ACCORD_API_KEY": None, "ACCORD_CONFIG_FILE": str(config)}
    runner = CliRunner()
    login = ["login", "--url", server.url, "--api-key", server.producer_key, "--profile", "ci"]
    assert runner.invoke(app, login, env=bare).exit_code == 0
    contract = write(server, ORDERS)
    for args in (
        ["versions", "list", fqn],
        ["versions", "show", fqn, "1.0.0"],
        ["diff", fqn, "1.0.0", "1.0.0"],
        ["registrations", "list", "--asset", fqn],
        ["proposals", "list", "--asset", fqn],
        ["lineage", fqn],
        ["impact", fqn, contract],
        ["check", fqn, contract],
        ["publish", fqn, contract],
        ["assets", "show", fqn],
    ):
        done = runner.invoke(app, [*args, "--profile", "ci", "--json"], env=bare)
        assert done.exit_code == 0, (args, done.stdout, done.stderr)
        json.loads(done.stdout)
    unknown = runner.invoke(app, ["versions", "list", fqn, "--profile", "nope"], env=bare)
    assert unknown.exit_code == 2
    assert "nope" in unknown.stderr


def test_assets_create_with_a_dialect_and_annotations(server: Server) -> None:
    fqn = f"warehouse.sales.events_{uuid.uuid4().hex[:8]}"
    created = accord(server, "assets", "create", fqn, "--dialect", "draft-07", "--json")
    assert created.returncode == 0, created.stderr
    assert as_json(created)["dialect"] == "draft-07"
    assert as_json(created)["annotations"] == "assert"
    human = accord(server, "assets", "show", fqn)
    assert "dialect draft-07" in human.stdout
    loose = accord(server, "assets", "create", fqn + "_x", "--annotations", "annotate")
    assert loose.returncode != 0
    assert "admin" in loose.stderr
    wrong = accord(server, "assets", "create", fqn + "_y", "--dialect", "draft-5")
    assert wrong.returncode == 2


def test_publish_names_the_registered_schemas_its_refs_mean(server: Server) -> None:
    uri = "https://schemas.example.com/address.json"
    address = new_asset(server, {"type": "object", "properties": {"street": {"type": "string"}}})
    orders = new_asset(server)
    schema = write(server, {"type": "object", "properties": {"to": {"$ref": uri}}})
    bare = accord(server, "publish", orders, schema)
    assert bare.returncode == 2
    assert uri in bare.stderr
    assert "references" in bare.stderr
    done = accord(server, "publish", orders, schema, "--ref", f"{uri}={address}@1.0.0", "--json")
    assert done.returncode == 0, done.stderr
    [stored] = as_json(done)["version"]["references"]
    assert (stored["name"], stored["fqn"], stored["version"]) == (uri, address, "1.0.0")
    wrong = accord(server, "publish", orders, schema, "--ref", f"{uri}={address}")
    assert wrong.returncode == 2
    assert "URI=FQN@VERSION" in wrong.stderr


def test_check_exit_codes_and_json(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    consumer = server.consumer_key
    reg = accord(server, "register", fqn, "--fields", "email", "--json", key=consumer)
    assert reg.returncode == 0, reg.stderr
    assert as_json(reg)["fields"] == ["email"]

    same = accord(server, "check", fqn, write(server, ORDERS), "--json")
    assert same.returncode == 0, same.stderr
    assert as_json(same)["outcome"] == "unchanged"

    ok = accord(server, "check", fqn, write(server, WITH_NOTE, ".yaml"), "--json")
    assert ok.returncode == 0, ok.stderr
    body = as_json(ok)
    assert (body["outcome"], body["version"], body["breaking"]) == ("published", "1.1.0", False)
    assert body["asset"]["fqn"] == fqn

    breaking = accord(server, "check", fqn, write(server, NO_EMAIL), "--json")
    assert breaking.returncode == 1, breaking.stderr
    body = as_json(breaking)
    assert body["outcome"] == "proposal"
    assert body["breaking"] is True
    assert any("email" in c["path"] for c in body["breaking_changes"])
    assert [r["team_id"] for r in body["affected_registrations"]] == [server.consumer_team]

    human = accord(server, "check", fqn, write(server, NO_EMAIL))
    assert human.returncode == 1
    assert human.stdout.startswith("BREAKING")
    assert "/properties/email" in human.stdout
    assert "analytics" in human.stdout, "affected consumers are named"
    versions = as_json(accord(server, "assets", "show", fqn, "--json"))["versions"]
    assert len(versions) == 1, "check never writes"


# Each step runs in the background (a process start costs seconds of imports); `wait`
# collects them, and each step writes its exit code next to its output.
# One step after another: run side by side, three checks under one key could meet the
# per-key limit on concurrent compatibility checks (a 429, exit 2) as a real CI job would.
CI_SCRIPT = """
set -u
step() { name=$1; shift; "$@"; echo $? > "$name.code"; }
step unchanged sh -c '"$ACCORD" check "$FQN" same.json --json > unchanged.out'
step compatible sh -c '"$ACCORD" check "$FQN" compatible.yaml > compatible.out'
step breaking sh -c '"$ACCORD" check "$FQN" breaking.json --json > breaking.out'
step missing sh -c '"$ACCORD" check warehouse.nope same.json 2> missing.err'
step badkey sh -c 'ACCORD_API_KEY=acd_wrong "$ACCORD" check "$FQN" same.json --json > badkey.out'
step down sh -c '"$ACCORD" check "$FQN" same.json --url "$DOWN" 2> down.err'
wait
for f in *.code; do echo "${f%.code}=$(cat "$f")"; done
"""


def test_check_in_a_ci_script_through_the_real_entry_point(server: Server) -> None:
    """Acceptance 5: the exit codes and JSON a CI job sees, from a real shell script."""
    fqn = new_asset(server, ORDERS)
    work = server.tmp / f"ci-{uuid.uuid4().hex[:6]}"
    work.mkdir()
    (work / "same.json").write_text(json.dumps(ORDERS))
    (work / "compatible.yaml").write_text(yaml.safe_dump(WITH_NOTE))
    (work / "breaking.json").write_text(json.dumps(NO_EMAIL))
    with Client(server.url, server.consumer_key) as c:
        asset = c.get_asset_by_fqn(fqn)
        c.create_registration(asset.id, server.consumer_team, fields=["email"])
    # A key of its own: the per-key limit on concurrent compatibility checks must not see
    # engine work other tests' requests left running under the shared producer key.
    with Client(server.url, server.admin_key) as admin:
        ci_key = admin.create_api_key(
            "ci-script", ["read", "write"], team_id=server.producer_team
        ).key
    env = {
        **server.env,
        "ACCORD": ACCORD,
        "ACCORD_URL": server.url,
        "ACCORD_API_KEY": ci_key,
        "FQN": fqn,
        "DOWN": f"http://127.0.0.1:{free_port()}",
    }
    done = subprocess.run(
        ["bash", "-c", CI_SCRIPT], cwd=work, env=env, capture_output=True, text=True, timeout=120
    )
    codes = dict(line.split("=") for line in done.stdout.split())
    assert codes == {
        "unchanged": "0",
        "compatible": "0",
        "breaking": "1",
        "missing": "2",
        "badkey": "2",
        "down": "2",
    }, done.stderr
    assert json.loads((work / "unchanged.out").read_text())["outcome"] == "unchanged"
    assert (work / "compatible.out").read_text().startswith(f"ok: {fqn} (prod)")
    breaking = json.loads((work / "breaking.out").read_text())
    assert breaking["outcome"] == "proposal"
    assert breaking["asset"] == {"id": str(asset.id), "fqn": fqn, "environment": "prod"}
    assert breaking["breaking_changes"][0]["path"] == "/properties/email"
    assert [r["team_id"] for r in breaking["affected_registrations"]] == [server.consumer_team]
    missing = (work / "missing.err").read_text()
    assert missing == "error: no asset 'warehouse.nope' in environment 'prod'\n"
    assert json.loads((work / "badkey.out").read_text())["error"]["status"] == 401
    down = (work / "down.err").read_text().strip()
    assert down.startswith(f"error: cannot reach {env['DOWN']}")
    assert len(down.splitlines()) == 1


def test_publish_register_and_proposal_workflow(server: Server) -> None:
    fqn = new_asset(server)
    first = accord(server, "publish", fqn, write(server, ORDERS), "--json")
    assert first.returncode == 0, first.stderr
    assert set(as_json(first)) == {"outcome", "version"}
    assert as_json(first)["outcome"] == "published"
    again = accord(server, "publish", fqn, write(server, ORDERS))
    assert again.returncode == 0
    assert again.stdout.startswith("unchanged:")
    assert accord(server, "register", fqn, key=server.consumer_key).returncode == 0

    opened = accord(server, "publish", fqn, write(server, NO_EMAIL), "--json")
    assert opened.returncode == 1, opened.stderr
    assert set(as_json(opened)) == {"outcome", "proposal"}
    proposal = as_json(opened)["proposal"]
    assert proposal["status"] == "open"
    pid = proposal["id"]

    mine = accord(server, "proposals", "list", "--to-act", "--json", key=server.consumer_key)
    assert pid in [p["id"] for p in as_json(mine)]
    listed = accord(server, "proposals", "list", "--asset", fqn)
    assert pid in listed.stdout
    assert "0/1 approved" in listed.stdout

    consumer = server.consumer_key
    reasonless = accord(server, "proposals", "ack", pid, "--decision", "block", key=consumer)
    assert reasonless.returncode == 2
    assert "a block needs a reason" in reasonless.stderr
    blocked = accord(
        server,
        "proposals",
        "ack",
        pid,
        "--decision",
        "block",
        "--comment",
        "we read email",
        key=consumer,
    )
    assert blocked.returncode == 0, blocked.stderr
    assert "blocked" in blocked.stdout
    approved = accord(
        server, "proposals", "ack", pid, "--decision", "approve", "--comment", "ok", "--json",
        key=consumer,
    )  # fmt: skip
    assert as_json(approved)["status"] == "approved"
    shown = accord(server, "proposals", "show", pid)
    assert "approved" in shown.stdout
    assert "analytics" in shown.stdout
    assert as_json(accord(server, "proposals", "show", pid, "--json"))["id"] == pid


def test_publish_table_schema_guarantees_and_idempotency(server: Server) -> None:
    fqn = new_asset(server)
    table = {"columns": [{"name": "id", "type": "bigint", "nullable": False}]}
    guarantees = server.tmp / "g.yaml"
    guarantees.write_text("columns:\n  id:\n    unique: true\n")
    args = ["publish", fqn, write(server, table, ".yaml"), "--guarantees", str(guarantees)]
    first = accord(server, *args, "--idempotency-key", "ci-run-1", "--json")
    assert first.returncode == 0, first.stderr
    version = as_json(first)["version"]
    assert version["format"] == "table"
    assert version["guarantees"]["columns"]["id"]["unique"] is True
    replay = accord(server, *args, "--idempotency-key", "ci-run-1", "--json")
    assert as_json(replay) == as_json(first)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "warehouse.nope", "{schema}"], "no asset 'warehouse.nope' in environment"),
        (["check", "{fqn}", "/nonexistent/schema.json"], "cannot read contract file"),
        (["check", "{fqn}", "{bad}"], "not valid JSON/YAML"),
        (["publish", "{fqn}", "{schema}", "--version", "0.0.1"], "409"),
        (["proposals", "show", str(uuid.UUID(int=1))], "not found"),
    ],
)
def test_errors_exit_2_with_one_line(server: Server, args: list[str], needle: str) -> None:
    fqn = new_asset(server, ORDERS)
    bad = server.tmp / "bad.json"
    bad.write_text("{not json")
    values = {"fqn": fqn, "schema": write(server, WITH_NOTE), "bad": str(bad)}
    result = accord(server, *[a.format(**values) for a in args])
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]


def test_bad_key_and_server_down_exit_2(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    schema = write(server, ORDERS)
    bad = accord(server, "check", fqn, schema, "--json", key="acd_wrong")
    assert bad.returncode == 2
    assert "authentication failed" in bad.stderr
    assert as_json(bad)["error"]["status"] == 401
    assert as_json(bad)["error"]["code"] == "invalid_api_key"

    down = f"http://127.0.0.1:{free_port()}"
    gone = accord(server, "check", fqn, schema, "--url", down)
    assert gone.returncode == 2
    assert gone.stderr.startswith(f"error: cannot reach {down}")
    assert len(gone.stderr.strip().splitlines()) == 1
    garbage = accord(server, "assets", "list", env={"ACCORD_URL": "localhost:1"})
    assert garbage.returncode == 2
    assert "http://" in garbage.stderr


def test_usage_errors_exit_2(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    assert accord(server, "check", fqn).returncode == 2
    wrong = accord(server, "proposals", "ack", str(uuid.uuid4()), "--decision", "maybe")
    assert wrong.returncode == 2
    admin_ack = accord(
        server, "proposals", "ack", str(uuid.uuid4()), "--decision", "approve",
        key=server.admin_key,
    )  # fmt: skip
    assert admin_ack.returncode == 2
    assert "--team is required" in admin_ack.stderr


def test_client_commands_import_only_the_sdk() -> None:
    from tests.test_boundaries import imports_of

    allowed = (
        "accord.sdk", "accord.cli.client", "accord.compat", "accord.checks", "accord.kit.documents",
        "accord.spec", "accord.cli.errors", "accord.cli.exit_codes",
    )  # fmt: skip
    for path in (SRC / "cli" / "client").rglob("*.py"):
        for name in imports_of(path):
            if name.split(".")[0] == "accord" and name != "accord.cli":  # accord.cli.exit_codes
                assert name.startswith(allowed), (path, name)
    probe = "import sys, accord.cli.client.check; print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'sqlalchemy')))"  # noqa: E501
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
