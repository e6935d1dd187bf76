"""`accord import odcs` and `accord export odcs` on the standard's examples, and export of a
registered contract from the server that `--url` / `--api-key` / `--profile` name."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from accord.cli.main import app
from accord.sdk import Client
from tests.checks.test_odcs_examples import CASES, EXAMPLES, NO_TABLE, REFUSED
from tests.cli.test_client_commands import Server, server  # noqa: F401

TABLE = {
    "columns": [
        {"name": "order_id", "type": "int64", "nullable": False},
        {"name": "status", "type": "varchar(16)"},
    ],
    "primary_key": ["order_id"],
}


def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> tuple[int, str, str]:
    # No connection from the machine running the tests: only what each test gives.
    bare: dict[str, str | None] = {
        "ACCORD_URL": None,
        "ACCORD_API_KEY": None,
        "ACCORD_PROFILE": None,
        "ACCORD_CONFIG_FILE": "/nonexistent/accord-profiles.toml",
    }
    result = CliRunner().invoke(app, list(args), env={**bare, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("file", "name"), CASES)
def test_an_example_round_trips_through_the_commands(file: str, name: str, tmp_path: Path) -> None:
    contract = tmp_path / "contract.json"
    code, _, err = invoke(
        "import", "odcs", str(EXAMPLES / file), "--object", name, "-o", str(contract)
    )
    assert code == 0, err
    code, out, err = invoke("export", "odcs", str(contract))
    assert code == 0, err
    assert yaml.safe_load(out) == yaml.safe_load((EXAMPLES / file).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("file", "paths"), [*REFUSED.items(), *((f, [p]) for f, p in NO_TABLE.items())]
)
def test_a_refused_example_is_an_input_error_naming_its_paths(file: str, paths: list[str]) -> None:
    code, out, err = invoke("import", "odcs", str(EXAMPLES / file))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("error: ")
    assert lines[1:] == [f"  at {p}" for p in paths]


def test_import_of_a_file_loads_no_sdk() -> None:
    probe = (
        "import sys\n"
        "from accord.cli.main import run\n"
        "sys.argv = ['accord', 'import', 'odcs', sys.argv[1]]\n"
        "try:\n"
        "    run()\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, [m for m in ('accord.sdk', 'pydantic') if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(EXAMPLES / "enum.odcs.yaml")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr


def _registered(srv: Server) -> str:
    fqn = f"lake.orders_{uuid.uuid4().hex[:8]}"
    with Client(srv.url, srv.producer_key) as c:
        asset = c.create_asset(fqn, srv.producer_team)
        c.publish(asset.id, TABLE, format="table")
    return fqn


def _properties(out: str) -> list[str]:
    return [p["name"] for p in yaml.safe_load(out)["schema"][0]["properties"]]


def test_export_takes_the_url_and_key_flags(server: Server) -> None:  # noqa: F811
    fqn = _registered(server)
    nowhere = {"ACCORD_URL": "http://127.0.0.1:9", "ACCORD_API_KEY": "not-a-key"}
    code, out, err = invoke(
        "export", "odcs", f"{fqn}@1.0.0", "--url", server.url, "--api-key", server.producer_key,
        env=nowhere,
    )  # fmt: skip
    assert code == 0, err
    assert _properties(out) == ["order_id", "status"]
    code, out, err = invoke("export", "odcs", fqn, env=nowhere)
    assert code == 2
    assert err.startswith("error: ")
    assert out == ""


def test_export_takes_a_saved_profile(server: Server, tmp_path: Path) -> None:  # noqa: F811
    fqn = _registered(server)
    saved = {"ACCORD_CONFIG_FILE": str(tmp_path / "profiles.toml")}
    login = ["login", "--url", server.url, "--api-key", server.producer_key, "--profile", "ci"]
    assert invoke(*login, env=saved)[0] == 0
    code, out, err = invoke("export", "odcs", fqn, "--profile", "ci", env=saved)
    assert code == 0, err
    assert _properties(out) == ["order_id", "status"]
    code, _, err = invoke("export", "odcs", fqn, "--profile", "nope", env=saved)
    assert code == 2
    assert "nope" in err
