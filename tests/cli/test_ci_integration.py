"""`action.yml` and `.pre-commit-hooks.yaml`: their own scripts, run as GitHub and
pre-commit would run them, against a real server."""

from __future__ import annotations

import re
import shlex
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.sdk import Client
from tests.cli.test_client_commands import ORDERS, Server, server
from tests.cli.test_server_commands import ACCORD

__all__ = ["server"]  # the module-scoped real server fixture

ROOT = Path(__file__).resolve().parents[2]
NO_EMAIL = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}


def _asset(server: Server, *, consumers: bool) -> str:
    fqn = f"ci.orders_{uuid.uuid4().hex[:8]}"
    with Client(server.url, server.producer_key) as producer:
        asset = producer.create_asset(fqn, server.producer_team)
        producer.publish(asset.id, ORDERS)
    if consumers:
        with Client(server.url, server.consumer_key) as consumer:
            consumer.create_registration(asset.id, server.consumer_team)
    return fqn


def _write(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(doc))
    return path


def _action_check_script() -> tuple[str, dict[str, str]]:
    """The `check` step of action.yml: its bash script and its environment templates."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    return step["run"], step["env"]


def _run_action(server: Server, tmp: Path, inputs: dict[str, str]) -> tuple[int, str, str, str]:
    script, env_templates = _action_check_script()
    runner_temp = tmp / "runner"
    (runner_temp / "accord-venv" / "bin").mkdir(parents=True)
    (runner_temp / "accord-venv" / "bin" / "accord").symlink_to(ACCORD)  # what step 1 installs
    summary, output = tmp / "summary.md", tmp / "output.txt"
    env = {**server.env, "RUNNER_TEMP": str(runner_temp)}
    env |= {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    for name, template in env_templates.items():
        key = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", template)
        assert key is not None, template
        env[name] = inputs[key.group(1)]
    done = subprocess.run(
        ["bash", "-e", "-c", script], env=env, capture_output=True, text=True, cwd=tmp, timeout=60
    )
    read = [p.read_text() if p.exists() else "" for p in (summary, output)]
    return done.returncode, done.stderr, read[0], read[1]


def test_the_action_passes_a_compatible_change(server: Server, tmp_path: Path) -> None:
    fqn = _asset(server, consumers=True)
    contract = _write(tmp_path, "orders.yaml", {"schema": ORDERS})
    inputs = {"asset": fqn, "contract": str(contract), "environment": "prod"}
    inputs |= {"url": server.url, "api-key": server.consumer_key}
    code, err, summary, output = _run_action(server, tmp_path, inputs)
    assert code == 0, err
    assert "unchanged" in summary or "compatible" in summary
    assert "compatible=true" in output.splitlines()


def test_the_action_fails_a_breaking_change_and_names_the_consumers(
    server: Server, tmp_path: Path
) -> None:
    fqn = _asset(server, consumers=True)
    contract = _write(tmp_path, "orders.yaml", NO_EMAIL)
    inputs = {"asset": fqn, "contract": str(contract), "environment": "prod"}
    inputs |= {"url": server.url, "api-key": server.consumer_key}
    code, err, summary, output = _run_action(server, tmp_path, inputs)
    assert code == 1, err
    assert f"## ❌ Accord: `{fqn} (prod)`" in summary
    assert "### Breaking changes" in summary
    assert "`/properties/email`" in summary or "email" in summary
    assert "### Consumers a proposal would wait on" in summary
    assert "- analytics" in summary
    assert set(output.splitlines()) >= {"compatible=false", "affected-teams=analytics"}


def test_the_action_reports_a_missing_asset_in_one_line(server: Server, tmp_path: Path) -> None:
    contract = _write(tmp_path, "orders.yaml", ORDERS)
    inputs = {"asset": "ci.nothing_here", "contract": str(contract), "environment": "prod"}
    inputs |= {"url": server.url, "api-key": server.consumer_key}
    code, err, _, _ = _run_action(server, tmp_path, inputs)
    assert code == 2
    assert err.startswith("error: no asset 'ci.nothing_here' in environment 'prod'")


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "accord-check"]
    return dict(hook)


@pytest.mark.parametrize(("breaking", "code"), [(False, 0), (True, 1)])
def test_the_pre_commit_hook_checks_the_changed_contract_files(
    server: Server, tmp_path: Path, breaking: bool, code: int
) -> None:
    hook = _hook()
    fqn = _asset(server, consumers=True)
    files = [_write(tmp_path / "contracts", f"{fqn}.yaml", NO_EMAIL if breaking else ORDERS)]
    files.append(_write(tmp_path, "README.md", {}))  # not a contract: the hook's filter skips it
    chosen = [str(f.relative_to(tmp_path)) for f in files if re.search(hook["files"], str(f))]
    assert chosen == [f"contracts/{fqn}.yaml"]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "accord"
    env = {**server.env, "ACCORD_URL": server.url, "ACCORD_API_KEY": server.consumer_key}
    done = subprocess.run(
        [ACCORD, *entry[1:], *chosen], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == code, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith(f"contracts/{fqn}.yaml: {fqn} (prod): ")
    assert ("breaking" in first) is breaking
