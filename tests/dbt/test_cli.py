"""`accord import dbt`: request shape, output, exit codes (server replaced by a mock)."""

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


def test_json_output(monkeypatch: pytest.MonkeyPatch, manifest: Path) -> None:
    _serve(monkeypatch, lambda r: httpx.Response(200, json=RESULT))
    out = CliRunner().invoke(_app(), [str(manifest), "--json"])
    assert out.exit_code == 0
    assert json.loads(out.output) == RESULT


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
