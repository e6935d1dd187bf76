"""Start and stop Tessera 0.2.0 (the peer we measure against) on loopback.

Follows shared/bench/tessera-harness.md: its own venv outside the repo
(``pip install tessera-contracts==0.2.0 aiosqlite``), SQLite in a temp dir, a bootstrap
key, rate limits off for the benchmark.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench._server import free_port

ENV_VENV = "ACCORD_BENCH_TESSERA_VENV"
BOOTSTRAP_KEY = "bench-bootstrap-key"


def find_venv(given: str | None) -> Path | None:
    """The Tessera venv from ``--tessera-venv`` or ``$ACCORD_BENCH_TESSERA_VENV``."""
    chosen = given or os.environ.get(ENV_VENV)
    if not chosen:
        return None
    venv = Path(chosen)
    return venv if (venv / "bin" / "tessera").exists() else None


@contextmanager
def running_tessera(venv: Path) -> Iterator[str]:
    """Yield the base URL of a fresh Tessera; the process is stopped by its pid."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCORD_", "VIRTUAL_"))}
        env.update(
            DATABASE_URL="sqlite+aiosqlite:///./tessera.db",
            BOOTSTRAP_API_KEY=BOOTSTRAP_KEY,
            TESSERA_SYNC_INTERVAL="0",
            RATE_LIMIT_ENABLED="false",
        )
        log = (Path(tmp) / "server.log").open("w")
        proc = subprocess.Popen(
            [str(venv / "bin" / "tessera"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("tessera did not start (see its server.log)")
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            log.close()


def setup(base: str, schema: dict[str, object]) -> dict[str, str]:
    """A team, a real read/write team key, an asset and its v1.0.0 contract."""
    api = f"{base}/api/v1"
    boot = {"Authorization": f"Bearer {BOOTSTRAP_KEY}"}
    with httpx.Client(timeout=60) as c:
        team = c.post(f"{api}/teams", headers=boot, json={"name": "bench"}).json()["id"]
        body = {"name": "bench", "team_id": team, "scopes": ["read", "write"]}
        key = c.post(f"{api}/api-keys", headers=boot, json=body).json()["key"]
        asset_body = {"fqn": "warehouse.bench.orders", "owner_team_id": team}
        real = {"Authorization": f"Bearer {key}"}
        asset = c.post(f"{api}/assets", headers=real, json=asset_body).json()["id"]
        first = c.post(
            f"{api}/assets/{asset}/contracts",
            headers=real,
            params={"published_by": team},
            json={"version": "1.0.0", "schema": schema},
        )
        first.raise_for_status()
    return {
        "team": team,
        "key": key,
        "asset": asset,
        "contract": first.json()["contract"]["id"],
    }
