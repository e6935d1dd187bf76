"""`accord serve --workers N`: N API processes on one port, their metrics added up, all of
them stopped by one SIGTERM to the parent."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.cli.test_server_commands import ACCORD, free_port

PEPPER = "serve-workers-pepper-0123456789abcdef0123"


def children(pid: int) -> list[int]:
    """The parent's API processes (uvicorn spawns them with multiprocessing's spawn)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"spawn_main" in cmd:
            found.append(int(entry.name))
    return found


def test_two_api_processes_share_the_port_and_their_metrics(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env |= {"ACCORD_DATA_DIR": str(tmp_path), "ACCORD_KEY_PEPPER": PEPPER}
    log = tmp_path / "stderr.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [ACCORD, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while len(children(proc.pid)) < 2 or not _ready(url):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the API processes did not start"
            time.sleep(0.3)
        served = [httpx.get(f"{url}/healthz", timeout=5).status_code for _ in range(40)]
        assert served == [200] * 40
        scraped = httpx.get(f"{url}/metrics", timeout=30).text
        count = re.search(
            r'accord_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)',
            scraped,
        )
        assert count is not None
        assert float(count.group(1)) >= 40  # both processes' requests, whichever answered
        workers = children(proc.pid)
        assert len(workers) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    time.sleep(0.5)
    assert not [p for p in workers if Path(f"/proc/{p}").exists()]
    assert "2 API processes" in log.read_text()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
