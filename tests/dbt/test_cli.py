"""`accord import dbt`: request shape, output, exit codes (server replaced by a mock).
An import is a job the command follows (tests/imports/test_cli.py runs it against the
real app)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from accord.cli import dbt as cli_dbt

RESULT: dict[str, Any] = {
    "dry_run": True,
    "environment": "dev",
    "manifest": {"project_name": "jaffle_shop", "schema_version": 12, "dbt_version": "1.8.0"},
    "summary": {
        "assets_created": 1, "assets_updated": 0, "assets_unchanged": 0, "assets_skipped": 0,
        "versions_published": 1, "proposals_opened": 1, "edges_created": 1, "edges_deleted": 0,
        "edges_unchanged": 0, "registrations_created": 0,
    },
    "assets": [
        {"fqn": "db.s.a", "action": "created", "reason": None,
         "version": {"outcome": "published", "version": "1.0.0"}},
        {"fqn": "db.s.b", "action": "unchanged", "reason": None,
         "version": {"outcome": "proposal", "proposal_id": "p1", "breaking_changes": [{}],
                     "downstream_assets": 3}},
    ],
    "edges": [{"upstream": "db.s.a", "downstream": "db.s.b", "action": "created"}],
    "registrations": [],
    "warnings": ["1 test(s) not mapped to guarantees: disabled"],
}  # fmt: skip


JOB_ID = "0193a3c2-0000-7000-8000-000000000001"


def _job(status: str, done: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "id": JOB_ID,
        "status": status,
        "progress": {
            "phase": None if status in ("succeeded", "failed") else "assets",
            "chunk_size": 100, "chunks_total": 4, "chunks_done": done,
            "assets_total": 2, "assets_applied": 2 if status == "succeeded" else 0,
        },
        "result": None,
        "error": None,
        "not_applied": [],
        **extra,
    }  # fmt: skip


def _jobs(*states: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """A server that accepts the import (202), then answers each poll with the next state."""
    left = list(states)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json=_job("queued"))
        assert request.url.path == f"/api/v1/imports/jobs/{JOB_ID}"
        return httpx.Response(200, json=left.pop(0) if len(left) > 1 else left[0])

    return handle


SUCCEEDED = _job("succeeded", 4, result={**RESULT, "dry_run": False})


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(cli_dbt.import_dbt)
    return app


def _serve(
    monkeypatch: pytest.MonkeyPatch, handler: Callable[[httpx.Request], httpx.Response]
) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    def client(base_url: str, api_key: str, timeout: float) -> httpx.Client:
        return httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            transport=httpx.MockTransport(record),
        )

    monkeypatch.setattr(cli_dbt, "make_client", client)
    return seen


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text('{"metadata": {}}')
    return path


def test_plan_is_printed(monkeypatch: pytest.MonkeyPatch, manifest: Path) -> None:
    seen = _serve(monkeypatch, lambda r: httpx.Response(200, json=RESULT))
    monkeypatch.setenv("ACCORD_API_KEY", "acd_env")
    args = [str(manifest), "-e", "dev", "--owner-team", "bi", "--dry-run", "--url", "http://x/"]
    out = CliRunner().invoke(_app(), args)
    assert out.exit_code == 0, out.output
    [request] = seen
    assert request.url.path == "/api/v1/imports/dbt"
    assert dict(request.url.params) == {"environment": "dev", "dry_run": "true", "owner_team": "bi"}
    assert request.headers["authorization"] == "Bearer acd_env"
    assert request.content == b'{"metadata": {}}'
    assert "[dry run: nothing written]" in out.output
    assert "+ db.s.a: version 1.0.0" in out.output
    assert "! db.s.b: breaking, proposal p1 (1 breaking change(s), 3 downstream asset(s))" in (
        out.output
    )
    assert "+ edge db.s.a -> db.s.b" in out.output
    assert "warning: 1 test(s) not mapped" in out.output


def test_import_follows_the_job_to_its_result(
    monkeypatch: pytest.MonkeyPatch, manifest: Path
) -> None:
    seen = _serve(monkeypatch, _jobs(_job("running", 1), _job("running", 3), SUCCEEDED))
    out = CliRunner().invoke(_app(), [str(manifest)])
    assert out.exit_code == 0, out.output
    assert [r.method for r in seen] == ["POST", "GET", "GET", "GET"]
    assert dict(seen[0].url.params) == {"environment": "prod", "dry_run": "false"}
    assert "[dry run" not in out.output
    assert "+ db.s.a: version 1.0.0" in out.output


def test_json_output(monkeypatch: pytest.MonkeyPatch, manifest: Path) -> None:
    _serve(monkeypatch, _jobs(SUCCEEDED))
    out = CliRunner().invoke(_app(), [str(manifest), "--json"])
    assert out.exit_code == 0
    assert json.loads(out.output) == SUCCEEDED["result"]


def test_no_wait_prints_the_job_id(monkeypatch: pytest.MonkeyPatch, manifest: Path) -> None:
    seen = _serve(monkeypatch, _jobs(SUCCEEDED))
    out = CliRunner().invoke(_app(), [str(manifest), "--no-wait"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == JOB_ID
    assert [r.method for r in seen] == ["POST"]
    out = CliRunner().invoke(_app(), [str(manifest), "--no-wait", "--json"])
    assert json.loads(out.output)["status"] == "queued"


def test_timeout_leaves_the_job_running(monkeypatch: pytest.MonkeyPatch, manifest: Path) -> None:
    _serve(monkeypatch, _jobs(_job("running", 1)))
    out = CliRunner().invoke(_app(), [str(manifest), "--timeout", "0.3"])
    assert out.exit_code == 2
    assert f"error: import job {JOB_ID} still running after 0.3 s; it goes on" in out.output


def test_failed_import_says_what_was_and_was_not_applied(
    monkeypatch: pytest.MonkeyPatch, manifest: Path
) -> None:
    partial = {**RESULT, "dry_run": False, "assets": RESULT["assets"][:1], "edges": []}
    failed = _job(
        "failed",
        3,
        result=partial,
        error={
            "code": "unknown_fields", "detail": "guarantees name fields the schema does not "
            "declare: _loaded_at", "status": 422, "phase": "versions", "chunk": 3,
            "unique_id": "source.p.raw.b", "fqn": "db.s.b",
        },
        not_applied=[
            {"unique_id": "source.p.raw.b", "fqn": "db.s.b", "done": ["asset", "lineage"],
             "reason": "failed in chunk 3 (versions): ... (unknown_fields)"},
        ],
    )  # fmt: skip
    _serve(monkeypatch, _jobs(failed))
    out = CliRunner().invoke(_app(), [str(manifest)])
    assert out.exit_code == 2
    assert "applied before the failure:" in out.output
    assert "+ db.s.a: version 1.0.0" in out.output
    assert "not applied: 1 of 2 asset(s)" in out.output
    assert "  x db.s.b: failed in chunk 3 (versions)" in out.output
    assert "error: import failed in chunk 3 (versions): guarantees name fields" in out.output
    out = CliRunner().invoke(_app(), [str(manifest), "--json"])
    assert out.exit_code == 2
    assert json.loads(out.output.split("\nerror:")[0])["status"] == "failed"


def test_problem_is_a_message_and_exit_2(monkeypatch: pytest.MonkeyPatch, manifest: Path) -> None:
    problem = {
        "detail": "manifest schema v7 is not supported",
        "code": "unsupported_manifest_version",
    }
    _serve(monkeypatch, lambda r: httpx.Response(422, json=problem))
    out = CliRunner().invoke(_app(), [str(manifest)])
    assert out.exit_code == 2
    assert "error: manifest schema v7 is not supported (unsupported_manifest_version" in out.output


def test_unreachable_server_and_missing_file(
    monkeypatch: pytest.MonkeyPatch, manifest: Path, tmp_path: Path
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    _serve(monkeypatch, refuse)
    out = CliRunner().invoke(_app(), [str(manifest)])
    assert out.exit_code == 2
    assert "error: cannot reach" in out.output
    out = CliRunner().invoke(_app(), [str(tmp_path / "missing.json")])
    assert out.exit_code == 2
    assert "error: cannot read" in out.output
