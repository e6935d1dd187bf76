"""Starting an import over HTTP and following its job to the end."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.dbt.manifests import IMPORT

JOBS = "/api/v1/imports/jobs"
ENDED = ("succeeded", "failed")


async def start_import(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes, **params: Any
) -> dict[str, Any]:
    """POST the manifest: 202 with the job and its Location."""
    r = await client.post(IMPORT, content=content, headers=headers, params=params)
    assert r.status_code == 202, r.text[:500]
    job: dict[str, Any] = r.json()
    assert r.headers["location"] == f"{JOBS}/{job['id']}"
    return job


async def get_job(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> Any:
    r = await client.get(f"{JOBS}/{job_id}", headers=headers)
    assert r.status_code == 200, r.text[:500]
    return r.json()


async def wait_for_job(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, timeout_s: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = await get_job(client, headers, job_id)
        if job["status"] in ENDED:
            return job
        assert time.monotonic() < deadline, f"job still {job['status']}: {job['progress']}"
        await asyncio.sleep(0.05)


async def import_and_wait(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes, **params: Any
) -> dict[str, Any]:
    """The ended job of an import."""
    job = await start_import(client, headers, content, **params)
    return await wait_for_job(client, headers, job["id"])
