"""Multiprocess mode switched on from the setting, after the server's modules (and their
metrics) were imported: run in a fresh interpreter, since it changes the process for good."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from accord.app import create_app
from accord.config import Settings
from tests.conftest import make_settings

ACTIVATE = """
import sys
from pathlib import Path

import accord.app  # the limiter's counters exist now, their values in memory
from accord.config import Settings
from accord.ratelimit.metrics import BACKEND_ERRORS, REJECTIONS
from accord.telemetry.metrics import prepare
from prometheus_client.multiprocess import MultiProcessCollector

directory = Path(sys.argv[1])
prepare(Settings(metrics_dir=directory, key_pepper="x" * 32))
prepare(Settings(metrics_dir=directory, key_pepper="x" * 32))  # idempotent
BACKEND_ERRORS.inc()
REJECTIONS.labels("key").inc(2)
merged = MultiProcessCollector.merge([str(p) for p in directory.glob("*.db")])
for family in merged:
    for s in family.samples:
        print(s.name, s.labels.get("bucket", ""), s.value)
"""


def test_unlabelled_metrics_made_before_activation_are_file_backed(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ACTIVATE, str(tmp_path / "m")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = set(done.stdout.splitlines())
    assert "accord_rate_limit_backend_errors_total  1.0" in lines, done.stdout
    assert "accord_rate_limit_rejections_total key 2.0" in lines, done.stdout
    assert "accord_rate_limit_rejections_total client 0.0" in lines, done.stdout  # primed


async def test_metrics_can_be_switched_off(settings: Settings) -> None:
    app = create_app(make_settings(settings.database_url or "", metrics_enabled=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/metrics")).status_code == 404
