"""`tools/release.py --audit`: pip-audit over the hashed locks, with accepted findings.

The gate's logic runs against a vulnerability service on loopback that speaks OSV's query
API (pip-audit's own ``--osv-url``), so a finding, an accepted one and an unreachable service
are each exercised through the real pip-audit. The audit of the committed locks against the
real service is not a test (the suite runs on machines that cannot reach that service): the
GitHub workflows run `tools/release.py --audit` as a step of its own (docs/releasing.md)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import BACKEND
from tests.release import ROOT, run_tool

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="no database involved: SQLite leg only")

MAIN_LOCK = ROOT / "requirements" / "main.lock"
VULN_ID, ALIAS = "ACCORD-TEST-2026-1", "CVE-2026-0000001"


def _locked_version(name: str) -> str:
    found = re.search(rf"^{name}==(\S+)", MAIN_LOCK.read_text(), re.M)
    assert found, name
    return found[1]


class _OsvHandler(BaseHTTPRequestHandler):
    """Answers OSV /v1/query: one advisory for the locked pyyaml, nothing for the rest; with
    ``broken`` set, every query fails as an unavailable service would."""

    broken = False

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.broken:
            self.send_error(503)
            return
        body: dict[str, object] = {}
        pkg, version = query["package"]["name"], query["version"]
        if pkg == "pyyaml" and version == _locked_version("pyyaml"):
            body = {
                "vulns": [
                    {
                        "id": VULN_ID,
                        "aliases": [ALIAS],
                        "summary": "test advisory",
                        "affected": [
                            {
                                "package": {"name": "pyyaml", "ecosystem": "PyPI"},
                                "ranges": [
                                    {
                                        "type": "ECOSYSTEM",
                                        "events": [{"introduced": "0"}, {"fixed": "99.0"}],
                                    }
                                ],
                            }
                        ],
                    }
                ]
            }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return


def _serve(broken: bool) -> Iterator[str]:
    handler = type("Handler", (_OsvHandler,), {"broken": broken})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def osv() -> Iterator[str]:
    yield from _serve(broken=False)


@pytest.fixture
def broken_osv() -> Iterator[str]:
    yield from _serve(broken=True)


def _audit(url: str, accepted: Path) -> tuple[int, str]:
    done = run_tool(
        ROOT, "--audit", "--lock", str(MAIN_LOCK), "--osv-url", url, "--accepted", str(accepted)
    )
    return done.returncode, done.stdout + done.stderr


def test_an_unaccepted_finding_fails(osv: str, tmp_path: Path) -> None:
    code, out = _audit(osv, tmp_path / "none")
    assert code == 1, out
    assert VULN_ID in out
    assert f"pyyaml {_locked_version('pyyaml')}" in out
    assert "fixed in 99.0" in out


def test_a_finding_accepted_with_a_reason_passes(osv: str, tmp_path: Path) -> None:
    accepted = tmp_path / "accepted"
    accepted.write_text(f"# why each is accepted\n{ALIAS}  only reachable through a test path\n")
    code, out = _audit(osv, accepted)
    assert code == 0, out
    assert f"accepted: {ALIAS}: only reachable through a test path" in out
    locked = len(re.findall(r"^[a-z0-9][a-z0-9._-]*==", MAIN_LOCK.read_text(), re.M))
    assert f"no unaccepted finding in {locked} locked packages" in out


def test_a_stale_acceptance_is_named(osv: str, tmp_path: Path) -> None:
    accepted = tmp_path / "accepted"
    accepted.write_text(f"{ALIAS}  test\nPYSEC-0000-1  fixed long ago\n")
    code, out = _audit(osv, accepted)
    assert code == 0, out
    assert "accepted PYSEC-0000-1 no longer applies" in out


def test_an_acceptance_without_a_reason_is_refused(osv: str, tmp_path: Path) -> None:
    accepted = tmp_path / "accepted"
    accepted.write_text(f"{VULN_ID}\n")
    code, out = _audit(osv, accepted)
    assert code == 2, out
    assert "accepted without a reason" in out


def test_an_unreachable_service_is_not_a_pass(broken_osv: str, tmp_path: Path) -> None:
    code, out = _audit(broken_osv, tmp_path / "none")
    assert code == 3, out
    assert "could not audit" in out


def test_the_committed_acceptances_each_have_a_reason() -> None:
    accepted = ROOT / ".pip-audit-accepted"
    for line in accepted.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            vuln, _, reason = line.partition(" ")
            assert reason.strip(), vuln
