"""The GitHub workflows, issue forms, CODEOWNERS and community files: each parses, has what
GitHub requires, and says what the project relies on (a workflow that does not run the
checks, an action pinned to a movable tag or a CODEOWNERS path that no longer exists fails
here, not silently on GitHub)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BACKEND
from tests.release import ROOT

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="no database involved: SQLite leg only")

WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), path
    return data


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean true.
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict)
    return on


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _runs(workflow: dict[Any, Any]) -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow))


def test_the_three_workflows_exist() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == [
        "ci.yml",
        "nightly-security.yml",
        "release.yml",
    ]


@pytest.mark.parametrize("name", ["ci.yml", "release.yml", "nightly-security.yml"])
def test_workflow_shape(name: str) -> None:
    workflow = _load(WORKFLOWS / name)
    assert workflow["name"]
    assert _triggers(workflow)
    assert workflow["permissions"] == {"contents": "read"}  # least privilege by default
    assert workflow["jobs"]
    for job_name, job in workflow["jobs"].items():
        assert job["runs-on"], job_name
        assert isinstance(job["timeout-minutes"], int), job_name
        assert job["steps"], job_name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{step['uses']} is not pinned to a commit"


def test_ci_runs_the_project_ci_script_with_its_services() -> None:
    workflow = _load(WORKFLOWS / "ci.yml")
    on = _triggers(workflow)
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]
    job = workflow["jobs"]["test"]
    assert job["env"]["CI"] == "true"
    audits = [step for step in job["steps"] if "release.py --audit" in step.get("run", "")]
    assert len(audits) == 1
    assert {"postgres", "redis"} <= job["services"].keys()
    assert "5432:5432" in job["services"]["postgres"]["ports"]
    assert "6379:6379" in job["services"]["redis"]["ports"]
    assert "bash .ci/run" in _runs(workflow).splitlines()


def test_release_builds_the_tag_and_publishes_dist() -> None:
    workflow = _load(WORKFLOWS / "release.yml")
    assert _triggers(workflow) == {"push": {"tags": ["v*"]}}
    assert workflow["jobs"]["release"]["permissions"] == {"contents": "write"}
    runs = _runs(workflow)
    assert 'tools/release.py "${GITHUB_REF_NAME#v}" --build-only --dist dist' in runs
    assert "tools/release.py --audit" in runs
    assert "sha256sum --strict -c SHA256SUMS" in runs
    assert "gh release create" in runs


def test_nightly_audits_the_locks_on_a_schedule() -> None:
    workflow = _load(WORKFLOWS / "nightly-security.yml")
    on = _triggers(workflow)
    assert on["schedule"][0]["cron"]
    assert "workflow_dispatch" in on
    assert ".venv/bin/python tools/release.py --audit" in _runs(workflow)


@pytest.mark.parametrize("name", ["bug.yml", "feature.yml"])
def test_issue_forms(name: str) -> None:
    form = _load(ROOT / ".github" / "ISSUE_TEMPLATE" / name)
    assert form["name"]
    assert form["description"]
    ids = [item["id"] for item in form["body"] if item["type"] != "markdown"]
    assert len(ids) == len(set(ids))  # GitHub refuses duplicate ids
    assert any(item.get("validations", {}).get("required") for item in form["body"])
    for item in form["body"]:
        assert item["type"] in {"markdown", "input", "textarea", "dropdown", "checkboxes"}
        assert item["attributes"]


def test_issue_config_sends_vulnerabilities_elsewhere() -> None:
    config = _load(ROOT / ".github" / "ISSUE_TEMPLATE" / "config.yml")
    assert config["blank_issues_enabled"] is False
    assert any("security" in link["name"].lower() for link in config["contact_links"])


def test_codeowners_paths_exist() -> None:
    rules = [
        line.split()
        for line in (ROOT / ".github" / "CODEOWNERS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == ["*", "@accord/maintainers"]
    for pattern, *owners in rules[1:]:
        assert owners, pattern
        assert all(o.startswith("@") for o in owners), pattern
        assert (ROOT / pattern.strip("/")).exists(), f"CODEOWNERS names missing {pattern}"


def test_community_files_say_what_they_must() -> None:
    security = (ROOT / "SECURITY.md").read_text()
    for needed in ("## Supported versions", "Report a vulnerability", ".pip-audit-accepted"):
        assert needed in security
    conduct = (ROOT / "CODE_OF_CONDUCT.md").read_text()
    assert "Contributor Covenant, version 2.1" in conduct
    assert "## Reporting" in conduct
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "\n## [Unreleased]\n" in changelog
    assert "CHANGELOG.md" in (ROOT / ".github" / "pull_request_template.md").read_text()
