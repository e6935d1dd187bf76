"""`accord webhooks` against a real server whose in-process worker delivers to a real
receiver in this process: `/ok...` answers 204, anything else 410 (a dead letter at once).

The server allows loopback targets (ACCORD_WEBHOOK_ALLOW_PRIVATE), so it is its own one;
`tests/cli/test_dead_letters_commands.py` uses the same fixtures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accord.sdk import Client
from tests.cli.test_client_commands import (
    Server,
    accord,
    accord_process,
    as_json,
    running_server,
)
from tests.cli.test_server_commands import free_port


@dataclass
class Receiver:
    url: str
    paths: list[str] = field(default_factory=list)

    def hits(self, path: str) -> int:
        return sum(1 for p in self.paths if p == path)


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.receiver.paths.append(self.path)
        self.send_response(204 if self.path.startswith("/ok") else 410)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    port = free_port()
    found = Receiver(f"http://127.0.0.1:{port}")
    handler = type("Handler", (_Handler,), {"receiver": found})
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield found
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def hook_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("hooks-cli")
    pepper = "hooks-cli-pepper-0123456789abcdef012345"
    with running_server(tmp, pepper, ACCORD_WEBHOOK_ALLOW_PRIVATE="true") as found:
        yield found


def wait_until(check: Callable[[], bool], what: str) -> None:
    """Poll until the worker has done ``what`` (it runs on its own schedule)."""
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def create_hook(server: Server, receiver: Receiver, path: str, *args: str) -> str:
    made = accord(server, "webhooks", "create", receiver.url + path, *args, "--json")
    assert made.returncode == 0, made.stderr
    return str(as_json(made)["id"])


def test_create_prints_the_secret_once_and_list_names_the_team(
    hook_server: Server, receiver: Receiver
) -> None:
    target = receiver.url + "/ok/created"
    args = ["--event", "proposal.opened", "--event", "version.published"]
    made = accord(hook_server, "webhooks", "create", target, *args)
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert lines[0].startswith("created webhook ")
    assert lines[0].endswith(f"for orders-producer: {target} (proposal.opened, version.published)")
    assert lines[2].startswith("whsec_")
    assert "only time the secret is shown" in lines[3]
    hook_id = lines[0].split()[2]

    listed = accord(hook_server, "webhooks", "list")
    row = next(line for line in listed.stdout.splitlines() if hook_id in line)
    assert target in row
    assert "orders-producer" in row
    shown = accord(hook_server, "webhooks", "show", target, "--json")  # by its URL
    assert as_json(shown)["id"] == hook_id
    assert "secret" not in as_json(shown)
    assert lines[2] not in accord(hook_server, "webhooks", "show", hook_id).stdout


def test_update_rotate_and_delete(hook_server: Server, receiver: Receiver) -> None:
    hook_id = create_hook(hook_server, receiver, "/ok/update", "--event", "asset.created")
    args = ["webhooks", "update", hook_id, "--event", "asset.deleted", "--paused"]
    updated = accord(hook_server, *args, "--format", "slack", "--json")
    assert updated.returncode == 0, updated.stderr
    body = as_json(updated)
    assert (body["event_types"], body["active"], body["payload_format"]) == (
        ["asset.deleted"],
        False,
        "slack",
    )
    every = as_json(accord(hook_server, "webhooks", "update", hook_id, "--all-events", "--json"))
    assert every["event_types"] == []
    nothing = accord(hook_server, "webhooks", "update", hook_id)
    assert nothing.returncode == 2
    assert "nothing to change" in nothing.stderr

    first = as_json(accord(hook_server, "webhooks", "rotate-secret", hook_id, "--json"))
    rotated = accord(hook_server, "webhooks", "rotate-secret", hook_id)
    assert rotated.returncode == 0, rotated.stderr
    secret = rotated.stdout.splitlines()[2]
    assert secret.startswith("whsec_")
    assert secret != first["secret"]

    deleted = accord(hook_server, "webhooks", "delete", hook_id[:30])
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.startswith(f"deleted webhook {hook_id}")
    gone = accord(hook_server, "webhooks", "show", hook_id)
    assert gone.returncode == 2
    assert "not found" in gone.stderr


def test_ping_then_deliveries_show_status_attempts_and_error(
    hook_server: Server, receiver: Receiver
) -> None:
    good = create_hook(hook_server, receiver, "/ok/ping")
    pinged = accord(hook_server, "webhooks", "ping", good)
    assert pinged.returncode == 0, pinged.stderr
    first, second = pinged.stdout.splitlines()
    assert first.startswith(f"queued webhook.ping to {receiver.url}/ok/ping: delivery ")
    delivery = first.rsplit(" ", 1)[1]
    assert second == f"see how it went with `accord webhooks deliveries {good}`"

    def status(hook: str) -> str:
        items = as_json(accord(hook_server, "webhooks", "deliveries", hook, "--json"))
        return str(items[0]["status"]) if items else "none"

    wait_until(lambda: status(good) == "delivered", "the ping to be delivered")
    shown = accord(hook_server, "webhooks", "deliveries", good)
    row = next(line for line in shown.stdout.splitlines() if delivery in line)
    assert "webhook.ping" in row
    assert "delivered" in row
    assert receiver.hits("/ok/ping") == 1

    bad = create_hook(hook_server, receiver, "/gone/ping")
    assert accord(hook_server, "webhooks", "ping", bad).returncode == 0
    wait_until(lambda: status(bad) == "dead", "the ping to fail for good")
    failed = accord(hook_server, "webhooks", "deliveries", bad, "--status", "dead")
    row = next(line for line in failed.stdout.splitlines() if "webhook.ping" in line)
    assert "dead" in row
    assert "410 http_4xx" in row


def test_no_webhooks_and_bad_input_are_one_line(hook_server: Server, receiver: Receiver) -> None:
    none = accord(hook_server, "webhooks", "list", key=hook_server.consumer_key)
    assert none.stdout == "no webhooks\n"
    assert (
        as_json(accord(hook_server, "webhooks", "list", "--json", key=hook_server.consumer_key))
        == []
    )
    args = ["webhooks", "create", receiver.url + "/ok/x", "--event", "proposal.opend"]
    unknown = accord(hook_server, *args)
    assert unknown.returncode == 2
    assert "unknown event types: proposal.opend" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    missing = accord(hook_server, "webhooks", "ping", "https://nowhere.example/hook")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: no webhook 'https://nowhere.example/hook'")


def test_webhooks_through_the_real_entry_point(hook_server: Server, receiver: Receiver) -> None:
    target = receiver.url + "/ok/process"
    made = accord_process(hook_server, "webhooks", "create", target, "--json")
    assert made.returncode == 0, made.stderr
    assert as_json(made)["secret"].startswith("whsec_")
    with Client(hook_server.url, hook_server.producer_key) as c:
        assert c.get_webhook(as_json(made)["id"]).url == target
    bad = accord_process(hook_server, "webhooks", "create", "not a url")
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
