"""`tools/release.py` in a clean clone, as the acceptance criterion states it: the wheel,
the sdist, the SBOM, the checksums, the changelog entry, the release commit and its tag."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from tests.conftest import BACKEND
from tests.release import clone, git, plain_env, run_tool

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "sqlite", reason="no database involved: SQLite leg only"),
]


@dataclass(frozen=True)
class Released:
    repo: Path
    version: str
    dist: Path
    before: str  # the commit released from
    output: str
    # the UTC dates while the tool ran (two when it ran across midnight)
    dates: frozenset[str]


def _next_minor(repo: Path) -> str:
    text = (repo / "src" / "accord" / "__init__.py").read_text()
    found = re.search(r'__version__ = "(\d+)\.(\d+)\.\d+"', text)
    assert found, "no __version__ in src/accord/__init__.py"
    return f"{found[1]}.{int(found[2]) + 1}.0"


ENTRY = "- Release test: this entry ships."


def _with_entry(repo: Path) -> Path:
    """Main's Unreleased section is empty right after each release: give the clone one
    entry (committed, so the tree is clean) and the test does not depend on it."""
    changelog = repo / "CHANGELOG.md"
    text = changelog.read_text()
    assert "## [Unreleased]\n" in text
    changelog.write_text(text.replace("## [Unreleased]\n", f"## [Unreleased]\n\n{ENTRY}\n", 1))
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "entry")
    return repo


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Released:
    repo = _with_entry(clone(tmp_path_factory.mktemp("release") / "accord"))
    before = git(repo, "rev-parse", "HEAD")
    version = _next_minor(repo)
    started = _utc_date()
    done = run_tool(repo, version)
    assert done.returncode == 0, done.stdout + done.stderr
    dates = frozenset({started, _utc_date()})
    return Released(repo, version, repo / "dist", before, done.stdout, dates)


def _utc_date() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def _names(version: str) -> dict[str, str]:
    return {
        "wheel": f"accord-{version}-py3-none-any.whl",
        "sdist": f"accord-{version}.tar.gz",
        "sbom": f"accord-{version}.cdx.json",
        "notes": f"accord-{version}-release-notes.md",
    }


def test_release_makes_exactly_the_artifacts(released: Released) -> None:
    made = sorted(p.name for p in released.dist.iterdir())
    assert made == sorted([*_names(released.version).values(), "SHA256SUMS"])


def test_checksums_match_the_files(released: Released) -> None:
    sums = (released.dist / "SHA256SUMS").read_text().splitlines()
    assert sorted(line.split("  ", 1)[1] for line in sums) == sorted(
        _names(released.version).values()
    )
    # coreutils checks them as a downloader would
    check = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=released.dist, capture_output=True
    )
    assert check.returncode == 0, check.stdout


def _installed_metadata(target: Path, version: str) -> str:
    return (target / f"accord-{version}.dist-info" / "METADATA").read_text()


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_wheel_and_sdist_install(released: Released, kind: str, tmp_path: Path) -> None:
    """pip installs each (the sdist through the locked hatchling, no build isolation) and the
    installed metadata and package carry the released version."""
    dist = released.dist / _names(released.version)[kind]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(tmp_path), str(dist)],
        capture_output=True, text=True, env=plain_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    meta = _installed_metadata(tmp_path, released.version)
    assert "Name: accord\n" in meta
    assert f"Version: {released.version}\n" in meta
    assert "Requires-Dist: fastapi" in meta
    init = (tmp_path / "accord" / "__init__.py").read_text()
    assert f'__version__ = "{released.version}"' in init
    assert (tmp_path / "accord" / "migrations" / "env.py").is_file()


def _lock(path: Path) -> dict[str, tuple[str, set[str]]]:
    """name -> (version, hashes) of a uv lock."""
    out: dict[str, tuple[str, set[str]]] = {}
    name = ""
    for line in path.read_text().splitlines():
        head = re.match(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", line)
        if head:
            name = head[1]
            out[name] = (head[2], set())
        elif "--hash=sha256:" in line:
            out[name][1].add(line.split("sha256:", 1)[1].split()[0])
    return out


def test_sbom_is_cyclonedx_of_what_the_wheel_installs(released: Released) -> None:
    names = _names(released.version)
    text = (released.dist / names["sbom"]).read_text()
    checked = run_tool(released.repo, "--validate-sbom", str(released.dist / names["sbom"]))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    bom: dict[str, Any] = json.loads(text)
    root = bom["metadata"]["component"]
    assert (root["name"], root["version"]) == ("accord", released.version)
    wheel_sum = next(
        line.split()[0]
        for line in (released.dist / "SHA256SUMS").read_text().splitlines()
        if line.endswith(names["wheel"])
    )
    assert root["hashes"] == [{"alg": "SHA-256", "content": wheel_sum}]

    lock = _lock(released.repo / "requirements" / "main.lock")
    components = {c["name"]: c for c in bom["components"]}
    # runtime packages, direct and transitive (greenlet comes with sqlalchemy[asyncio])
    assert {"fastapi", "sqlalchemy", "greenlet", "pydantic-core", "uvloop"} <= components.keys()
    # the build backend is in the main lock but the wheel never installs it
    assert not {"hatchling", "editables", "pluggy", "trove-classifiers"} & components.keys()
    for name, comp in components.items():
        version, hashes = lock[name]
        assert comp["version"] == version
        assert comp["purl"] == f"pkg:pypi/{name}@{version}"
        listed = {h["content"] for ref in comp["externalReferences"] for h in ref["hashes"]}
        assert listed, name
        assert listed <= hashes, name

    with zipfile.ZipFile(released.dist / names["wheel"]) as zf:
        meta = zf.read(f"accord-{released.version}.dist-info/METADATA").decode()
    direct = {
        Requirement(line.split(":", 1)[1]).name.lower()
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    graph = {d["ref"]: set(d.get("dependsOn", [])) for d in bom["dependencies"]}
    assert {ref.split("/")[1].split("@")[0] for ref in graph[root["bom-ref"]]} == direct
    assert "pkg:pypi/greenlet@" + lock["greenlet"][0] in graph[components["sqlalchemy"]["bom-ref"]]


def test_changelog_entry_commit_and_tag(released: Released) -> None:
    repo, version = released.repo, released.version
    changelog = (repo / "CHANGELOG.md").read_text()
    unreleased = changelog.index("## [Unreleased]\n")
    dated = re.search(rf"^## \[{re.escape(version)}\] - (\S+)\n", changelog, re.MULTILINE)
    assert dated is not None, changelog[:500]
    assert dated[1] in released.dates  # the day it was released (UTC)
    entry = dated.start()
    assert changelog[unreleased:entry].strip() == "## [Unreleased]"  # emptied
    section = changelog[entry:].split("\n## [", 1)[0]
    notes = (released.dist / _names(version)["notes"]).read_text()
    assert notes.startswith(f"# Accord {version}\n")
    body = section.split("\n", 1)[1].strip()
    assert ENTRY in body
    assert body in notes
    assert f'__version__ = "{version}"' in (repo / "src" / "accord" / "__init__.py").read_text()

    assert git(repo, "log", "-1", "--format=%s") == f"release {version}"
    assert git(repo, "rev-parse", "HEAD~1") == released.before
    changed = git(repo, "diff", "--name-only", "HEAD~1", "HEAD").split()
    assert sorted(changed) == ["CHANGELOG.md", "src/accord/__init__.py"]
    assert git(repo, "cat-file", "-t", f"v{version}") == "tag"  # annotated
    assert git(repo, "rev-parse", f"v{version}^{{commit}}") == git(repo, "rev-parse", "HEAD")
    assert git(repo, "status", "--porcelain") == ""


def test_build_only_on_the_tag_reproduces_the_release(released: Released, tmp_path: Path) -> None:
    """What the release workflow runs on the pushed tag: the same bytes."""
    done = run_tool(released.repo, released.version, "--build-only", "--dist", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "SHA256SUMS").read_text() == (released.dist / "SHA256SUMS").read_text()


def test_refusals_say_why_and_change_nothing(released: Released, tmp_path: Path) -> None:
    repo, head = released.repo, git(released.repo, "rev-parse", "HEAD")
    again = run_tool(repo, released.version, "--dist", str(tmp_path / "a"))
    assert again.returncode == 2
    assert f"tag v{released.version} already exists" in again.stdout

    empty = run_tool(repo, _next_minor(repo), "--dist", str(tmp_path / "b"))
    assert empty.returncode == 2
    assert "[Unreleased] section lists no change" in empty.stdout

    (repo / "stray.txt").write_text("not committed")
    try:
        dirty = run_tool(repo, "9.0.0", "--dist", str(tmp_path / "c"))
    finally:
        (repo / "stray.txt").unlink()
    assert dirty.returncode == 2
    assert "work tree is not clean" in dirty.stdout
    assert "stray.txt" in dirty.stdout

    bad = run_tool(repo, "1.0", "--dist", str(tmp_path / "d"))
    assert bad.returncode == 2
    assert "is not X.Y.Z" in bad.stdout

    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert not any((tmp_path / d).exists() and any((tmp_path / d).iterdir()) for d in "abcd")


def test_dry_run_builds_and_leaves_the_tree_alone(tmp_path: Path) -> None:
    repo = _with_entry(clone(tmp_path / "accord"))
    head = git(repo, "rev-parse", "HEAD")
    version = _next_minor(repo)
    done = run_tool(repo, version, "--dry-run", "--no-tag", "--dist", str(tmp_path / "dist"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "dist" / f"accord-{version}-py3-none-any.whl").is_file()
    assert (tmp_path / "dist" / "SHA256SUMS").is_file()
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "tag", "--list", f"v{version}") == ""
