"""The SDK and `accord import dbt` against the real app: both follow the job and give
the final result (or what a failed import applied and what it did not)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from fastapi import FastAPI
from typer.testing import CliRunner

from accord.cli import dbt as cli_dbt
from accord.sdk import AsyncClient, Client, ImportJob, ValidationError
from tests.conftest import Actors
from tests.dbt.manifests import jaffle, raw
from tests.imports.conftest import AppFactory
from tests.imports.manifests import BAD_SOURCE, copies, with_bad_source
from tests.imports.test_jobs import JAFFLE_SUMMARY
from tests.sdk.conftest import BASE, SyncASGITransport, key_of


def _async_client(app: FastAPI, headers: dict[str, str]) -> AsyncClient:
    return AsyncClient(BASE, key_of(headers), transport=httpx.ASGITransport(app=app))


async def test_sdk_import_waits_for_the_result(app: FastAPI, actors: Actors) -> None:
    async with _async_client(app, actors.producer_write) as accord:
        plan = await accord.plan_dbt_import(raw(jaffle()))
        assert plan.dry_run
        job = await accord.import_dbt(raw(jaffle()), poll_interval=0.1)
        assert isinstance(job, ImportJob)
        assert (job.status, job.ended) == ("succeeded", True)
        assert job.result is not None
        assert job.result.summary.model_dump() == JAFFLE_SUMMARY == plan.summary.model_dump()
        assert {a.fqn for a in job.result.assets} == {a.fqn for a in plan.assets}
        queued = await accord.import_dbt(raw(jaffle()), environment="dev", wait=False)
        assert queued.status == "queued"
        assert queued.progress.assets_total == 8
        done = await accord.wait_for_import_job(queued.id, poll_interval=0.1)
        assert done.status == "succeeded"
        assert (await accord.get_import_job(queued.id)).finished_at == done.finished_at
        with pytest.raises(ValidationError) as info:
            await accord.import_dbt(b"[]")
        assert info.value.code == "invalid_manifest"


async def test_sync_sdk_reports_a_failed_import(make_app: AppFactory, actors: Actors) -> None:
    loop = asyncio.get_running_loop()
    async with make_app(import_chunk_size=4) as (app, _):  # the bad source: a chunk alone
        client = Client(BASE, key_of(actors.producer_write), transport=SyncASGITransport(app, loop))
        doc = raw(with_bad_source(copies(1)))
        job = await asyncio.to_thread(client.import_dbt, doc, poll_interval=0.1)
        client.close()
    assert job.status == "failed"
    assert job.error is not None
    assert (job.error.code, job.error.unique_id) == ("unknown_fields", BAD_SOURCE)
    assert [n.unique_id for n in job.not_applied] == [BAD_SOURCE]
    assert job.result is not None
    assert len(job.result.assets) == 8


async def test_sdk_wait_gives_up_at_its_timeout() -> None:
    job: dict[str, Any] = {
        "id": str(uuid.uuid4()), "status": "running", "environment": "prod",
        "manifest": {"schema_version": 12}, "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "progress": {"phase": "assets", "chunk_size": 100, "chunks_total": 4,
                     "chunks_done": 1, "assets_total": 8, "assets_applied": 0},
    }  # fmt: skip
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=job))
    async with AsyncClient(BASE, "acd_x", transport=transport) as accord:
        with pytest.raises(TimeoutError, match=r"has not ended after 0\.3 s"):
            await accord.wait_for_import_job(job["id"], timeout=0.3, poll_interval=0.1)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(cli_dbt.import_dbt)
    return app


async def test_cli_prints_the_final_result(
    app: FastAPI, actors: Actors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()

    def client(base_url: str, api_key: str, timeout: float) -> httpx.Client:
        return httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            transport=SyncASGITransport(app, loop),
        )

    monkeypatch.setattr(cli_dbt, "make_client", client)
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(raw(jaffle()))
    key = key_of(actors.producer_write)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        out = runner.invoke(_cli(), [str(manifest), "--api-key", key, *args])
        return out.exit_code, out.output

    code, output = await asyncio.to_thread(run)
    assert code == 0, output
    assert "dbt project jaffle_shop (manifest v12, dbt 1.8.0) -> environment prod" in output
    assert "assets: 8 created, 0 updated, 0 unchanged, 0 skipped" in output
    assert "versions: 5 published, 0 proposals opened" in output
    code, output = await asyncio.to_thread(run, "--json")
    assert code == 0, output
    assert json.loads(output)["summary"]["assets_unchanged"] == 8
    code, output = await asyncio.to_thread(run, "--no-wait", "-e", "dev")
    assert code == 0, output
    job_id = output.strip()
    async with _async_client(app, actors.producer_read) as accord:
        assert (await accord.wait_for_import_job(job_id, poll_interval=0.1)).status == ("succeeded")
